%% @doc Benchmarks of the budgeted sweep (issue 7), each printed as a
%% ratio against a baseline measured side by side in the same node and run:
%%   1. full-sweep cost per process vs the floor
%%      `[process_info(P, message_queue_len) || P <- processes()]`;
%%      unpaced by wall time on both sides, paced (what the running agent
%%      charged itself, CPU time) against the floor's CPU time;
%%   2. vs observer_backend:procs_info/1 (observer's full process table),
%%      as shipped (its six items a process against our one or four) and
%%      at equal work (observer's method reading our items);
%%   4. detection time of a filling mailbox vs N x floor / budget + 1 tick;
%%   6. agent memory per tracked process and wire bytes per process per
%%      steady-state sweep.
%% Each ratio also has a generous bound (beamscope_bench_bounds): one far
%% past its goal fails the run (exit 1).
%% Usage: erl +P 2000000 -noshell -pa DIR -eval 'beamscope_bench_sweep:main([N...])'.
-module(beamscope_bench_sweep).

-export([main/1]).

-define(RUNS, 3).
%% The agent's items (beamscope_sweep's FAST_ITEM and APP_ITEMS): the
%% fast tier reads the first, one sweep in four (the slow tier) the list.
-define(FAST_ITEM, message_queue_len).
-define(SLOW_ITEMS, [message_queue_len, reductions, heap_size, group_leader, registered_name, initial_call]).
%% What observer_backend:procs_info/1 reads of each process (OTP 25-29).
-define(OBSERVER_ITEMS, [registered_name, initial_call, memory, reductions, current_function,
                         message_queue_len]).

-spec main([pos_integer()]) -> no_return().
main(Ns) ->
    logger:set_primary_config(level, warning),
    io:format("~-9s ~-40s ~14s ~14s ~8s ~9s~n", ["N", "measure", "beamscope", "baseline", "ratio", "CPU ratio"]),
    try lists:append([bench(N) || N <- Ns]) of
        Results -> beamscope_bench_bounds:finish(Results)
    catch C:R:St ->
            io:format("bench failed: ~p:~p~n~p~n", [C, R, St]),
            halt(1)
    end.

bench(N) ->
    Idle = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, N)],
    Total = erlang:system_info(process_count),
    Threads = scheduler_threads(),
    %% 1 and 2, unpaced: our sweep driver vs the floor vs observer, interleaved.
    Endpoint = "tcp://127.0.0.1:" ++ integer_to_list(free_port()),
    {ok, Ref} = beamscope_nif:start(#{stream_endpoint => list_to_binary(Endpoint),
                                      metrics_listen => disabled, top_k => 50}),
    _ = fresh(fun() -> beamscope_sweep:run(Ref) end, Threads),   % warm the history
    Variants = [{floor, fun floor/0},
                {fast, fun() -> beamscope_sweep:run(Ref, 2000, fast) end},
                {slow, fun() -> beamscope_sweep:run(Ref) end},
                {observer, fun observer/0},
                {obs_fast, fun() -> observer_method(?FAST_ITEM) end},
                {obs_slow, fun() -> observer_method(?SLOW_ITEMS) end},
                {obs_own, fun() -> observer_method(?OBSERVER_ITEMS) end}],
    Rounds = [[{K, fresh(F, Threads)} || {K, F} <- Variants] || _ <- lists:seq(1, ?RUNS)],
    Wall = fun(K) -> median([element(1, proplists:get_value(K, R)) || R <- Rounds]) end,
    Cpu = fun(K) -> median([element(2, proplists:get_value(K, R)) || R <- Rounds]) end,
    %% The agent runs 3 fast-tier sweeps to 1 slow-tier one; at equal work
    %% observer's method reads the same items in the same mix.
    Mix = fun(Of, F, S) -> (3 * Of(F) + Of(S)) / 4 end,
    Floor = Wall(floor),
    Fast = Wall(fast),
    Slow = Wall(slow),
    Obs = Wall(observer),
    Ours = Mix(Wall, fast, slow),
    ObsEqual = Mix(Wall, obs_fast, obs_slow),
    OursCpu = Mix(Cpu, fast, slow),
    ObsEqualCpu = Mix(Cpu, obs_fast, obs_slow),
    Ratios = #{fast => Cpu(fast) / Cpu(floor), slow => Cpu(slow) / Cpu(floor), mix => OursCpu / Cpu(floor),
               observer => Cpu(observer) / OursCpu, equal => ObsEqualCpu / OursCpu,
               own => Cpu(obs_own) / Cpu(observer)},
    row(Total, "1 sweep us/process fast tier", Fast / Total, Floor / Total, Fast / Floor, fast, Ratios),
    row(Total, "1 sweep us/process slow tier", Slow / Total, Floor / Total, Slow / Floor, slow, Ratios),
    row(Total, "1 sweep us/process (3 fast:1 slow)", Ours / Total, Floor / Total, Ours / Floor, mix, Ratios),
    row(Total, "2 observer procs_info/ours, as shipped", Ours / Total, Obs / Total, Obs / Ours, observer, Ratios),
    row(Total, "2 observer method, our items/ours", Ours / Total, ObsEqual / Total, ObsEqual / Ours, equal,
        Ratios),
    row(Total, "2 observer method, its items/procs_info", Wall(obs_own) / Total, Obs / Total,
        Wall(obs_own) / Obs, own, Ratios),
    io:format("          (wall time, median of ~b interleaved runs; CPU ratio: the same by the VM's scheduler"
              " threads' CPU time, us/process: floor ~.3f, fast ~.3f, slow ~.3f, procs_info ~.3f)~n"
              "          (as shipped: observer reads ~w a process, we read ~w (3 sweeps in 4) or ~w;~n"
              "           equal work: observer's method with our items in the same 3:1 mix)~n",
              [?RUNS, Cpu(floor) / Total, Cpu(fast) / Total, Cpu(slow) / Total, Cpu(observer) / Total,
               ?OBSERVER_ITEMS, ?FAST_ITEM, ?SLOW_ITEMS]),
    #{tracked_processes := T, bytes_per_process := B, history_matched := Matched,
      last_sweep_processes := LastN} = beamscope_nif:sweep_stats(Ref),
    io:format("          (history found by the merge-join for ~b of ~b processes)~n", [Matched, LastN]),
    ok = beamscope_nif:stop(Ref),
    row(Total, "6 agent bytes/tracked process", B, 64, B / 64),
    io:format("          (tracked ~b; + 8 B/process pid list held in the NIF during a sweep)~n", [T]),
    %% Bounds on the CPU ratios: on a loaded host wall time also counts
    %% the OS running other programs in the middle of a run.
    Unpaced = [bound(Total, "fast tier / floor (CPU)", maps:get(fast, Ratios), '=<', 3.0),
               bound(Total, "slow tier / floor (CPU)", maps:get(slow, Ratios), '=<', 5.0),
               bound(Total, "observer procs_info / ours (CPU)", maps:get(observer, Ratios), '>=', 2.0),
               bound(Total, "observer method, our items / ours (CPU)", maps:get(equal, Ratios), '>=', 0.33),
               bound(Total, "agent bytes/tracked process", B, '=<', 128)],
    %% 1 paced, and 4: the running agent at the default and a 5% budget.
    Paced = [paced(Total, Budget, Floor, Cpu(floor), Idle) || Budget <- [0.01, 0.05]],
    [P ! stop || P <- Idle],
    Unpaced ++ lists:append(Paced).

bound(Total, What, Value, Op, Limit) ->
    beamscope_bench_bounds:check(io_lib:format("~b ~s", [Total, What]), Value, Op, Limit).

%% FloorUs is the floor's wall time, FloorCpuUs its CPU time. The paced
%% cost is what the agent charged itself, CPU time (each chunk by its
%% scheduler thread's CPU time, the pid list by its wall time but at most
%% twice its cheapest), so it is set against the floor's CPU time; so is
%% the detection limit, since the pacer spends its budget in that
%% currency (a wall-time floor inflated by a loaded host would stretch
%% the limit and flatter the agent).
paced(Total, Budget, FloorUs, FloorCpuUs, Idle) ->
    application:load(beamscope),
    [application:set_env(beamscope, K, V) || {K, V} <-
        [{stream_endpoint, "tcp://127.0.0.1:" ++ integer_to_list(free_port())},
         {metrics_listen, disabled}, {budget, Budget}, {tick_ms, 1000}]],
    {ok, _} = application:ensure_all_started(beamscope),
    Sched = erlang:system_info(schedulers_online),
    LimitMs = FloorCpuUs / (Budget * Sched) / 1000 + 1000,
    Timeout = round(LimitMs * 3) + 10000,
    %% Once the agent is in its stride: one of the N processes starts
    %% filling up (three different ones, one after the other, each at a
    %% random point of the sweep; the median), then a newly spawned one
    %% (not in the pid list of the sweep under way, so seen by the next
    %% sweep: up to two periods).
    ok = await(fun() -> maps:get(sweeps_total, beamscope_sampler:sweep_stats()) >= 1 end, Timeout),
    Existing = median([detect(pick(Idle), Timeout) || _ <- [1, 2, 3]]),
    New = detect(spawn(fun() -> receive never -> ok end end), Timeout * 2),
    Limit = LimitMs + 1000,
    row(Total, io_lib:format("4 detect ms, budget ~.2f", [Budget]), Existing, Limit, Existing / Limit),
    row(Total, io_lib:format("4 detect ms, new process, ~.2f", [Budget]), New, Limit, New / Limit),
    #{sweeps_total := S0, sweep_cost_total_us := C0, swept_total := N0} = beamscope_sampler:sweep_stats(),
    %% Four sweeps near the limit each, with room for a loaded host (the
    %% budget also pays for tree walks and the agent's own threads).
    ok = await(fun() -> maps:get(sweeps_total, beamscope_sampler:sweep_stats()) >= S0 + 4 end,
               round(LimitMs * 10) + 10000),
    #{sweep_cost_total_us := C1, swept_total := N1, cost_ratio := Own, chunk_us_max := Cmax} =
        beamscope_sampler:sweep_stats(),
    PerProc = (C1 - C0) / max(N1 - N0, 1),
    FloorCpu = FloorCpuUs / Total,
    row(Total, io_lib:format("1 sweep us/process paced ~.2f (CPU)", [Budget]), PerProc, FloorCpu,
        PerProc / FloorCpu),
    io:format("          (paced: the agent's charge against the floor's CPU time; the floor's wall time "
              "~.3f us/process; cost_ratio ~.4f, chunk_us_max ~b us)~n", [FloorUs / Total, Own, Cmax]),
    Wire = case Budget >= 0.05 of
               true -> [bound(Total, "wire bytes/process/sweep", wire_bytes(Total, LimitMs), '=<', 20)];
               false -> []
           end,
    ok = application:stop(beamscope),
    [bound(Total, io_lib:format("paced ~.2f / floor (CPU)", [Budget]), PerProc / FloorCpu, '=<', 5.0),
     bound(Total, io_lib:format("detection ~.2f / limit", [Budget]), Existing / Limit, '=<', 3.0),
     bound(Total, io_lib:format("detection of a new process ~.2f / limit", [Budget]), New / Limit, '=<', 4.0)
     | Wire].

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
    PerProc.

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

%% observer_backend:procs_info/1's method with the given items (an atom or
%% a list, as process_info/2 takes them): the pid list split in batches of
%% 10,000; per process one process_info/2 call and one flat tuple of the
%% values (observer's #etop_proc_info{} record: a tag, the pid, the values),
%% prepended to the batch; a message a batch; done when the sender exits.
%% Our own code, so both sides can read the same items; `obs_own'
%% (observer's six items) shows how close it comes to procs_info/1 itself
%% (which also translates proc_lib initial calls, reading their
%% dictionaries).
observer_method(Items) ->
    Self = self(),
    {Pid, Mon} = spawn_monitor(fun() -> send_batches(Self, processes(), Items) end),
    receive {'DOWN', Mon, process, Pid, _} -> ok end,
    drain(Pid).

send_batches(_To, [], _Items) -> ok;
send_batches(To, Pids, Items) ->
    {Batch, Rest} = case length(Pids) > 10000 of
                        true -> lists:split(10000, Pids);
                        false -> {Pids, []}
                    end,
    To ! {procs_info, self(), collect(Batch, Items, [])},
    send_batches(To, Rest, Items).

collect([], _Items, Acc) -> Acc;
collect([P | Ps], Items, Acc) ->
    case process_info(P, Items) of
        undefined -> collect(Ps, Items, Acc);
        {_, V} -> collect(Ps, Items, [{proc, P, V} | Acc]);
        Info -> collect(Ps, Items, [list_to_tuple([proc, P | [V || {_, V} <- Info]]) | Acc])
    end.

%% Wall and CPU time of F in a fresh process (same heap start for every
%% variant). CPU: what the VM's normal and dirty CPU scheduler threads
%% spent on the CPU meanwhile (the node is otherwise idle; the /proc reads
%% run on a dirty I/O scheduler, not counted).
fresh(F, Threads) ->
    Self = self(),
    C0 = scheduler_cpu_us(Threads),
    {P, M} = spawn_monitor(fun() -> {T, _} = timer:tc(F), Self ! {self(), T} end),
    receive {P, T} -> receive {'DOWN', M, _, _, _} -> {T, scheduler_cpu_us(Threads) - C0} end end.

%% The scheduler threads of this VM that run Erlang code and CPU-bound
%% NIFs (named N_scheduler and N_dirty_cpu_sched), by thread id.
scheduler_threads() ->
    {ok, Tids} = file:list_dir("/proc/self/task"),
    case [T || T <- Tids, {ok, Comm} <- [file:read_file(["/proc/self/task/", T, "/comm"])],
               re:run(Comm, "^[0-9]+_(scheduler|dirty_cpu_sch)\\n?$") =/= nomatch] of
        [] -> error(no_scheduler_threads_in_proc);
        Threads -> Threads
    end.

%% Time on the CPU of the given threads, microseconds (the first field of
%% /proc/self/task/TID/schedstat, nanoseconds; the clock of
%% CLOCK_THREAD_CPUTIME_ID, which the agent charges its chunks by).
scheduler_cpu_us(Threads) ->
    lists:sum([begin
                   {ok, Stat} = file:read_file(["/proc/self/task/", T, "/schedstat"]),
                   [Ns | _] = binary:split(Stat, <<" ">>),
                   binary_to_integer(Ns)
               end || T <- Threads]) div 1000.

median(L) -> lists:nth(length(L) div 2 + 1, lists:sort(L)).

row(N, What, Ours, Base, Ratio, Key, CpuRatios) ->
    io:format("~-9b ~-40s ~14.3f ~14.3f ~8.2f ~9.2f~n",
              [N, What, float(Ours), float(Base), float(Ratio), float(maps:get(Key, CpuRatios))]).

row(N, What, Ours, Base, Ratio) ->
    io:format("~-9b ~-40s ~14.3f ~14.3f ~8.2f~n", [N, lists:flatten(What), float(Ours), float(Base), float(Ratio)]).

free_port() ->
    {ok, S} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(S),
    ok = gen_tcp:close(S),
    Port.
