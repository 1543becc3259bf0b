%% @doc Benchmark 5 of issue 7, agent CPU: two nodes side by side, each
%% with N idle processes, one running the agent at its defaults and one
%% not; the OS CPU time of each node (statistics(runtime): every thread)
%% over the same window. The agent's cost is the difference, as a share
%% of the node's scheduler capacity, against the configured budget; next
%% to it, what the agent charged itself over the window (its pacer), so
%% the part it does not account for shows even on a loaded host (where
%% wall-time charging over-counts and the agent does less). A run whose
%% node spends more than ?MAX_OVER_PP above the budget fails (exit 1).
%% Usage (bench/run.sh):
%%   erl -noshell -pa DIR -eval 'beamscope_bench_cpu:main([N, WarmupMs, WindowMs])'.
-module(beamscope_bench_cpu).

-export([main/1, child/1]).

%% Generous bound on the agent's CPU above its budget, percentage points
%% of capacity (the goal is 0.25): past it the pacer is not pacing.
-define(MAX_OVER_PP, 2.0).

-spec main([pos_integer()]) -> no_return().
main([N, WarmupMs, WindowMs]) ->
    Erl = os:find_executable("erl"),
    Dir = filename:dirname(code:which(?MODULE)),
    Ports = [{Mode, open_port({spawn_executable, Erl},
                              [{args, ["+P", "2000000", "-noshell", "-pa", Dir, "-eval",
                                       lists:flatten(io_lib:format("beamscope_bench_cpu:child([~s, ~b, ~b, ~b])",
                                                                   [Mode, N, WarmupMs, WindowMs]))]},
                               exit_status, {line, 1024}, stderr_to_stdout])}
             || Mode <- [on, off]],
    Timeout = WarmupMs + WindowMs + 120000,
    [{on, {CpuOn, WallOn, Sched, Budget, ChargedUs}}, {off, {CpuOff, WallOff, _, _, _}}] =
        [{Mode, result(Port, Timeout)} || {Mode, Port} <- Ports],
    Share = fun(Cpu, Wall) -> Cpu / (Wall * Sched) end,
    On = Share(CpuOn, WallOn),
    Off = Share(CpuOff, WallOff),
    Diff = (On - Off) * 100,
    io:format("~-9s ~-40s ~14s ~14s ~8s~n", ["N", "measure", "agent on", "agent off", "value"]),
    io:format("~-9b ~-40s ~14.3f ~14.3f ~8.3f~n", [N, "5 node CPU % of capacity", On * 100, Off * 100, Diff]),
    io:format("~-9b ~-40s ~14.3f ~14.3f ~8.3f~n",
              [N, "5 agent pp over budget (goal <= 0.25)", Diff, Budget * 100, Diff - Budget * 100]),
    Charged = ChargedUs / 1000 / (WallOn * Sched) * 100,
    io:format("~-9b ~-40s ~14.3f ~14.3f ~8.3f~n",
              [N, "5 node CPU - agent's own charge (pp)", Diff, Charged, Diff - Charged]),
    io:format("          (~b schedulers, window ~b ms after ~b ms warm-up)~n", [Sched, WindowMs, WarmupMs]),
    beamscope_bench_bounds:finish(
      [beamscope_bench_bounds:check(io_lib:format("~b agent pp over budget", [N]), Diff - Budget * 100,
                                    '=<', ?MAX_OVER_PP)]).

result(Port, Timeout) ->
    receive
        {Port, {data, {eol, "RESULT " ++ Rest}}} ->
            {ok, Toks, _} = erl_scan:string(Rest ++ "."),
            {ok, Term} = erl_parse:parse_term(Toks),
            Term;
        {Port, {data, _}} -> result(Port, Timeout);
        {Port, {exit_status, S}} -> error({child_exited, S})
    after Timeout -> error(child_timeout)
    end.

%% @doc One side: N idle processes, the agent on or off, then CPU and wall
%% time over the window; prints `RESULT {CpuMs, WallMs, Schedulers, Budget,
%% ChargedUs}` (ChargedUs: what the agent charged its budget, 0 when off).
-spec child([term()]) -> no_return().
child([Mode, N, WarmupMs, WindowMs]) ->
    logger:set_primary_config(level, warning),
    _Idle = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, N)],
    application:load(beamscope),
    [application:set_env(beamscope, K, V) || {K, V} <-
        [{stream_endpoint, "tcp://127.0.0.1:" ++ integer_to_list(free_port())},
         {metrics_listen, disabled}]],
    _ = Mode =:= on andalso ({ok, _} = application:ensure_all_started(beamscope)) =/= x,
    {ok, Budget} = application:get_env(beamscope, budget),
    timer:sleep(WarmupMs),
    {Cpu0, _} = statistics(runtime),
    W0 = erlang:monotonic_time(millisecond),
    C0 = charged(Mode),
    timer:sleep(WindowMs),
    {Cpu1, _} = statistics(runtime),
    W1 = erlang:monotonic_time(millisecond),
    C1 = charged(Mode),
    io:format("RESULT {~b, ~b, ~b, ~w, ~b}~n",
              [Cpu1 - Cpu0, W1 - W0, erlang:system_info(schedulers_online), Budget, C1 - C0]),
    halt(0).

charged(on) -> maps:get(charged_total_us, beamscope_sampler:sweep_stats(), 0);
charged(off) -> 0.

free_port() ->
    {ok, S} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(S),
    ok = gen_tcp:close(S),
    Port.
