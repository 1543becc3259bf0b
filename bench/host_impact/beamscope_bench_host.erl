%% @doc Benchmark 3 of issue 7, host impact: a message-passing workload
%% (pairs of processes bouncing a message) in a node with N idle
%% processes, agent on vs off. Phases alternate off, on, off, on (the
%% agent application started and stopped between them, default settings)
%% so drift hits both sides alike; each phase counts round trips (the
%% throughput) and times every 16th one (its p99). Printed as ratios on
%% over off. Usage (bench/run.sh):
%%   erl +P 2000000 -noshell -pa DIR -eval 'beamscope_bench_host:main([N, PhaseMs])'.
-module(beamscope_bench_host).

-export([main/1]).

-define(PAIRS, 64).
-define(PHASES, 4).

-spec main([pos_integer()]) -> no_return().
main([N, PhaseMs]) ->
    logger:set_primary_config(level, warning),
    Idle = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, N)],
    application:load(beamscope),
    [application:set_env(beamscope, K, V) || {K, V} <-
        [{stream_endpoint, "tcp://127.0.0.1:" ++ integer_to_list(free_port())},
         {metrics_listen, disabled}]],
    Results = [phase(Agent, PhaseMs) || _ <- lists:seq(1, ?PHASES div 2), Agent <- [off, on]],
    Off = [R || {off, R} <- Results],
    On = [R || {on, R} <- Results],
    {TOff, POff} = combine(Off),
    {TOn, POn} = combine(On),
    Total = erlang:system_info(process_count),
    io:format("~-9s ~-36s ~14s ~14s ~8s~n", ["N", "measure", "agent on", "agent off", "ratio"]),
    row(Total, "3 round trips/s (throughput)", TOn, TOff, TOn / TOff),
    row(Total, "3 p99 round trip us", POn, POff, POn / POff),
    io:format("          (~b pairs, ~b phases of ~b ms, off/on interleaved)~n", [?PAIRS, ?PHASES, PhaseMs]),
    [P ! stop || P <- Idle],
    halt(0).

phase(Agent, PhaseMs) ->
    _ = case Agent of
            on -> {ok, _} = application:ensure_all_started(beamscope),
                  %% Let it reach its stride (its first sweep is under way).
                  timer:sleep(1000);
            off -> ok
        end,
    Self = self(),
    Pairs = [spawn_link(fun() -> pinger(Self, PhaseMs) end) || _ <- lists:seq(1, ?PAIRS)],
    Res = [receive {P, Count, Samples} -> {Count, Samples} end || P <- Pairs],
    _ = Agent =:= on andalso application:stop(beamscope),
    {Agent, {lists:sum([C || {C, _} <- Res]) / (PhaseMs / 1000), lists:append([S || {_, S} <- Res])}}.

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

combine(Phases) ->
    Rate = lists:sum([R || {R, _} <- Phases]) / length(Phases),
    All = lists:sort(lists:append([S || {_, S} <- Phases])),
    {Rate, lists:nth(max(1, round(0.99 * length(All))), All)}.

row(N, What, Ours, Base, Ratio) ->
    io:format("~-9b ~-36s ~14.3f ~14.3f ~8.3f~n", [N, What, float(Ours), float(Base), float(Ratio)]).

free_port() ->
    {ok, S} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(S),
    ok = gen_tcp:close(S),
    Port.
