%% @doc Rich samples of the few hot processes the NIF picked (top-K by
%% mailbox, reduction rate and heap). Only these get the costlier items;
%% `memory` is never read above the mailbox guard, `messages` never.
-module(beamscope_hot).

-export([sample/2, sample_one/2]).

-define(ITEMS, [registered_name, initial_call, current_function, status,
                message_queue_len, reductions, heap_size, total_heap_size,
                stack_size, garbage_collection]).

%% @doc Samples each pid; dead ones are skipped. Cost per process: one
%% process_info/2, one for memory when the mailbox is under `Guard`, the
%% dictionary only for proc_lib processes (to find '$initial_call'), one
%% application lookup. Meant for at most a few hundred processes.
-spec sample([pid()], non_neg_integer()) -> [map()].
sample(Pids, Guard) ->
    [S || P <- Pids, S <- [sample_one(P, Guard)], S =/= undefined].

%% @doc One process; undefined when it is gone.
-spec sample_one(pid(), non_neg_integer()) -> map() | undefined.
sample_one(P, Guard) ->
    case erlang:process_info(P, ?ITEMS) of
        undefined -> undefined;
        Info -> build(P, maps:from_list(Info), Guard)
    end.

build(P, #{message_queue_len := Q} = I, Guard) ->
    Gc = maps:get(garbage_collection, I),
    {Memory, Guarded} = memory(P, Q, Guard),
    #{pid => P,
      registered_name => case maps:get(registered_name, I) of
                             [] -> <<>>;
                             Name -> Name
                         end,
      initial_call => initial_call(P, maps:get(initial_call, I)),
      current_function => maps:get(current_function, I),
      status => maps:get(status, I),
      message_queue_len => Q,
      reductions => maps:get(reductions, I),
      memory_bytes => Memory,
      memory_guarded => Guarded,
      heap_size_words => maps:get(heap_size, I),
      total_heap_size_words => maps:get(total_heap_size, I),
      stack_size_words => maps:get(stack_size, I),
      minor_gcs => proplists:get_value(minor_gcs, Gc, 0),
      fullsweep_after => proplists:get_value(fullsweep_after, Gc, 0),
      application => application(P)}.

%% process_info(P, memory) walks the message queue and does not yield:
%% skip it when the mailbox is above the guard.
memory(_P, Q, Guard) when Q > Guard -> {0, true};
memory(P, _Q, _Guard) ->
    case erlang:process_info(P, memory) of
        {memory, M} -> {M, false};
        undefined -> {0, false}
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
