%% EUnit, real node: children pages (beamscope_pager) against the node's
%% own which_children and process_info, the refusals (unknown id, worker,
%% blocked supervisor, busy), 100,000 children (page cost, measured), and
%% restart entries pruned when a walk no longer sees them.
-module(beamscope_pager_tests).
-include_lib("eunit/include/eunit.hrl").

-define(U, beamscope_test_util).
-define(DEMO, <<"beamscope_demo/beamscope_demo_sup">>).
-define(POOL, <<?DEMO/binary, "/beamscope_demo_pool_top_sup/beamscope_demo_pool_sup">>).
-define(POOL_SIZE, 5000).

pager_test_() ->
    {setup, fun setup/0, fun cleanup/1,
     {inorder, [{timeout, 60, fun refusals/0},
                {timeout, 60, fun supervisor_order_is_which_children/0},
                {timeout, 60, fun by_mailbox_puts_the_full_one_first/0},
                {timeout, 60, fun by_memory_and_reductions/0},
                {timeout, 60, fun blocked_supervisor/0},
                {timeout, 60, fun flood/0},
                {timeout, 300, fun hundred_thousand_children/0},
                {timeout, 60, fun restarts_pruned/0}]}}.

setup() ->
    _ = logger:set_handler_config(default, level, none),
    ok = application:load(beamscope_demo),
    ok = application:set_env(beamscope_demo, crash_interval_ms, 0),
    ok = application:set_env(beamscope_demo, pool_size, ?POOL_SIZE),
    {ok, _} = ?U:start_agent([{tick_ms, 200}, {tree_walk_ms, 500}, {tree_call_timeout_ms, 300}]),
    {ok, _} = application:ensure_all_started(beamscope_demo),
    %% The pager knows ids once the tree server published its first walk.
    ?assert(wait(fun() -> not is_map_key(error, page(?POOL, 0, 1, supervisor_order)) end, 10000)),
    ok.

cleanup(_) ->
    _ = application:stop(beamscope_demo),
    ok = ?U:stop_agent().

%% A page, asked again while the pager says busy (its CPU share is spent
%% after a big page).
page(Id, Offset, Limit, Order) ->
    element(2, timed_page(Id, Offset, Limit, Order, 100)).

%% {Microseconds the answered request took, Page}.
timed_page(Id, Offset, Limit, Order, Tries) ->
    T0 = erlang:monotonic_time(microsecond),
    case beamscope_pager:children(Id, Offset, Limit, Order) of
        #{error := <<"busy", _/binary>>} when Tries > 0 ->
            timer:sleep(100),
            timed_page(Id, Offset, Limit, Order, Tries - 1);
        Page ->
            {erlang:monotonic_time(microsecond) - T0, Page}
    end.

error_of(Page) -> maps:get(error, Page, none).

%% A condition that raises (a page not built yet) counts as not yet.
wait(Fun, Ms) -> ?U:wait(fun() -> (catch Fun()) =:= true end, Ms).

pids(Page) -> [P || #{pid := P} <- maps:get(children, Page)].

pool_pids() -> [P || {_, P, _, _} <- supervisor:which_children(beamscope_demo_pool_sup), is_pid(P)].

%% --- tests -------------------------------------------------------------------

refusals() ->
    Unknown = page(<<"no/such/supervisor">>, 0, 10, by_mailbox),
    ?assertMatch(<<"unknown supervisor id no/such/supervisor", _/binary>>, error_of(Unknown)),
    Worker = page(<<?DEMO/binary, "/beamscope_demo_services_sup/beamscope_demo_crasher">>, 0, 10, by_mailbox),
    ?assertMatch({_, _}, binary:match(error_of(Worker), <<"is a worker, not a supervisor">>)),
    App = page(<<"beamscope_demo">>, 0, 10, by_mailbox),
    ?assertMatch({_, _}, binary:match(error_of(App), <<"not a supervisor">>)),
    ?assertMatch(<<"unknown order">>, error_of(page(?POOL, 0, 10, by_colour))),
    %% A limit past the protocol's bound is cut to 1,000.
    ?assertEqual(1000, length(maps:get(children, page(?POOL, 0, 5000, supervisor_order)))).

supervisor_order_is_which_children() ->
    Truth = pool_pids(),
    Pages = [page(?POOL, Off, 1000, supervisor_order) || Off <- lists:seq(0, ?POOL_SIZE - 1, 1000)],
    ?assertEqual([?POOL_SIZE], lists:usort([maps:get(total, P) || P <- Pages])),
    Got = lists:append([pids(P) || P <- Pages]),
    ?assertEqual([list_to_binary(pid_to_list(P)) || P <- Truth], [pid_bin(P) || P <- Got]),
    %% Ids as the walk makes them for simple_one_for_one children.
    [First | _] = maps:get(children, hd(Pages)),
    ?assertEqual(<<?POOL/binary, "/", (pid_bin(maps:get(pid, First)))/binary>>, maps:get(id, First)),
    ?assertEqual(?POOL, maps:get(parent_id, First)),
    ?assertMatch(#{kind := worker, restart_type := <<"permanent">>, modules := [<<"beamscope_demo_worker">>]},
                 First),
    ?assertEqual([], maps:get(children, page(?POOL, ?POOL_SIZE, 10, supervisor_order))).

by_mailbox_puts_the_full_one_first() ->
    Victim = lists:nth(1234, pool_pids()),
    ok = sys:suspend(Victim),
    [Victim ! {fill, I} || I <- lists:seq(1, 5000)],
    try
        Page = page(?POOL, 0, 10, by_mailbox),
        [Top | _] = maps:get(children, Page),
        {message_queue_len, Q} = erlang:process_info(Victim, message_queue_len),
        ?assertEqual(Victim, maps:get(pid, Top)),
        ?assertEqual(Q, maps:get(message_queue_len, Top)),
        ?assertEqual(by_mailbox, maps:get(order, Page)),
        Lens = [L || #{message_queue_len := L} <- maps:get(children, Page)],
        ?assertEqual(lists:reverse(lists:sort(Lens)), Lens)
    after
        ok = sys:resume(Victim)
    end.

by_memory_and_reductions() ->
    [Mem | _] = maps:get(children, page(?POOL, 0, 5, by_memory)),
    Max = lists:max([M || P <- pool_pids(), {memory, M} <- [erlang:process_info(P, memory)]]),
    %% Memory moves between the page and this read; the top is near the max.
    ?assert(maps:get(memory_bytes, Mem) * 2 >= Max),
    Reds = [R || #{reductions := R} <- maps:get(children, page(?POOL, 0, 20, by_reductions))],
    ?assertEqual(20, length(Reds)).

blocked_supervisor() ->
    ok = sys:suspend(beamscope_demo_pool_sup),
    try
        #{seq := Seq0} = beamscope_sampler:stats(),
        T0 = erlang:monotonic_time(millisecond),
        Page = page(?POOL, 0, 10, by_mailbox),
        Ms = erlang:monotonic_time(millisecond) - T0,
        #{seq := Seq1} = beamscope_sampler:stats(),
        ?assertMatch({_, _}, binary:match(error_of(Page), <<"did not answer which_children within 300 ms">>)),
        ?assert(Ms < 1000),
        ?assert(Seq1 > Seq0)                    % 200 ms ticks went on meanwhile
    after
        sys:resume(beamscope_demo_pool_sup)
    end.

flood() ->
    Self = self(),
    #{seq := Seq0} = beamscope_sampler:stats(),
    timer:sleep(1000),                          % a full CPU share to start with
    Callers = [spawn(fun() -> Self ! {self(), beamscope_pager:children(?POOL, 0, 100, by_mailbox)} end)
               || _ <- lists:seq(1, 50)],
    Pages = [receive {C, P} -> P after 30000 -> timeout end || C <- Callers],
    Busy = length([1 || #{error := <<"busy", _/binary>>} <- Pages]),
    [?debugFmt("odd page: ~p", [P]) || P <- Pages, not is_map(P) orelse
                                                   maps:get(error, P, <<"busy">>) =/= <<"busy">> andalso
                                                   binary:part(maps:get(error, P), 0, 4) =/= <<"busy">>],
    Served = length([1 || #{total := ?POOL_SIZE, children := [_ | _]} <- Pages]),
    io:format(user, "~n50 concurrent pages of 5,000 children: ~b served, ~b busy~n", [Served, Busy]),
    ?assertEqual(50, Busy + Served),
    ?assert(Served >= 4),
    timer:sleep(500),                           % two 200 ms ticks
    #{seq := Seq1} = beamscope_sampler:stats(),
    ?assert(Seq1 > Seq0),
    ?assert(is_process_alive(whereis(beamscope_pager))).

hundred_thousand_children() ->
    N = 100000,
    {ok, Sup} = supervisor:start_child(beamscope_demo_sup,
                                       #{id => big_pool, start => {beamscope_pager_test_sup, start_link, [pool]},
                                         type => supervisor, shutdown => infinity}),
    try
        [{ok, _} = supervisor:start_child(Sup, []) || _ <- lists:seq(1, N)],
        Id = <<?DEMO/binary, "/big_pool">>,
        ok = beamscope_tree:walk_now(),
        ?assert(wait(fun() -> maps:get(total, page(Id, 0, 1, supervisor_order), 0) =:= N end, 30000)),
        Victim = lists:nth(77777, [P || {_, P, _, _} <- supervisor:which_children(Sup)]),
        [Victim ! {fill, I} || I <- lists:seq(1, 100)],
        Times = [{Order, timed_page(Id, 0, 100, Order, 100)}
                 || Order <- [supervisor_order, by_mailbox, by_reductions, by_memory, by_mailbox]],
        [io:format(user, "~n100,000 children, page of 100 ~p: ~b ms", [O, Us div 1000]) || {O, {Us, _}} <- Times],
        {_, {_, ByMailbox}} = lists:keyfind(by_mailbox, 1, Times),
        ?assertEqual(N, maps:get(total, ByMailbox)),
        ?assertEqual(Victim, hd(pids(ByMailbox))),
        %% The tree itself still ships only a page of it: the children a
        %% page by mailbox starts with (idle ones tie, in which_children order).
        ?assert(wait(fun() -> walked_total(Id) =:= N end, 10000)),
        Same = wait(fun() -> lists:sort(walked_pids(Id)) =:=
                                 lists:sort(pids(page(Id, 0, 100, by_mailbox))) end, 10000),
        Same orelse ?debugFmt("walked ~p~npage ~p", [walked_pids(Id), pids(page(Id, 0, 100, by_mailbox))]),
        ?assert(Same)
    after
        _ = supervisor:terminate_child(beamscope_demo_sup, big_pool),
        _ = supervisor:delete_child(beamscope_demo_sup, big_pool)
    end.

walked_total(Id) ->
    {ok, Ref, _} = beamscope_sampler:nif_ref(),
    hd([maps:get(children_total, Node) || #{id := I} = Node <- maps:get(tree, beamscope_nif:tree_snapshot(Ref)),
                                          I =:= Id]).

walked_pids(Id) ->
    {ok, Ref, _} = beamscope_sampler:nif_ref(),
    [list_to_pid(binary_to_list(P)) || #{parent_id := I, pid := P} <- maps:get(tree, beamscope_nif:tree_snapshot(Ref)),
                                       I =:= Id].

%% A child that restarted is removed: after the next walk its entry is
%% gone and its supervisor's total still counts its restarts; once the
%% supervisor goes too, nothing of it is kept.
restarts_pruned() ->
    {ok, Sup} = supervisor:start_child(beamscope_demo_sup,
                                       #{id => short_lived, start => {beamscope_pager_test_sup, start_link, [static]},
                                         type => supervisor, shutdown => infinity}),
    Id = <<?DEMO/binary, "/short_lived">>,
    ok = beamscope_tree:walk_now(),
    ?assert(wait(fun() -> not is_map_key(error, page(Id, 0, 10, supervisor_order)) end, 5000)),
    Size0 = restart_entries(),
    [begin
         Old = child(Sup, a),
         exit(Old, kill),
         true = wait(fun() -> is_pid(child(Sup, a)) andalso child(Sup, a) =/= Old end, 2000)
     end || _ <- [1, 2, 3]],
    ?assert(wait(fun() -> sup_total(Id) =:= 3 end, 5000)),
    ?assertEqual(Size0 + 1, restart_entries()),
    %% The page carries the walk's restart counts.
    ?assert(wait(fun() ->
                         [A] = [C || #{name := <<"a">>} = C <- maps:get(children, page(Id, 0, 10, supervisor_order))],
                         maps:get(restarts_total, A, 0) =:= 3
                 end, 5000)),
    ok = supervisor:terminate_child(Sup, a),
    ok = supervisor:delete_child(Sup, a),
    ok = beamscope_tree:walk_now(),
    ?assert(wait(fun() -> restart_entries() =:= Size0 end, 5000)),
    ?assertEqual(3, sup_total(Id)),
    ok = supervisor:terminate_child(beamscope_demo_sup, short_lived),
    ok = supervisor:delete_child(beamscope_demo_sup, short_lived),
    ok = beamscope_tree:walk_now(),
    ?assert(wait(fun() -> sup_total(Id) =:= 0 end, 5000)),
    ?assertMatch(<<"unknown supervisor id", _/binary>>, error_of(page(Id, 0, 10, supervisor_order))).

child(Sup, Id) ->
    hd([P || {I, P, _, _} <- supervisor:which_children(Sup), I =:= Id]).

tree_state() -> sys:get_state(beamscope_tree).

%% #state.restarts of beamscope_tree (element 12 of the record tuple).
%% The tree server's restart book: the state field shaped like one (no
%% record index to keep in step with beamscope_tree).
restarts() ->
    [R] = [F || #{children := _, sups := _} = F <- tuple_to_list(tree_state())],
    R.

restart_entries() -> beamscope_restarts:size(restarts()).

sup_total(Id) -> beamscope_restarts:sup_total(Id, restarts()).

pid_bin(P) when is_pid(P) -> list_to_binary(pid_to_list(P));
pid_bin(B) -> B.
