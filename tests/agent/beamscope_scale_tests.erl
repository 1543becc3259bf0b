%% EUnit: the tiered, budgeted sampler against ground truth from the VM.
%% Functional checks, not timings: the paced sweep's top-K equals a
%% brute-force scan; a process with 1,000,000 queued messages is never
%% asked for memory; bad budget and guard settings are refused at start.
-module(beamscope_scale_tests).
-include_lib("eunit/include/eunit.hrl").

-define(U, beamscope_test_util).

idle() -> spawn(fun() -> receive stop -> ok end end).

%% Waits until the sampler has completed `N` more sweeps (bounded).
await_sweeps(N, TimeoutMs) ->
    #{sweeps_total := S0} = beamscope_sampler:sweep_stats(),
    await_sweeps(S0 + N, erlang:monotonic_time(millisecond) + TimeoutMs, x).
await_sweeps(Want, Deadline, _) ->
    case beamscope_sampler:sweep_stats() of
        #{sweeps_total := S} when S >= Want -> ok;
        _ ->
            ?assert(erlang:monotonic_time(millisecond) < Deadline),
            timer:sleep(50),
            await_sweeps(Want, Deadline, x)
    end.

topk_equals_brute_force_test_() ->
    {timeout, 300, fun topk_equals_brute_force/0}.

topk_equals_brute_force() ->
    TopK = 50,
    {ok, _} = ?U:start_agent([{top_k, TopK}, {budget, 0.5}, {metrics_listen, disabled}, {tick_ms, 200}]),
    Idle = [idle() || _ <- lists:seq(1, 200000)],
    %% 300 processes with known, distinct mailbox sizes among 200k.
    Loaded = [begin P = idle(), [P ! m || _ <- lists:seq(1, 7 * I)], P end || I <- lists:seq(1, 300)],
    ok = await_sweeps(2, 120000),
    #{top_mailbox_all := Top} = beamscope_sampler:sweep_stats(),
    Brute = lists:sublist(lists:reverse(lists:keysort(2,
                [{P, Q} || P <- erlang:processes(),
                           {message_queue_len, Q} <- [erlang:process_info(P, message_queue_len)], Q > 0])),
                TopK),
    ?assertEqual(Brute, Top),
    [P ! stop || P <- Loaded ++ Idle],
    ok = ?U:stop_agent().

never_memory_above_guard_test_() ->
    {timeout, 120, fun never_memory_above_guard/0}.

never_memory_above_guard() ->
    {ok, _} = ?U:start_agent([{tick_ms, 100}, {mailbox_guard, 100000}, {metrics_listen, disabled},
                              {budget, 0.2}]),
    Loaded = idle(),
    [Loaded ! {m, I} || I <- lists:seq(1, 1000000)],
    Sampler = whereis(beamscope_sampler),
    %% Trace every process_info/2 the sampler calls from now on.
    1 = erlang:trace_pattern({erlang, process_info, 2}, true, [global]),
    1 = erlang:trace(Sampler, true, [call]),
    #{guarded_total := G0} = beamscope_sampler:sweep_stats(),
    ok = await_sweeps(2, 60000),
    %% And five more ticks (100 ms apart), each sampling the hot set.
    #{seq := Seq0} = beamscope_sampler:stats(),
    ?assert(?U:wait(fun() -> maps:get(seq, beamscope_sampler:stats()) >= Seq0 + 5 end, 10000)),
    erlang:trace(Sampler, false, [call]),
    erlang:trace_pattern({erlang, process_info, 2}, false, [global]),
    Calls = drain([]),
    OnLoaded = [Item || {erlang, process_info, [P, Item]} <- Calls, P =:= Loaded],
    Rich = [I || I <- OnLoaded, asks_memory(I)],
    ?assert(length(OnLoaded) > 0),           % it was looked at (sweep and hot set)
    ?assertEqual([], Rich),                  % but never for memory or messages
    #{guarded_total := G1, top_mailbox_all := [{First, Len} | _]} = beamscope_sampler:sweep_stats(),
    ?assert(G1 > G0),
    ?assertEqual(Loaded, First),
    ?assert(Len >= 1000000),
    ?assert(is_process_alive(Sampler)),
    exit(Loaded, kill),
    ok = ?U:stop_agent().

asks_memory(Items) when is_list(Items) -> lists:any(fun asks_memory/1, Items);
asks_memory(I) -> lists:member(I, [memory, total_heap_size, messages]).

drain(Acc) ->
    receive {trace, _, call, MFA} -> drain([MFA | Acc])
    after 0 -> Acc
    end.

bad_settings_refused_test_() ->
    [?_assertMatch({error, {beamscope, {{bad_config, K, V, _}, _}}}, start_refused(K, V))
     || {K, V} <- [{budget, 0}, {budget, 0.0005}, {budget, 0.6}, {budget, "1%"},
                   {mailbox_guard, -1}, {mailbox_guard, 20000000}, {mailbox_guard, 1.5},
                   {mailbox_alarm, 0}, {mailbox_alarm, foo}]].

start_refused(K, V) ->
    R = ?U:start_agent([{K, V}]),
    _ = application:unset_env(beamscope, K),
    R.

good_settings_accepted_test() ->
    ?assertMatch({ok, #{budget := 0.05, mailbox_guard := 0, mailbox_alarm := 5}},
                 beamscope_config:from_env([{budget, 0.05}, {mailbox_guard, 0}, {mailbox_alarm, 5}])),
    ?assertMatch({ok, #{budget := 0.01, mailbox_alarm := 10000}}, beamscope_config:from_env([])).
