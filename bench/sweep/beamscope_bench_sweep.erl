%% @doc Benchmarks of the budgeted sweep (issue 7), each printed as a
%% ratio against a baseline measured side by side in the same node and run:
%%   1. full-sweep cost per process vs the floor
%%      `[process_info(P, message_queue_len) || P <- processes()]`;
%%   2. vs observer_backend:procs_info/1 (observer's full process table);
%%   4. detection time of a filling mailbox vs N x floor / budget + 1 tick;
%%   6. agent memory per tracked process and wire bytes per process per
%%      steady-state sweep.
%% Usage: erl +P 2000000 -noshell -pa DIR -eval 'beamscope_bench_sweep:main([N...])'.
-module(beamscope_bench_sweep).

-export([main/1]).

-define(RUNS, 3).

-spec main([pos_integer()]) -> no_return().
main(Ns) ->
    logger:set_primary_config(level, warning),
    io:format("~-9s ~-36s ~14s ~14s ~8s~n", ["N", "measure", "beamscope", "baseline", "ratio"]),
    lists:foreach(fun bench/1, Ns),
    halt(0).

bench(N) ->
    Idle = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, N)],
    Total = erlang:system_info(process_count),
    %% 1 and 2, unpaced: our sweep driver vs the floor vs observer, interleaved.
    Endpoint = "tcp://127.0.0.1:" ++ integer_to_list(free_port()),
    {ok, Ref} = beamscope_nif:start(#{stream_endpoint => list_to_binary(Endpoint),
                                      metrics_listen => disabled, top_k => 50}),
    _ = fresh(fun() -> beamscope_sweep:run(Ref) end),   % warm the history
    Rounds = [{fresh(fun floor/0), fresh(fun() -> beamscope_sweep:run(Ref, 2000, fast) end),
               fresh(fun() -> beamscope_sweep:run(Ref) end), fresh(fun observer/0)}
              || _ <- lists:seq(1, ?RUNS)],
    Floor = median([F || {F, _, _, _} <- Rounds]),
    Fast = median([O || {_, O, _, _} <- Rounds]),
    Slow = median([O || {_, _, O, _} <- Rounds]),
    Obs = median([B || {_, _, _, B} <- Rounds]),
    %% The agent runs 3 fast-tier sweeps to 1 slow-tier one.
    Ours = (3 * Fast + Slow) / 4,
    row(Total, "1 sweep us/process fast tier", Fast / Total, Floor / Total, Fast / Floor),
    row(Total, "1 sweep us/process slow tier", Slow / Total, Floor / Total, Slow / Floor),
    row(Total, "1 sweep us/process (3 fast:1 slow)", Ours / Total, Floor / Total, Ours / Floor),
    row(Total, "2 observer procs_info/ours", Ours / Total, Obs / Total, Obs / Ours),
    #{tracked_processes := T, bytes_per_process := B, history_matched := Matched,
      last_sweep_processes := LastN} = beamscope_nif:sweep_stats(Ref),
    io:format("          (history found by the merge-join for ~b of ~b processes)~n", [Matched, LastN]),
    ok = beamscope_nif:stop(Ref),
    row(Total, "6 agent bytes/tracked process", B, 64, B / 64),
    io:format("          (tracked ~b; + 8 B/process pid list held in the NIF during a sweep)~n", [T]),
    %% 1 paced, and 4: the running agent at the default and a 5% budget.
    [paced(Total, Budget, Floor, Idle) || Budget <- [0.01, 0.05]],
    [P ! stop || P <- Idle],
    ok.

paced(Total, Budget, FloorUs, Idle) ->
    application:load(beamscope),
    [application:set_env(beamscope, K, V) || {K, V} <-
        [{stream_endpoint, "tcp://127.0.0.1:" ++ integer_to_list(free_port())},
         {metrics_listen, disabled}, {budget, Budget}, {tick_ms, 1000}]],
    {ok, _} = application:ensure_all_started(beamscope),
    Sched = erlang:system_info(schedulers_online),
    LimitMs = FloorUs / (Budget * Sched) / 1000 + 1000,
    Timeout = round(LimitMs * 3) + 10000,
    %% Once the agent is in its stride: one of the N processes starts
    %% filling up (three different ones, one after the other, each at a
    %% random point of the sweep; the median), then a newly spawned one
    %% (not in the pid list of the sweep under way, so seen by the next
    %% sweep: up to two periods).
    ok = await(fun() -> maps:get(sweeps_total, beamscope_sampler:sweep_stats()) >= 1 end, Timeout),
    Existing = median([detect(pick(Idle), Timeout) || _ <- [1, 2, 3]]),
    New = detect(spawn(fun() -> receive never -> ok end end), Timeout * 2),
    row(Total, io_lib:format("4 detect ms, budget ~.2f", [Budget]), Existing, LimitMs + 1000,
        Existing / (LimitMs + 1000)),
    row(Total, io_lib:format("4 detect ms, new process, ~.2f", [Budget]), New, LimitMs + 1000,
        New / (LimitMs + 1000)),
    #{sweeps_total := S0, sweep_cost_total_us := C0, swept_total := N0} = beamscope_sampler:sweep_stats(),
    %% Four sweeps near the limit each, with room for a loaded host (the
    %% budget also pays for tree walks and the agent's own threads).
    ok = await(fun() -> maps:get(sweeps_total, beamscope_sampler:sweep_stats()) >= S0 + 4 end,
               round(LimitMs * 10) + 10000),
    #{sweep_cost_total_us := C1, swept_total := N1, cost_ratio := Own, chunk_us_max := Cmax} =
        beamscope_sampler:sweep_stats(),
    PerProc = (C1 - C0) / max(N1 - N0, 1),
    row(Total, io_lib:format("1 sweep us/process paced ~.2f", [Budget]), PerProc,
        FloorUs / Total, PerProc / (FloorUs / Total)),
    io:format("          (paced: cost_ratio ~.4f, chunk_us_max ~b us)~n", [Own, Cmax]),
    _ = Budget >= 0.05 andalso wire_bytes(Total, LimitMs),
    application:stop(beamscope).

%% 6, wire bytes: everything published (deltas and keyframes, serialized
%% envelopes) over two steady-state sweeps, nothing changing, per process
%% per sweep.
wire_bytes(Total, LimitMs) ->
    #{sweeps_total := S0} = beamscope_sampler:sweep_stats(),
    ok = await(fun() -> maps:get(sweeps_total, beamscope_sampler:sweep_stats()) >= S0 + 1 end,
               round(LimitMs * 3) + 10000),
    #{delta_bytes_total := D0, keyframe_bytes_total := K0, sweeps_total := S1} = beamscope_sampler:stats(),
    %% At least two sweeps and five ticks (small N sweeps many times a tick).
    T0 = erlang:monotonic_time(millisecond),
    ok = await(fun() -> maps:get(sweeps_total, beamscope_sampler:sweep_stats()) >= S1 + 2 andalso
                            erlang:monotonic_time(millisecond) - T0 >= 5000 end,
               round(LimitMs * 6) + 15000),
    #{delta_bytes_total := D1, keyframe_bytes_total := K1, sweeps_total := S2} = beamscope_sampler:stats(),
    Bytes = (D1 - D0) + (K1 - K0),
    PerProc = Bytes / (Total * max(S2 - S1, 1)),
    row(Total, "6 wire bytes/process/sweep", PerProc, 2, PerProc / 2),
    io:format("          (~b B over ~b sweeps: deltas ~b B, keyframes ~b B)~n",
              [Bytes, S2 - S1, D1 - D0, K1 - K0]),
    true.

%% Feeds `Filler` 100 messages every 10 ms until the agent has it in its
%% hot set; the time it took, plus one tick (the keyframe with it goes out
%% at the next tick). The filler is killed after.
detect(Filler, TimeoutMs) ->
    T0 = erlang:monotonic_time(millisecond),
    Feeder = spawn(fun Feed() -> [Filler ! x || _ <- lists:seq(1, 100)], timer:sleep(10), Feed() end),
    ok = await(fun() -> seen(Filler) end, TimeoutMs),
    Ms = erlang:monotonic_time(millisecond) - T0 + 1000,
    exit(Feeder, kill),
    exit(Filler, kill),
    Ms.

%% A live process of `Idle`, at random (earlier fillers were killed).
pick(Idle) ->
    P = lists:nth(rand:uniform(length(Idle)), Idle),
    case is_process_alive(P) of
        true -> P;
        false -> pick(Idle)
    end.

seen(P) ->
    #{rising := R, top_mailbox_all := Top} = beamscope_sampler:sweep_stats(),
    lists:member(P, R) orelse lists:keymember(P, 1, Top).

await(F, TimeoutMs) ->
    Deadline = erlang:monotonic_time(millisecond) + TimeoutMs,
    await_(F, Deadline).
await_(F, Deadline) ->
    case F() of
        true -> ok;
        false ->
            case erlang:monotonic_time(millisecond) > Deadline of
                true -> timeout;
                false -> timer:sleep(20), await_(F, Deadline)
            end
    end.

floor() -> [process_info(P, message_queue_len) || P <- processes()].

%% observer's backend sends the table in messages of 10,000 entries and
%% no end marker: it is done when its process exits.
observer() ->
    Self = self(),
    {Pid, Mon} = spawn_monitor(fun() -> observer_backend:procs_info(Self) end),
    receive {'DOWN', Mon, process, Pid, _} -> ok end,
    drain(Pid).
drain(Pid) ->
    receive {procs_info, Pid, _} -> drain(Pid) after 0 -> ok end.

%% Time of F in a fresh process (same heap start for every variant).
fresh(F) ->
    Self = self(),
    {P, M} = spawn_monitor(fun() -> {T, _} = timer:tc(F), Self ! {self(), T} end),
    receive {P, T} -> receive {'DOWN', M, _, _, _} -> T end end.

median(L) -> lists:nth(length(L) div 2 + 1, lists:sort(L)).

row(N, What, Ours, Base, Ratio) ->
    io:format("~-9b ~-36s ~14.3f ~14.3f ~8.2f~n", [N, lists:flatten(What), float(Ours), float(Base), float(Ratio)]).

free_port() ->
    {ok, S} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(S),
    ok = gen_tcp:close(S),
    Port.
