%% EUnit: the shape and sanity of the VM gauges and the node identity.
-module(beamscope_gauges_tests).
-include_lib("eunit/include/eunit.hrl").

shape_test() ->
    _ = beamscope_gauges:enable_wall_time(),
    try
        {_, W0} = beamscope_gauges:sample(undefined),
        _ = [spawn(fun() -> ok end) || _ <- lists:seq(1, 100)],
        {G, W1} = beamscope_gauges:sample(W0),
        ?assert(is_list(W1)),
        Ints = [process_count, process_limit, port_count, port_limit, atom_count, atom_limit,
                ets_count, ets_limit, run_queue_total, dirty_cpu_run_queue_length,
                dirty_io_run_queue_length, reductions_total, gc_count_total,
                gc_words_reclaimed_total, io_input_bytes_total, io_output_bytes_total,
                uptime_ms, context_switches_total],
        [?assert(is_integer(maps:get(K, G)) andalso maps:get(K, G) >= 0) || K <- Ints],
        ?assert(maps:get(process_count, G) > 10),
        ?assert(maps:get(process_count, G) =< maps:get(process_limit, G)),
        ?assertEqual(erlang:system_info(schedulers), length(maps:get(run_queue_lengths, G))),
        Mem = maps:get(memory, G),
        [?assert(maps:get(K, Mem) > 0) || K <- [total, processes, system, atom, binary, code, ets]],
        Util = maps:get(scheduler_util, G),
        ?assertEqual(length(W1), length(Util)),
        [?assert(U >= 0.0 andalso U =< 1.0 andalso lists:member(Kind, [normal, dirty_cpu, dirty_io]))
         || {Kind, _Id, U} <- Util],
        ?assert(lists:keymember(normal, 1, Util))
    after
        beamscope_gauges:disable_wall_time()
    end.

no_util_without_previous_test() ->
    {G, _} = beamscope_gauges:sample(undefined),
    ?assertEqual([], maps:get(scheduler_util, G)).

%% ERTS counts the flag per process: our disable never switches off a
%% request of another process, and the node-wide state goes back to off.
wall_time_flag_restored_test() ->
    On = fun() -> erlang:statistics(scheduler_wall_time) =/= undefined end,
    ?assertNot(On()),
    Self = self(),
    Other = spawn(fun() -> erlang:system_flag(scheduler_wall_time, true), Self ! on,
                           receive stop -> ok end end),
    receive on -> ok end,
    true = beamscope_gauges:enable_wall_time(),
    ok = beamscope_gauges:disable_wall_time(),
    ?assert(On()),
    exit(Other, kill),
    %% The flag is dropped when its last holder is gone.
    ?assert(beamscope_test_util:wait(fun() -> not On() end, 5000)),
    false = beamscope_gauges:enable_wall_time(),
    ?assert(On()),
    ok = beamscope_gauges:disable_wall_time(),
    ?assertNot(On()).

node_info_test() ->
    I = beamscope_gauges:node_info(beamscope_gauges:naming(auto)),
    ?assertEqual(beamscope_gauges:node_name(beamscope_gauges:naming(auto)), maps:get(node, I)),
    ?assertEqual(<<"web-3@eu">>, maps:get(node, beamscope_gauges:node_info(<<"web-3@eu">>))),
    ?assertEqual(list_to_binary(erlang:system_info(otp_release)), maps:get(otp_release, I)),
    ?assert(maps:get(started_at_us, I) < erlang:system_time(microsecond)),
    ?assertEqual(8, maps:get(word_size, I)).

%% Without distribution every node is nonode@nohost: the OS pid and the host
%% make the name unique; with it, node() is the name.
node_name_test() ->
    {ok, Host} = inet:gethostname(),
    Want = case node() of
               nonode@nohost -> iolist_to_binary(["nonode-", os:getpid(), $@, Host]);
               N -> atom_to_binary(N, utf8)
           end,
    ?assertEqual(Want, beamscope_gauges:node_name(beamscope_gauges:naming(auto))),
    ?assertEqual(<<"api@dc1">>, beamscope_gauges:node_name(beamscope_gauges:naming(<<"api@dc1">>))).
