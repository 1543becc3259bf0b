%% EUnit: what the agent reports matches the node. 50,000 extra processes,
%% one with 10,000 queued messages: the NIF's count is within 1% of
%% erlang:system_info(process_count), the loaded process is first by
%% mailbox, and /metrics says the same.
-module(beamscope_ground_truth_tests).
-include_lib("eunit/include/eunit.hrl").

-define(U, beamscope_test_util).
-define(EXTRA, 50000).

ground_truth_test_() ->
    {timeout, 120, fun ground_truth/0}.

ground_truth() ->
    MetricsPort = ?U:free_port(),
    %% A slow tick so that only tick_now/0 samples while we measure.
    {ok, _} = ?U:start_agent([{metrics_listen, "127.0.0.1:" ++ integer_to_list(MetricsPort)},
                              {tick_ms, 60000}]),
    Idle = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, ?EXTRA)],
    Loaded = spawn(fun() -> receive stop -> ok end end),
    [Loaded ! {msg, I} || I <- lists:seq(1, 10000)],
    ok = beamscope_sampler:tick_now(),
    T0 = erlang:monotonic_time(microsecond),
    ok = beamscope_sampler:tick_now(),
    TickUs = erlang:monotonic_time(microsecond) - T0,
    N = erlang:system_info(process_count),
    Stats = beamscope_sampler:stats(),
    io:format(user, "~n~b processes: tick ~b us, sweep ~b us (begin..end), agent memory ~b B~n",
              [N, TickUs, maps:get(last_sweep_us, Stats), maps:get(memory_bytes, Stats)]),
    #{last_sweep_processes := Swept, snapshot_process_count := Gauge,
      top_mailbox := [{First, Len} | _]} = Stats,
    ?assert(abs(Swept - N) =< N div 100),
    ?assert(abs(Gauge - N) =< N div 100),
    ?assertEqual(Loaded, First),
    ?assert(Len >= 10000),
    ?assert(maps:get(snapshot_processes, Stats) > 0),
    check_metrics(MetricsPort, N),
    [P ! stop || P <- [Loaded | Idle]],
    ok = ?U:stop_agent().

check_metrics(Port, N) ->
    {ok, _} = application:ensure_all_started(inets),
    Url = "http://127.0.0.1:" ++ integer_to_list(Port) ++ "/metrics",
    {ok, {{_, 200, _}, _, Body}} = httpc:request(get, {Url, []}, [{timeout, 5000}], []),
    Lines = string:split(Body, "\n", all),
    %% Every series carries node="..." (one dashboard for agents and collectors).
    Node = binary_to_list(beamscope_gauges:node_name(beamscope_gauges:naming(auto))),  % nonode-PID@HOST without distribution
    [Count] = [list_to_integer(string:trim(V))
               || "erlang_vm_process_count{node=\"" ++ Rest <- Lines,
                  [N1, V] <- [string:split(Rest, "\"} ")],
                  N1 =:= Node],
    ?assert(abs(Count - N) =< N div 100),
    ?assert(lists:any(fun(L) -> lists:prefix("beamscope_mailbox_length_bucket", L)
                                    orelse lists:prefix("beamscope_process_mailbox", L) end, Lines)).

%% The hot set holds the node's named processes and supervisors whatever
%% their ranks (an idle registered process with an empty mailbox ranks on
%% nothing), at most top_k of them a tick.
services_sampled_test_() ->
    {timeout, 60, fun services_sampled/0}.

services_sampled() ->
    {ok, _} = ?U:start_agent([{metrics_listen, disabled}, {tick_ms, 60000}, {top_k, 50}]),
    ok = beamscope_sampler:tick_now(),
    Registered = [P || N <- erlang:registered(), P <- [whereis(N)], is_pid(P)],
    ?assert(length(Registered) < 50),
    Published = published(),
    ?assertEqual([], Registered -- Published),
    ?assert(lists:member(whereis(beamscope_sup), Published)),
    %% A hundred more names: still at most top_k of the services a tick.
    Many = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, 100)],
    [true = register(list_to_atom("beamscope_test_service_" ++ integer_to_list(I)), P)
     || {I, P} <- lists:zip(lists:seq(1, 100), Many)],
    ok = beamscope_sampler:tick_now(),
    Sampled = [P || P <- published(), lists:member(P, Many)],
    ?assert(length(Sampled) >= 1),
    ?assert(length(Sampled) =< 50),
    [P ! stop || P <- Many],
    ok = ?U:stop_agent().

%% The pids of the latest keyframe's process samples.
published() ->
    [list_to_pid(binary_to_list(B)) || B <- maps:get(processes, ?U:snapshot())].
