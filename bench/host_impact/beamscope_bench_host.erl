%% @doc Benchmark 3 of issue 7, host impact: a message-passing workload
%% (pairs of processes bouncing a message) in a node with N idle
%% processes, agent on vs off. ROUNDS rounds of two phases, in alternating
%% order (off then on, on then off, ...) so the host's drift within a round
%% favours neither side; the agent application is started before an "on"
%% phase and stopped after it, default settings. Every phase starts after
%% the same pause (the agent's warm-up before an "on" phase, an equal
%% wait before an "off" one). Each phase counts round trips (the
%% throughput) and times every 16th one (its p99). The host's own drift
%% from phase to phase is about +-10% on this shared machine, ten times
%% the agent's budget, so each round gives a ratio (on over off, back to
%% back) and the result is the median of the rounds' ratios. Generous
%% bounds (beamscope_bench_bounds) fail the run when the agent stalls the
%% host. Usage (bench/run.sh):
%%   erl +P 2000000 -noshell -pa DIR -eval 'beamscope_bench_host:main([N, PhaseMs, Rounds])'.
-module(beamscope_bench_host).

-export([main/1]).

-define(PAIRS, 64).
%% The agent runs this long before an "on" phase is measured (at most one
%% phase's length): its start (binding, the history's first allocation,
%% the first walk) is a one-off, not the steady state measured here.
-define(WARMUP_MS, 3000).
%% Generous bounds: the goals are >= 0.98 and <= 1.05.
-define(MIN_THROUGHPUT, 0.7).
-define(MAX_P99, 5.0).

-spec main([pos_integer()]) -> no_return().
main([N, PhaseMs]) -> main([N, PhaseMs, 7]);
main([N, PhaseMs, NRounds]) ->
    logger:set_primary_config(level, warning),
    Idle = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, N)],
    application:load(beamscope),
    [application:set_env(beamscope, K, V) || {K, V} <-
        [{stream_endpoint, "tcp://127.0.0.1:" ++ integer_to_list(free_port())},
         {metrics_listen, disabled}]],
    Rounds = [round_(I, PhaseMs) || I <- lists:seq(1, NRounds)],
    Tput = [On / Off || {{Off, _}, {On, _}} <- Rounds],
    P99 = [p99(On) / p99(Off) || {{_, Off}, {_, On}} <- Rounds],
    Mean = fun(L) -> lists:sum(L) / length(L) end,
    Total = erlang:system_info(process_count),
    io:format("~-9s ~-36s ~14s ~14s ~8s~n", ["N", "measure", "agent on", "agent off", "ratio"]),
    row(Total, "3 round trips/s (throughput)", Mean([T || {_, {T, _}} <- Rounds]),
        Mean([T || {{T, _}, _} <- Rounds]), median(Tput)),
    row(Total, "3 p99 round trip us", median([p99(S) || {_, {_, S}} <- Rounds]),
        median([p99(S) || {{_, S}, _} <- Rounds]), median(P99)),
    io:format("          (~b pairs, ~b rounds of two ~b ms phases, off-on, on-off, ...; ratios are the median "
              "of the rounds': throughput ~s; p99 ~s)~n",
              [?PAIRS, NRounds, PhaseMs, fmt(Tput), fmt(P99)]),
    [P ! stop || P <- Idle],
    beamscope_bench_bounds:finish(
      [beamscope_bench_bounds:check(io_lib:format("~b throughput on / off", [Total]), median(Tput),
                                    '>=', ?MIN_THROUGHPUT),
       beamscope_bench_bounds:check(io_lib:format("~b p99 on / off", [Total]), median(P99),
                                    '=<', ?MAX_P99)]).

%% Round I: off then on when I is odd, on then off when even; returns
%% {Off, On} either way.
round_(I, PhaseMs) when I rem 2 =:= 1 ->
    Off = phase(off, PhaseMs),
    {Off, phase(on, PhaseMs)};
round_(_, PhaseMs) ->
    On = phase(on, PhaseMs),
    {phase(off, PhaseMs), On}.

fmt(Ratios) -> lists:join(" ", [io_lib:format("~.3f", [R]) || R <- Ratios]).

median(L) -> lists:nth((length(L) + 1) div 2, lists:sort(L)).

p99(Samples) ->
    All = lists:sort(Samples),
    lists:nth(max(1, round(0.99 * length(All))), All).

phase(Agent, PhaseMs) ->
    _ = Agent =:= on andalso ({ok, _} = application:ensure_all_started(beamscope)) =/= x,
    timer:sleep(min(?WARMUP_MS, PhaseMs)),
    Self = self(),
    Pairs = [spawn_link(fun() -> pinger(Self, PhaseMs) end) || _ <- lists:seq(1, ?PAIRS)],
    Res = [receive {P, Count, Samples} -> {Count, Samples} end || P <- Pairs],
    _ = Agent =:= on andalso application:stop(beamscope),
    {lists:sum([C || {C, _} <- Res]) / (PhaseMs / 1000), lists:append([S || {_, S} <- Res])}.

pinger(Parent, PhaseMs) ->
    Echo = spawn_link(fun Echo() -> receive {From, M} -> From ! M, Echo() end end),
    Deadline = erlang:monotonic_time(microsecond) + PhaseMs * 1000,
    {Count, Samples} = ping(Echo, Deadline, 0, []),
    unlink(Echo),
    exit(Echo, kill),
    Parent ! {self(), Count, Samples}.

ping(Echo, Deadline, Count, Samples) ->
    T0 = erlang:monotonic_time(microsecond),
    Echo ! {self(), pong},
    receive pong -> ok end,
    T1 = erlang:monotonic_time(microsecond),
    S = case Count band 15 of 0 -> [T1 - T0 | Samples]; _ -> Samples end,
    case T1 >= Deadline of
        true -> {Count + 1, S};
        false -> ping(Echo, Deadline, Count + 1, S)
    end.

row(N, What, Ours, Base, Ratio) ->
    io:format("~-9b ~-36s ~14.3f ~14.3f ~8.3f~n", [N, What, float(Ours), float(Base), float(Ratio)]).

free_port() ->
    {ok, S} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(S),
    ok = gen_tcp:close(S),
    Port.
