%% EUnit, real node: the supervision tree the agent publishes (read back
%% from the NIF's latest keyframe) against the node's own which_children,
%% restart counts and history after kills, escalation, and hostile
%% processes: a gen_server that crashes on any call placed where a naive
%% walker would call it, a blocked supervisor, fake supervisors with odd
%% answers or that die when asked, reasons of any size.
-module(beamscope_tree_tests).
-include_lib("eunit/include/eunit.hrl").

-define(U, beamscope_test_util).
-define(DEMO, <<"beamscope_demo/beamscope_demo_sup">>).

tree_test_() ->
    {setup, fun setup/0, fun cleanup/1,
     {inorder, [{timeout, 60, fun matches_which_children/0},
                {timeout, 60, fun kill_three_times/0},
                {timeout, 60, fun huge_reason_truncated/0},
                {timeout, 60, fun trap_never_called/0},
                {timeout, 60, fun odd_and_dying_supervisors/0},
                {timeout, 60, fun blocked_supervisor/0},
                {timeout, 60, fun hostile_top_untouched/0},
                {timeout, 60, fun supervisor_in_init/0},
                {timeout, 60, fun labels/0},
                {timeout, 60, fun escalation/0}]}}.

setup() ->
    %% Quiet console: the kills below log many supervisor reports.
    _ = logger:set_handler_config(default, level, none),
    ok = application:load(beamscope_demo),
    ok = application:set_env(beamscope_demo, crash_interval_ms, 0),
    {ok, _} = ?U:start_agent([{tick_ms, 200}, {tree_walk_ms, 500}, {tree_call_timeout_ms, 300}]),
    {ok, _} = application:ensure_all_started(beamscope_demo),
    ok.

cleanup(_) ->
    _ = application:stop(beamscope_demo),
    ok = ?U:stop_agent(),
    %% Stopping the agent leaves no handler and no system_monitor behind.
    ?assertNot(lists:member(beamscope_restarts, logger:get_handler_ids())),
    ?assertEqual(undefined, erlang:system_monitor()).

%% --- reading the published tree -------------------------------------------

snapshot() -> ?U:snapshot().

wait(Fun, Ms) -> ?U:wait(Fun, Ms).

tree() -> maps:get(tree, snapshot()).

node_of(Id) ->
    case [N || #{id := I} = N <- tree(), I =:= Id] of
        [N] -> N;
        [] -> undefined
    end.

pid_text(P) -> list_to_binary(pid_to_list(P)).

%% --- ground truth: which_children, done here in the node ------------------

truth(Sup, Path) ->
    lists:flatmap(
      fun({Id, Child, Type, _}) ->
              Name = case Id of
                         undefined -> pid_text(Child);
                         _ -> atom_to_binary(Id)
                     end,
              P = <<Path/binary, "/", Name/binary>>,
              Me = {P, pid_text(Child), Type},
              case Type of
                  supervisor -> [Me | truth(Child, P)];
                  worker -> [Me]
              end
      end, supervisor:which_children(Sup)).

reported(Prefix) ->
    N = byte_size(Prefix),
    lists:sort([{Id, Pid, case K of supervisor -> supervisor; _ -> worker end}
                || #{id := <<P:N/binary, "/", _/binary>> = Id, pid := Pid, kind := K} <- tree(),
                   P =:= Prefix, K =/= helper]).

matches_which_children() ->
    Truth = fun() -> lists:sort(truth(beamscope_demo_sup, ?DEMO)) end,
    Same = fun() -> Truth() =:= reported(?DEMO) end,
    ok = beamscope_tree:walk_now(),
    Ok = wait(Same, 5000),
    Ok orelse ?debugFmt("which_children: ~p~nreported: ~p", [Truth(), reported(?DEMO)]),
    ?assert(Ok),
    ?assert(length(Truth()) >= 25),
    %% Supervisors carry their flags, read from the supervisor itself.
    Pool = node_of(<<?DEMO/binary, "/beamscope_demo_pool_top_sup/beamscope_demo_pool_sup">>),
    ?assertMatch(#{strategy := <<"simple_one_for_one">>, intensity := 10, period_s := 10,
                   kind := supervisor}, Pool),
    #{active := Active} = maps:from_list(supervisor:count_children(beamscope_demo_pool_sup)),
    ?assertEqual(Active, maps:get(active_children, Pool)),
    Crasher = node_of(<<?DEMO/binary, "/beamscope_demo_services_sup/beamscope_demo_crasher">>),
    ?assertMatch(#{restart_type := <<"permanent">>, shutdown := <<"2000">>,
                   modules := [<<"beamscope_demo_crasher">>]}, Crasher),
    ?assertEqual(pid_text(whereis(beamscope_demo_crasher)), maps:get(pid, Crasher)).

kill_three_times() ->
    Id = <<?DEMO/binary, "/beamscope_demo_services_sup/beamscope_demo_crasher">>,
    T0 = erlang:monotonic_time(millisecond),
    [begin
         Old = whereis(beamscope_demo_crasher),
         exit(Old, kill),
         true = wait(fun() -> is_pid(whereis(beamscope_demo_crasher)) andalso
                                  whereis(beamscope_demo_crasher) =/= Old end, 2000)
     end || _ <- [1, 2, 3]],
    Seen = fun() ->
                   case node_of(Id) of
                       #{restarts_total := 3, recent_restarts := R} -> length(R) =:= 3;
                       _ -> false
                   end
           end,
    ?assert(wait(Seen, 2000)),
    io:format(user, "~n3 kills seen in the published tree after ~b ms~n",
              [erlang:monotonic_time(millisecond) - T0]),
    #{recent_restarts := Recent} = node_of(Id),
    ?assertEqual([<<"killed">>, <<"killed">>, <<"killed">>], [R || #{reason := R} <- Recent]),
    %% Each restart names the pid that replaced the dead one: the next
    %% restart's victim, and for the newest the pid running now.
    Current = pid_text(whereis(beamscope_demo_crasher)),
    NewestFilled = fun() ->
                           #{recent_restarts := Rs} = node_of(Id),
                           maps:get(new_pid, lists:last(Rs)) =:= Current
                   end,
    ?assert(wait(NewestFilled, 7000)),
    #{recent_restarts := [R1, R2, R3]} = node_of(Id),
    ?assertEqual(maps:get(old_pid, R2), maps:get(new_pid, R1)),
    ?assertEqual(maps:get(old_pid, R3), maps:get(new_pid, R2)),
    ?assertEqual(Current, maps:get(new_pid, R3)),
    Sup = node_of(<<?DEMO/binary, "/beamscope_demo_services_sup">>),
    ?assertEqual(3, maps:get(restarts_total, Sup)),
    ?assert(maps:get(restarts_in_period, Sup) =< 3),
    Events = [E || #{kind := child_terminated, child := C} = E <- maps:get(events, snapshot()), C =:= Id],
    ?assertEqual(3, length(Events)).

huge_reason_truncated() ->
    Id = <<?DEMO/binary, "/beamscope_demo_services_sup/beamscope_demo_burster">>,
    Old = whereis(beamscope_demo_burster),
    Huge = {huge, binary:copy(<<"y">>, 1000000), lists:duplicate(100000, {deep, [a, {b, "c"}]})},
    exit(Old, Huge),
    ?assert(wait(fun() -> case node_of(Id) of
                              #{restarts_total := N} -> N >= 1;
                              _ -> false
                          end end, 3000)),
    #{recent_restarts := [#{reason := Reason} | _]} = node_of(Id),
    ?assert(byte_size(Reason) =< 512),
    ?assertMatch(<<"{huge,", _/binary>>, Reason).

trap_never_called() ->
    {ok, Trap} = supervisor:start_child(beamscope_demo_sup,
                                        #{id => trap, start => {beamscope_tree_test_procs, trap, []},
                                          type => supervisor, shutdown => 1000}),
    Walks0 = walks(),
    ?assert(wait(fun() -> walks() >= Walks0 + 3 end, 10000)),
    ?assertEqual(Trap, child_pid(trap)),
    ?assert(is_process_alive(Trap)),
    #{walk_error := Why, kind := worker} = node_of(<<?DEMO/binary, "/trap">>),
    ?assertMatch({_, _}, binary:match(Why, <<"not walked">>)),
    remove(trap).

odd_and_dying_supervisors() ->
    {ok, _} = supervisor:start_child(beamscope_demo_sup,
                                     #{id => odd, start => {beamscope_tree_test_procs, fake_sup, [odd]},
                                       type => supervisor, shutdown => brutal_kill}),
    {ok, _} = supervisor:start_child(beamscope_demo_sup,
                                     #{id => dies, start => {beamscope_tree_test_procs, fake_sup, [die]},
                                       restart => temporary, type => supervisor, shutdown => brutal_kill}),
    ok = beamscope_tree:walk_now(),
    %% The dying one is shown as such by the walk that asked it (then its
    %% supervisor drops it: it is temporary).
    Error = fun(Id, Text) -> fun() -> case node_of(<<?DEMO/binary, "/", Id/binary>>) of
                                          #{walk_error := E} -> binary:match(E, Text) =/= nomatch;
                                          _ -> false
                                      end end end,
    ?assert(wait(Error(<<"dies">>, <<"died">>), 5000)),
    ?assert(wait(Error(<<"odd">>, <<"odd_child_specs">>), 5000)),
    %% The one well-formed child of the odd one is still shown.
    ?assertMatch(#{kind := worker}, node_of(<<?DEMO/binary, "/odd/ok_child">>)),
    ?assert(is_process_alive(whereis(beamscope_tree))),
    remove(odd),
    _ = supervisor:delete_child(beamscope_demo_sup, dies).

blocked_supervisor() ->
    %% start_child blocks beamscope_demo_sup for 4 s (the child's init).
    Starter = spawn(fun() ->
                            supervisor:start_child(beamscope_demo_sup,
                                                   #{id => slow, start => {beamscope_tree_test_procs, slow_sup, [4000]},
                                                     type => supervisor, shutdown => infinity})
                    end),
    timer:sleep(100),
    #{seq := Seq0} = beamscope_sampler:stats(),
    Walks0 = walks(),
    timer:sleep(2000),
    #{seq := Seq1} = beamscope_sampler:stats(),
    Walks = walks() - Walks0,
    WalkUs = maps:get(walk_duration_us, maps:get(tree_stats, snapshot())),
    io:format(user, "~nblocked supervisor, 2 s: ~b walks (the last ~b ms), ~b frames~n",
              [Walks, WalkUs div 1000, Seq1 - Seq0]),
    %% Walks go on while it is blocked (4 s): each call costs at most the
    %% 300 ms timeout. How many fit in 2 s depends on the host's load (the
    %% walk's cost stretches the period: the budget), so the proof is the
    %% duration of a walk that met it, far below the block.
    ?assert(Walks >= 1),
    ?assert(WalkUs < 2000000),
    ?assert(Seq1 - Seq0 >= 7),      % 200 ms ticks kept going
    ?assertMatch(#{unresponsive := true}, node_of(?DEMO)),
    ?assert(maps:get(unresponsive, maps:get(tree_stats, snapshot())) >= 1),
    %% Once it answers again, it is walked normally.
    ?assert(wait(fun() -> case node_of(?DEMO) of
                               #{unresponsive := false} -> true;
                               _ -> false
                           end end, 8000)),
    exit(Starter, kill),
    remove(slow).

%% An application whose top process is not a supervisor and exits on any
%% message: the agent walks the node many times, the process never gets a
%% message (still alive, same pid, empty mailbox, application running) and
%% the tree shows it as a worker that was not walked.
hostile_top_untouched() ->
    ok = beamscope_hostile_app:load(),
    ok = application:start(beamscope_hostile),
    Top = whereis(beamscope_hostile_top),
    Walks0 = walks(),
    ?assert(wait(fun() -> walks() >= Walks0 + 4 end, 15000)),
    ?assert(is_process_alive(Top)),
    ?assertEqual(Top, whereis(beamscope_hostile_top)),
    ?assertEqual({message_queue_len, 0}, erlang:process_info(Top, message_queue_len)),
    ?assert(lists:keymember(beamscope_hostile, 1, application:which_applications())),
    Node = node_of(<<"beamscope_hostile/beamscope_hostile_top">>),
    ?assertMatch(#{kind := worker, walk_error := <<"the application's top process does not run", _/binary>>},
                 Node),
    ?assertEqual(pid_text(Top), maps:get(pid, Node)),
    ok = application:stop(beamscope_hostile),
    ok = application:unload(beamscope_hostile).

%% A real supervisor listed by its parent while its init has not returned:
%% never sent a call then (its mailbox stays empty), shown as a starting
%% supervisor; walked normally once its init returns.
supervisor_in_init() ->
    {ok, Sup} = supervisor:start_child(beamscope_demo_sup,
                                       #{id => starting, start => {beamscope_tree_test_procs, starting_sup, []},
                                         restart => temporary, type => supervisor, shutdown => brutal_kill}),
    Id = <<?DEMO/binary, "/starting">>,
    Walks0 = walks(),
    ?assert(wait(fun() -> walks() >= Walks0 + 3 end, 15000)),
    ?assertEqual({message_queue_len, 0}, erlang:process_info(Sup, message_queue_len)),
    ?assertMatch(#{kind := supervisor, unresponsive := true, walk_error := <<"starting", _/binary>>},
                 node_of(Id)),
    Sup ! go,
    ?assert(wait(fun() -> case node_of(Id) of
                              #{unresponsive := false, strategy := <<"one_for_one">>} -> true;
                              _ -> false
                          end end, 8000)),
    ?assert(is_process_alive(Sup)),
    remove(starting).

%% proc_lib labels (OTP 27+) are shown as the process's name where a
%% registered name would be; a registered name wins over a label.
labels() ->
    case erlang:function_exported(proc_lib, set_label, 1) of
        false ->
            io:format(user, "~nproc_lib labels: OTP ~s has none (OTP 27+); the label test does not "
                      "apply here and was skipped~n", [erlang:system_info(otp_release)]);
        true ->
            Start = fun(Id, Label, Name) ->
                            {ok, P} = supervisor:start_child(
                                        beamscope_demo_sup,
                                        #{id => Id, start => {beamscope_tree_test_procs, labelled, [Label, Name]}}),
                            P
                    end,
            P1 = Start(labelled, {pool_worker, 7}, undefined),
            P2 = Start(labelled_named, <<"a label">>, beamscope_labelled_named),
            Name = fun(Id) -> case node_of(<<?DEMO/binary, "/", Id/binary>>) of
                                  #{registered_name := N} -> N;
                                  _ -> undefined
                              end end,
            ?assert(wait(fun() -> Name(<<"labelled">>) =:= <<"{pool_worker,7}">> end, 5000)),
            ?assert(wait(fun() -> Name(<<"labelled_named">>) =:= <<"beamscope_labelled_named">> end, 5000)),
            %% The hot set's samples carry the same name.
            ?assertMatch(#{registered_name := <<"{pool_worker,7}">>}, beamscope_hot:sample_one(P1, 100000)),
            ?assertMatch(#{registered_name := <<"beamscope_labelled_named">>},
                         beamscope_hot:sample_one(P2, 100000)),
            remove(labelled),
            remove(labelled_named)
    end.

escalation() ->
    %% demo_chain_sup allows 10 restarts in 10 s: the 11th escalates.
    Kill = fun Loop(0) -> ok;
               Loop(N) ->
                   case whereis(demo_store) of
                       undefined -> timer:sleep(5), Loop(N);
                       P -> exit(P, kill), timer:sleep(5), Loop(N - 1)
                   end
           end,
    Kill(12),
    Chain = <<?DEMO/binary, "/beamscope_demo_chain_sup">>,
    Escalated = fun() ->
                        Es = [E || #{kind := reached_max_restart_intensity, supervisor := S} = E
                                       <- maps:get(events, snapshot()), S =:= Chain],
                        Es =/= []
                end,
    ?assert(wait(Escalated, 3000)),
    ?assertMatch(#{escalated := true}, node_of(Chain)),
    %% Escalated, it exited and its parent restarted it: its own count,
    %% apart from its children's (what its parent's per-child series shows).
    ?assert(wait(fun() -> maps:get(self_restarts_total, node_of(Chain)) =:= 1 end, 5000)),
    #{restarts_total := ChildrenRestarts} = node_of(Chain),
    ?assert(ChildrenRestarts >= 10),
    ?assert(maps:get(restarts_total, node_of(?DEMO)) >= 1).

walks() -> maps:get(walks_total, maps:get(tree_stats, snapshot())).

child_pid(Id) ->
    hd([P || {I, P, _, _} <- supervisor:which_children(beamscope_demo_sup), I =:= Id]).

remove(Id) ->
    _ = supervisor:terminate_child(beamscope_demo_sup, Id),
    _ = supervisor:delete_child(beamscope_demo_sup, Id),
    ok.
