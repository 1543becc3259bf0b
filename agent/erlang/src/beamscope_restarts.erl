%% @doc Restart tracking. Two halves: a `logger' handler that turns
%% supervisor reports (child_terminated, start_error, shutdown,
%% reached_max_restart_intensity) and proc_lib crash reports into small
%% messages for the agent, and pure functions that keep restart counts and
%% a bounded history per child. The handler runs in the process that logs
%% (often a supervisor): it does a bounded print of the reason and one
%% send, never a call, and never creates an atom.
-module(beamscope_restarts).

-export([add_handler/0, remove_handler/0, log/2]).
-export([new/0, record/4, child/2, sup_in_period/3, sup_total/2, replaced_by/3, prune/3, size/1]).

-export_type([restarts/0, restart/0]).

-define(HANDLER, beamscope_restarts).
-define(RECENT, 16).            % protocol limit kMaxRecentRestarts
-define(REASON_BYTES, 480).     % under protocol kMaxString
-define(SUP_TIMES, 256).
%% Child entries kept at most (the oldest are folded into their
%% supervisor's total first): bounded however many children come and go
%% under supervisors whose children a walk cannot list.
-define(MAX_CHILDREN, 10000).

-type restart() :: #{time_us := integer(), reason := binary(),
                     old_pid := binary(), new_pid := binary()}.
-type entry() :: #{total := non_neg_integer(), recent := [restart()]}.
%% `gone': restarts of pruned children, per supervisor, so its total
%% never goes down when a child it restarted is removed.
-opaque restarts() :: #{children := #{binary() => entry()},
                        sups := #{binary() => [integer()]},
                        gone := #{binary() => non_neg_integer()}}.

%% @doc Installs the logger handler (errors and above, supervisor and crash
%% reports only). Idempotent.
-spec add_handler() -> ok | {error, term()}.
add_handler() ->
    case logger:add_handler(?HANDLER, ?MODULE, #{level => error}) of
        ok -> ok;
        {error, {already_exist, _}} -> ok;
        Error -> Error
    end.

%% @doc Removes the handler; ok when it was not there.
-spec remove_handler() -> ok.
remove_handler() ->
    _ = logger:remove_handler(?HANDLER),
    ok.

%% @doc logger callback. Never raises: a raising handler is removed by logger.
-spec log(logger:log_event(), logger:handler_config()) -> ok.
log(Event, _Config) ->
    try handle(Event) catch _:_ -> ok end,
    ok.

handle(#{msg := {report, #{label := {supervisor, Ctx}, report := Report}}, meta := Meta})
  when is_list(Report) ->
    Offender = proplists:get_value(offender, Report, []),
    Reason = proplists:get_value(reason, Report),
    Msg = #{sup_pid => maps:get(pid, Meta, self()),
            context => context(Ctx, Reason),
            child_id => beamscope_tree_walk:child_name(child_field(id, Offender)),
            child_pid => pid_field(child_field(pid, Offender)),
            restart_type => restart_type(child_field(restart_type, Offender)),
            reason => beamscope_tree_walk:print_bounded(Reason, ?REASON_BYTES),
            time_us => maps:get(time, Meta, erlang:system_time(microsecond))},
    send(beamscope_tree, {beamscope_sup_report, Msg});
handle(#{msg := {report, #{label := {proc_lib, crash}, report := [Info | _]}}, meta := Meta})
  when is_list(Info) ->
    Reason = case proplists:get_value(error_info, Info) of
                 {_Class, R, _Stack} -> R;
                 Other -> Other
             end,
    send(beamscope_events,
         {beamscope_event, #{kind => crash_report,
                             pid => pid_field(proplists:get_value(pid, Info)),
                             reason => beamscope_tree_walk:print_bounded(Reason, ?REASON_BYTES),
                             time_us => maps:get(time, Meta, erlang:system_time(microsecond))}});
handle(_) ->
    ok.

%% Only fixed atoms leave here: the report's own atoms are matched, not kept.
context(shutdown, reached_max_restart_intensity) -> reached_max_restart_intensity;
context(child_terminated, _) -> child_terminated;
context(start_error, _) -> start_error;
context(_, _) -> shutdown.

restart_type(permanent) -> permanent;
restart_type(transient) -> transient;
restart_type(temporary) -> temporary;
restart_type(_) -> unknown.

child_field(Key, Offender) when is_list(Offender) -> proplists:get_value(Key, Offender);
child_field(_, _) -> undefined.

pid_field(P) when is_pid(P) -> list_to_binary(pid_to_list(P));
pid_field(_) -> <<>>.

send(Name, Msg) ->
    case whereis(Name) of
        undefined -> ok;
        Pid -> Pid ! Msg, ok
    end.

%% --- bookkeeping (pure) --------------------------------------------------

%% @doc No restarts seen.
-spec new() -> restarts().
new() -> #{children => #{}, sups => #{}, gone => #{}}.

%% @doc Records one restart of child `ChildPath' under `SupPath'. The
%% history keeps the last 16; the supervisor keeps the last 256 times (for
%% restarts inside its period when its state cannot be read).
-spec record(binary(), binary(), restart(), restarts()) -> restarts().
record(SupPath, ChildPath, Restart, #{children := C, sups := S} = Restarts) ->
    #{total := N, recent := R0} = maps:get(ChildPath, C, #{total => 0, recent => []}),
    %% The pid that died now is the one that replaced the previous death.
    R = chain(R0, maps:get(old_pid, Restart, <<>>)),
    Recent = lists:nthtail(max(0, length(R) + 1 - ?RECENT), R ++ [Restart]),
    Times = lists:sublist([maps:get(time_us, Restart) | maps:get(SupPath, S, [])], ?SUP_TIMES),
    Restarts#{children := C#{ChildPath => #{total => N + 1, recent => Recent}},
              sups := S#{SupPath => Times}}.

chain([_ | _] = R, Died) when Died =/= <<>> ->
    case lists:last(R) of
        #{new_pid := <<>>} = Last -> lists:droplast(R) ++ [Last#{new_pid := Died}];
        _ -> R
    end;
chain(R, _) -> R.

%% @doc Fills in the pid that replaced a child in its newest restart, once
%% a walk has seen it (a supervisor report only names the pid that died).
%% Cost: one map lookup.
-spec replaced_by(binary(), binary(), restarts()) -> restarts().
replaced_by(ChildPath, NewPid, #{children := C} = Restarts) ->
    case maps:get(ChildPath, C, undefined) of
        #{recent := [_ | _] = R} = Entry ->
            case lists:last(R) of
                #{new_pid := <<>>, old_pid := Old} = Last when Old =/= NewPid ->
                    Recent = lists:droplast(R) ++ [Last#{new_pid := NewPid}],
                    Restarts#{children := C#{ChildPath := Entry#{recent := Recent}}};
                _ -> Restarts
            end;
        _ -> Restarts
    end.

%% @doc Restart count and recent history of a child (0 and [] when none).
-spec child(binary(), restarts()) -> {non_neg_integer(), [restart()]}.
child(Path, #{children := C}) ->
    case maps:get(Path, C, undefined) of
        #{total := N, recent := R} -> {N, R};
        undefined -> {0, []}
    end.

%% @doc Restarts seen under a supervisor in the last `PeriodS' seconds.
-spec sup_in_period(binary(), non_neg_integer(), restarts()) -> non_neg_integer().
sup_in_period(SupPath, PeriodS, #{sups := S}) ->
    Since = erlang:system_time(microsecond) - PeriodS * 1000000,
    length([T || T <- maps:get(SupPath, S, []), T >= Since]).

%% @doc Every restart seen under a supervisor, pruned children included.
-spec sup_total(binary(), restarts()) -> non_neg_integer().
sup_total(SupPath, #{children := C, gone := G}) ->
    Prefix = <<SupPath/binary, "/">>,
    N = byte_size(Prefix),
    maps:fold(fun(<<P:N/binary, Rest/binary>>, #{total := T}, Acc) when P =:= Prefix ->
                      case binary:match(Rest, <<"/">>) of
                          nomatch -> Acc + T;
                          _ -> Acc
                      end;
                 (_, _, Acc) -> Acc
              end, maps:get(SupPath, G, 0), C).

%% @doc Forgets what a walk no longer sees. `Walked' holds the path of
%% every node of the walk (a map used as a set); `Unknown' the paths of
%% supervisors whose children that walk could not list in full
%% (unresponsive, or summarised to a page): everything below them is
%% kept. A child entry goes when its path is not walked (a simple_one_for_one
%% supervisor's shared `Sup/*' entry goes with the supervisor); its total
%% moves to its supervisor's `gone' count, so supervisor totals stay
%% right. Supervisor entries (times, gone counts) go with the supervisor.
%% At most MAX_CHILDREN child entries stay (the ones restarted longest ago
%% are folded first). Cost: O(entries x depth).
-spec prune(#{binary() => term()}, #{binary() => term()}, restarts()) -> restarts().
prune(Walked, Unknown, #{children := C, sups := S, gone := G}) ->
    Known = fun(Path) -> maps:is_key(Path, Walked) orelse under(Path, Unknown) end,
    {Keep, Drop} = maps:fold(
                     fun(Path, E, {K, D}) ->
                             Live = case last_segment(Path) of
                                        <<"*">> -> Known(parent(Path));
                                        _ -> Known(Path)
                                    end,
                             case Live of
                                 true -> {K#{Path => E}, D};
                                 false -> {K, [{Path, E} | D]}
                             end
                     end, {#{}, []}, C),
    {Keep1, Drop1} = cap(Keep, Drop),
    Gone = lists:foldl(fun({Path, #{total := T}}, Acc) ->
                               Sup = parent(Path),
                               Acc#{Sup => maps:get(Sup, Acc, 0) + T}
                       end, G, Drop1),
    #{children => Keep1,
      sups => maps:filter(fun(Sup, _) -> Known(Sup) end, S),
      gone => maps:filter(fun(Sup, _) -> Known(Sup) end, Gone)}.

%% @doc Child entries held (tests, the agent's memory report).
-spec size(restarts()) -> non_neg_integer().
size(#{children := C}) -> map_size(C).

cap(Keep, Drop) when map_size(Keep) =< ?MAX_CHILDREN -> {Keep, Drop};
cap(Keep, Drop) ->
    ByAge = lists:sort([{last_time(E), P} || {P, E} <- maps:to_list(Keep)]),
    Old = [P || {_, P} <- lists:sublist(ByAge, map_size(Keep) - ?MAX_CHILDREN)],
    {maps:without(Old, Keep), [{P, maps:get(P, Keep)} || P <- Old] ++ Drop}.

last_time(#{recent := []}) -> 0;
last_time(#{recent := R}) -> maps:get(time_us, lists:last(R), 0).

%% True when a proper ancestor of Path is in `Unknown'.
under(_Path, Unknown) when map_size(Unknown) =:= 0 -> false;
under(Path, Unknown) ->
    case parent(Path) of
        <<>> -> false;
        Up -> maps:is_key(Up, Unknown) orelse under(Up, Unknown)
    end.

parent(Path) ->
    case binary:matches(Path, <<"/">>) of
        [] -> <<>>;
        Ms -> {Pos, _} = lists:last(Ms), binary:part(Path, 0, Pos)
    end.

last_segment(Path) ->
    case binary:matches(Path, <<"/">>) of
        [] -> Path;
        Ms -> {Pos, _} = lists:last(Ms), binary:part(Path, Pos + 1, byte_size(Path) - Pos - 1)
    end.
