%% @doc Rich samples of the few hot processes the NIF picked (top-K by
%% mailbox, by reduction rate, by heap, the growing ones, and the sweep
%% under way's top mailboxes), taken every tick. Only these get the
%% costlier items. `memory` and `total_heap_size` (both walk the message
%% queue and do not yield) are never read when the mailbox, now or when
%% last seen, is above the guard; `messages` never. Keeps only each hot
%% process's mailbox of the tick before, for the guard: every rate (growth,
%% time to the alarm, GCs a second) is the NIF's (hot_rates.hpp), computed
%% when the samples are published.
-module(beamscope_hot).

-export([new/0, sample/3, sample/2, sample_one/2, guarded_total/1]).
-export_type([hot/0]).

-record(hot, {prev = #{} :: #{pid() => non_neg_integer()},
              guarded_total = 0 :: non_neg_integer()}).
-opaque hot() :: #hot{}.

%% Items that cost the same whatever the mailbox holds.
-define(ITEMS, [registered_name, initial_call, current_function, status,
                message_queue_len, reductions, heap_size, stack_size,
                garbage_collection]).

-spec new() -> hot().
new() -> #hot{}.

%% @doc Rich reads skipped by the guard since start.
-spec guarded_total(hot()) -> non_neg_integer().
guarded_total(#hot{guarded_total = G}) -> G.

%% @doc Samples each pid (dead ones are skipped); a mailbox above `Guard'
%% now or at the call before skips the reads that walk it. Cost per process: one
%% process_info/2, one more for memory under the guard, the dictionary
%% only for proc_lib processes, one dictionary key (the proc_lib label,
%% OTP 27+) for unnamed ones, one application lookup: meant for at most a
%% few hundred processes.
-spec sample([pid()], non_neg_integer(), hot()) -> {[map()], hot()}.
sample(Pids, Guard, #hot{prev = Prev, guarded_total = G0}) ->
    {Samples, Seen, G} =
        lists:foldl(
          fun(P, {Acc, SeenAcc, GAcc} = Same) ->
                  case sample_one(P, Guard, maps:get(P, Prev, 0)) of
                      undefined -> Same;
                      #{message_queue_len := Q} = S ->
                          {[S | Acc], SeenAcc#{P => Q}, GAcc + guarded(S)}
                  end
          end, {[], #{}, G0}, Pids),
    {lists:reverse(Samples), #hot{prev = Seen, guarded_total = G}}.

%% @doc Samples without history (no rates). Kept for callers that need
%% one shot.
-spec sample([pid()], non_neg_integer()) -> [map()].
sample(Pids, Guard) ->
    [S || P <- Pids, S <- [sample_one(P, Guard)], S =/= undefined].

%% @doc One process; undefined when it is gone.
-spec sample_one(pid(), non_neg_integer()) -> map() | undefined.
sample_one(P, Guard) -> sample_one(P, Guard, 0).

sample_one(P, Guard, LastSeen) ->
    case erlang:process_info(P, ?ITEMS) of
        undefined -> undefined;
        Info -> build(P, maps:from_list(Info), Guard, LastSeen)
    end.

guarded(#{memory_guarded := true}) -> 1;
guarded(_) -> 0.

build(P, #{message_queue_len := Q} = I, Guard, LastSeen) ->
    Gc = maps:get(garbage_collection, I),
    {Memory, Total, Guarded} = memory(P, max(Q, LastSeen), Guard),
    #{pid => P,
      %% As UTF-8 text: on OTP 25 the NIF can only read atoms as Latin-1,
      %% which loses names like 'queue_✓' (hot set only, so 3*top_k calls).
      %% An unnamed process goes by its proc_lib label (OTP 27+), if any.
      registered_name => case maps:get(registered_name, I) of
                             [] -> beamscope_tree_proc:label(P);
                             Name -> atom_to_binary(Name, utf8)
                         end,
      initial_call => initial_call(P, maps:get(initial_call, I)),
      current_function => maps:get(current_function, I),
      status => maps:get(status, I),
      message_queue_len => Q,
      reductions => maps:get(reductions, I),
      memory_bytes => Memory,
      memory_guarded => Guarded,
      heap_size_words => maps:get(heap_size, I),
      total_heap_size_words => Total,
      stack_size_words => maps:get(stack_size, I),
      minor_gcs => proplists:get_value(minor_gcs, Gc, 0),
      fullsweep_after => proplists:get_value(fullsweep_after, Gc, 0),
      application => application(P)}.

%% process_info(P, memory) and total_heap_size walk the message queue and
%% do not yield: skip both when the mailbox is above the guard.
memory(_P, Q, Guard) when Q > Guard -> {0, 0, true};
memory(P, _Q, _Guard) ->
    case erlang:process_info(P, [memory, total_heap_size]) of
        [{memory, M}, {total_heap_size, T}] -> {M, T, false};
        undefined -> {0, 0, false}
    end.

%% proc_lib processes all start in proc_lib:init_p/5; their real initial
%% call is in the dictionary. Read it only for those, only for hot ones.
initial_call(P, {proc_lib, init_p, 5} = Raw) ->
    case proc_lib:initial_call(P) of
        {M, F, Args} when is_list(Args) -> {M, F, length(Args)};
        _ -> Raw
    end;
initial_call(_P, Raw) -> Raw.

application(P) ->
    case application:get_application(P) of
        {ok, App} -> App;
        undefined -> <<>>
    end.
