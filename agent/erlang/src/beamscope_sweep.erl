%% @doc The mailbox sweep, done incrementally: each sweep takes the pid
%% list once, in a short-lived loader process (OTP 28+: paging through
%% erlang:processes_iterator/0; before: erlang:processes/0, a yielding
%% BIF, with a heap sized so it is never garbage collected); the loader
%% hands the list to the NIF (8 bytes a process) and exits, so no Erlang
%% process holds the list for longer than that. Pids the last sweep did
%% not see are handed out first. Chunks of pids come from the NIF
%% (sweep_next/2) with no message round trip, and only the process_info/2
%% results go back (the NIF pairs them with its copy of the chunk). Two
%% tiers: most sweeps read only `process_info(P, message_queue_len)` (the
%% floor's own call); every APPS_EVERY-th sweep reads
%% `[message_queue_len, reductions, heap_size, group_leader,
%% registered_name, initial_call]` (reduction and heap rankings,
%% application totals, the process table's names: beamscope_ps), and
%% `garbage_collection` too while a viewer pages by minor GCs. The caller (beamscope_sampler)
%% paces the chunks with beamscope_pacer; the NIF keeps the histogram,
%% the rates, the application totals and the rankings, and swaps them in
%% at sweep end.
-module(beamscope_sweep).

-export([new/1, step/2, finish/1, full/1, active/1, stats/1]).
-export([run/1, run/2, run/3, read/1, app_masters/0, load_iter/3]).
-export_type([sweep/0]).
%% erlang:processes_iterator/0 and processes_next/1 exist from OTP 28 on;
%% load/2 calls them only where they are exported.
-dialyzer({no_missing_calls, load/2}).

-define(CHUNK0, 256).
-define(CHUNK_MIN, 64).
%% A chunk of at most this many processes (about 2 reductions each) fits
%% in one scheduling slice (4,000 reductions), so the time charged to it
%% is not stretched by preemption behind the host's processes.
-define(CHUNK_MAX, 1000).
%% Aim for chunks of this many microseconds: short next to 1 ms, long
%% next to the cost of one NIF call and one timer.
-define(CHUNK_TARGET_US, 250).
%% A step ends after this much wall time whatever its credit: on a node at
%% full load a chunk's process_info calls wait on busy processes, and a
%% step of many such chunks held the tick (the sampler's next message)
%% back by 2-3 s (bench/stream_flood's quiet phases).
-define(STEP_WALL_US, 50000).
%% Application totals are counted on every APPS_EVERY-th sweep (the
%% slower tier; see bench/README.md for its measured cost).
-define(APPS_EVERY, 4).
-define(ITEMS, [message_queue_len, reductions, heap_size]).
-define(FAST_ITEM, message_queue_len).
-define(APP_ITEMS, [message_queue_len, reductions, heap_size, group_leader]).
%% Pids handed to the NIF at a time when paging through the process table.
-define(STAGE, 10000).

-record(sweep, {ref :: reference(),
                slow = true :: boolean(),                  % this sweep's tier
                items = ?APP_ITEMS :: list(),              % what a slow-tier chunk reads
                active = false :: boolean(),
                chunk = ?CHUNK0 :: pos_integer(),
                started = 0 :: non_neg_integer(),
                chunk_us_max = 0 :: non_neg_integer(),
                last_chunk_us_max = 0 :: non_neg_integer(),
                list_us = 0 :: non_neg_integer(),
                list_ns_best = undefined :: float() | undefined,   % per process, cheapest seen
                %% A chunk's CPU per process, by tier (slow: true), averaged
                %% over the chunks that stayed on one thread (beamscope_cost).
                chunk_avg = #{} :: #{boolean() => beamscope_cost:average()},
                %% ... and the cheapest seen (beamscope_cost:cap_by_best/3).
                chunk_best = #{} :: #{boolean() => beamscope_cost:best()},
                wall_chunks = 0 :: non_neg_integer(),     % charged by wall time, capped (moved threads)
                est_us = 200 :: non_neg_integer(),
                cost_us = 0 :: non_neg_integer(),        % this sweep so far
                last_cost_us = 0 :: non_neg_integer(),   % the last complete sweep
                cost_total_us = 0 :: non_neg_integer(),  % every start and chunk since new/1
                swept_total = 0 :: non_neg_integer()}).  % processes read since new/1
-opaque sweep() :: #sweep{}.


%% @doc A sweep driver on the NIF state `Ref`; nothing is swept yet.
-spec new(reference()) -> sweep().
new(Ref) -> #sweep{ref = Ref}.

%% @doc Sweeps for about `MaxUs` microseconds (at least one chunk),
%% starting a new sweep when none is under way. Returns the driver and
%% the microseconds spent, to charge to the budget.
-spec step(sweep(), number()) -> {sweep(), non_neg_integer()}.
step(#sweep{active = false} = S, MaxUs) ->
    Deadline = now_us() + ?STEP_WALL_US,
    {S1, StartUs} = start(S),
    step_chunks(S1, MaxUs, StartUs, Deadline);
step(S, MaxUs) ->
    step_chunks(S, MaxUs, 0, now_us() + ?STEP_WALL_US).

%% @doc Finishes the sweep under way, unpaced (tests, tick_now/0).
-spec finish(sweep()) -> sweep().
finish(#sweep{active = false} = S) -> S;
finish(S) -> finish(element(1, step_chunks(S, 1.0e12, 0, infinity))).

%% @doc Finishes the sweep under way, then does one whole sweep, unpaced.
-spec full(sweep()) -> sweep().
full(S) -> finish(element(1, start(finish(S)))).

-spec active(sweep()) -> boolean().
active(#sweep{active = A}) -> A.

%% @doc The driver's own figures: the longest chunk of the last complete
%% sweep (or of this one, if longer) and what erlang:processes/0 cost.
%% `sweep_cost_total_us` adds up what every sweep start (the pid list) and
%% chunk since new/1 was charged, `swept_total` the pids read (both tiers,
%% new pids twice: their ratio is the average cost per process read),
%% `wall_chunks_total` the chunks that moved between threads (chunk_cost/6).
-spec stats(sweep()) -> #{chunk_us_max := non_neg_integer(), list_us := non_neg_integer(),
                          chunk := pos_integer(), next_chunk_us := non_neg_integer(),
                          sweep_cost_us := non_neg_integer(),
                          sweep_cost_total_us := non_neg_integer(),
                          swept_total := non_neg_integer(),
                          wall_chunks_total := non_neg_integer()}.
stats(#sweep{chunk_us_max = C, last_chunk_us_max = L, list_us = Lu, chunk = Ch, est_us = E,
             last_cost_us = Cost, cost_total_us = Total, swept_total = Swept, wall_chunks = W}) ->
    #{chunk_us_max => max(C, L), list_us => Lu, chunk => Ch, next_chunk_us => E,
      sweep_cost_us => Cost, sweep_cost_total_us => Total, swept_total => Swept, wall_chunks_total => W}.

%% @doc One whole sweep of every process in chunks of `Chunk` (tests and
%% benchmarks); returns the hot set and the number of processes read.
-spec run(reference(), pos_integer()) -> {[pid()], non_neg_integer()}.
run(Ref, Chunk) -> run(Ref, Chunk, slow).

%% @doc One whole sweep of the given tier: `slow` (reductions, heap and
%% application totals too) or `fast` (mailboxes only).
-spec run(reference(), pos_integer(), slow | fast) -> {[pid()], non_neg_integer()}.
run(Ref, Chunk, Tier) ->
    Started = case Tier of slow -> 0; fast -> 1 end,
    S = full((new(Ref))#sweep{chunk = Chunk, started = Started}),
    #{last_sweep_processes := N} = beamscope_nif:sweep_stats(S#sweep.ref),
    {beamscope_nif:sweep_hot(Ref), N}.

-spec run(reference()) -> {[pid()], non_neg_integer()}.
run(Ref) -> run(Ref, 2000).

%% @doc The sweep's view of one process, or undefined when it is gone.
-spec read(pid()) -> [{atom(), term()}] | undefined.
read(P) -> erlang:process_info(P, ?ITEMS).

%% @doc `[{MasterPid, AppName}]` of the running applications: their
%% processes have the master as group leader. Cost: one ETS lookup an
%% application.
-spec app_masters() -> [{pid(), binary()}].
app_masters() ->
    [{M, atom_to_binary(App, utf8)}
     || {App, _, _} <- application:which_applications(1000),
        M <- [application_controller:get_master(App)], is_pid(M)].

%% Starts a sweep; returns the driver and the microseconds to charge: the
%% sampler's own share (masters, counting, spawning the loader) by wall
%% time, erlang:processes/0 by its wall time but at most twice the
%% cheapest per-process cost seen so far (it yields, so its wall time also
%% counts whatever else ran on the scheduler meanwhile), and the dirty
%% NIFs by their own CPU time, not the trip to a dirty scheduler and back
%% (sweep_load/2 returns it; sweep_grow/2's, rare, is charged with the
%% next tick's thread_cpu_us). It is part of the sweep's cost.
start(#sweep{ref = Ref, started = N, chunk_us_max = C, list_ns_best = Best} = S) ->
    T0 = now_us(),
    Slow = N rem ?APPS_EVERY =:= 0,
    Masters = case Slow of true -> app_masters(); false -> [] end,
    %% The slow tier also reads names for the process table (pages of
    %% every process, beamscope_ps) and, while a viewer pages by minor
    %% GCs, garbage_collection (the gc tier).
    Items = ?APP_ITEMS ++ beamscope_ps:name_items() ++
        case Slow andalso beamscope_nif:sweep_wants_gcs(Ref) of
            true -> [garbage_collection];
            false -> []
        end,
    Count = erlang:system_info(process_count),
    %% The history is grown before the sweep (a dirty NIF), never inside a chunk.
    GrowUs = grow(Ref, Count),
    ok = beamscope_nif:sweep_begin(Ref, Masters),
    {_Loaded, ListUs, LoadUs, SpawnedAt} = load(Ref, Count),
    ListCharged = case Best of
                      undefined -> ListUs;
                      _ -> min(ListUs, round(2 * Best * Count / 1000))
                  end,
    Charged = max(0, SpawnedAt - T0 - GrowUs) + ListCharged + LoadUs,
    %% A slow-tier read costs about 1.6 fast ones: start its chunks halved
    %% (adapt/4 then sizes them), so none runs long.
    Chunk = case Slow of
                true -> max(?CHUNK_MIN, S#sweep.chunk div 2);
                false -> S#sweep.chunk
            end,
    {S#sweep{slow = Slow, items = Items, active = true, started = N + 1, list_us = ListUs, chunk = Chunk,
             list_ns_best = best_list_ns(Best, ListUs, Count),
             cost_us = Charged, cost_total_us = S#sweep.cost_total_us + Charged,
             chunk_us_max = 0, last_chunk_us_max = C}, Charged}.

%% The cheapest erlang:processes/0 seen, per process (lists of at least
%% 1,000 processes: shorter ones are mostly fixed cost).
best_list_ns(Best, ListUs, Count) when Count >= 1000, ListUs > 0 ->
    Ns = ListUs * 1000 / Count,
    case Best of
        undefined -> Ns;
        _ -> min(Best, Ns)
    end;
best_list_ns(Best, _ListUs, _Count) ->
    Best.

%% sweep_grow/2 (dirty, charged by its own CPU time); returns its wall time.
grow(Ref, Count) ->
    T0 = now_us(),
    ok = beamscope_nif:sweep_grow(Ref, Count),
    now_us() - T0.

step_chunks(#sweep{active = false} = S, _MaxUs, Spent, _Deadline) ->
    {S, Spent};
step_chunks(S, MaxUs, Spent, _Deadline) when Spent >= MaxUs, Spent > 0 ->
    {S, Spent};
step_chunks(#sweep{ref = Ref, chunk = Chunk, slow = Slow, items = Items} = S, MaxUs, Spent, Deadline) ->
    %% Every chunk after the first of a step starts a fresh slice: the host's
    %% processes run in between, and the chunk is not preempted half way.
    _ = Spent > 0 andalso erlang:yield(),
    T0 = now_us(),
    {Pids, Read, Last} = beamscope_nif:sweep_next(Ref, Chunk),
    Infos = case Slow of
                true -> infos(Pids, Items);
                false -> infos(Pids, ?FAST_ITEM)
            end,
    {Reply, Cpu} = beamscope_nif:sweep_chunk(Ref, Infos),
    T1 = now_us(),
    {ChunkUs, ChunkAvg, ChunkBest} = chunk_cost(Cpu, T1 - T0, Read, Slow, S#sweep.chunk_avg, S#sweep.chunk_best),
    GrowUs = case Reply of
                 grow -> grow(Ref, erlang:system_info(process_count));
                 ok -> 0
             end,
    _ = Last andalso beamscope_nif:sweep_end(Ref),
    Us = ChunkUs + max(0, now_us() - T1 - GrowUs),
    S1 = case Last of
             true -> S#sweep{active = false, last_cost_us = S#sweep.cost_us + Us};
             false -> S
         end,
    S2 = S1#sweep{cost_total_us = S1#sweep.cost_total_us + Us,
                  swept_total = S1#sweep.swept_total + Read, chunk_avg = ChunkAvg, chunk_best = ChunkBest,
                  wall_chunks = S1#sweep.wall_chunks + case Cpu of wall -> 1; _ -> 0 end},
    S3 = adapt(S2, max(Read, 1), Us, now_us() - T0, Last),
    case is_integer(Deadline) andalso (now_us() >= Deadline orelse waiting()) of
        true -> {S3, Spent + Us};
        false -> step_chunks(S3, MaxUs, Spent + Us, Deadline)
    end.

%% A message for the sampler (its tick, an alarm) ends the step before the
%% next chunk: on a node at full load the yield between chunks alone can
%% take a scheduler round.
waiting() ->
    {message_queue_len, N} = erlang:process_info(self(), message_queue_len),
    N > 0.

%% What a chunk of `Read` processes is charged (beamscope_cost:charge/3:
%% CPU time when it stayed on one thread, else capped by its tier's
%% average; and at most twice its tier's cheapest per process,
%% beamscope_cost:cap_by_best/3: process_info of a busy process waits for
%% its answer while the scheduler runs others), the tiers' averages and
%% cheapest.
chunk_cost(Cpu, Wall, Read, Slow, Avgs, Bests) ->
    Measured = case Cpu of
                   wall -> {wall, Wall};
                   _ -> {cpu, Cpu}
               end,
    {Us0, Avg} = beamscope_cost:charge(Measured, maps:get(Slow, Avgs, undefined), Read),
    {Us, Best} = beamscope_cost:cap_by_best(Us0, maps:get(Slow, Bests, undefined), max(Read, 1)),
    {Us, Avgs#{Slow => Avg}, Bests#{Slow => Best}}.

%% The chunk size follows the measured cost so a chunk stays near
%% CHUNK_TARGET_US whatever the per-process cost is on this machine. The
%% last chunk of a sweep (a remainder, plus sweep_end/1's ranking) says
%% little of the next one's cost: it leaves the size as it is.
adapt(#sweep{chunk_us_max = M, cost_us = C} = S0, Read, Us, WallUs, Last) ->
    S = S0#sweep{cost_us = C + Us, chunk_us_max = max(M, Us)},
    case Last of
        true -> S;
        false ->
            PerProcess = max(Us, 1) / Read,
            %% Sized by the longer of its charge and its wall time: on a node
            %% at full load a chunk charged little (beamscope_cost:cap_by_best/3)
            %% can still hold the sampler, and so the next tick, for long.
            Holding = max(max(Us, WallUs), 1) / Read,
            Next = max(?CHUNK_MIN, min(?CHUNK_MAX, round(?CHUNK_TARGET_US / Holding))),
            S#sweep{chunk = Next, est_us = round(Next * PerProcess)}
    end.

%% What process_info/2 says of each pid, in order (sweep_chunk/2 pairs
%% them with the chunk's pids); undefined for a process that died since
%% the list was taken (the NIF skips it).
infos(Pids, Items) -> [erlang:process_info(P, Items) || P <- Pids].

%% The loader, a short-lived process: hands the NIF the pid list and exits,
%% its heap going back in one piece; the result comes back as the exit
%% reason (one message). Where the release has erlang:processes_iterator/0
%% (OTP 28+) it pages through the process table STAGE pids at a time
%% (load_iter/3), so no Erlang heap ever holds the whole list. Otherwise it
%% takes erlang:processes/0 with a heap big enough for the list (2 words a
%% process and a margin), so it is never garbage collected (a GC would
%% copy the 1M-element list without yielding). A loader that fails leaves
%% an empty list (the sweep ends at its first chunk); at the node's process
%% limit, where none can be spawned, the caller takes the list itself.
%% Returns the count loaded, the wall time of listing the processes in
%% the loader, the NIF's own CPU time and when the loader was spawned.
load(Ref, Count) ->
    {Load, Words} =
        case erlang:function_exported(erlang, processes_iterator, 0) of
            true ->
                {fun() -> load_iter(Ref, fun erlang:processes_next/1, erlang:processes_iterator()) end,
                 4 * ?STAGE + 4096};
            false ->
                {fun() -> load_list(Ref) end, 2 * (Count + Count div 8) + 4096}
        end,
    try spawn_opt(fun() -> exit({loaded, Load()}) end, [monitor, {min_heap_size, Words}]) of
        {Pid, Mref} ->
            SpawnedAt = now_us(),
            receive
                {'DOWN', Mref, process, Pid, {loaded, {N, ListUs, LoadUs}}} -> {N, ListUs, LoadUs, SpawnedAt};
                {'DOWN', Mref, process, Pid, Why} ->
                    logger:warning("beamscope: sweep pid list not loaded: ~0tP", [Why, 10]),
                    {0, _} = beamscope_nif:sweep_load(Ref, []),
                    {0, 0, 0, SpawnedAt}
            end
    catch error:system_limit ->
            %% The node is at its process limit: no loader can be spawned.
            %% The sampler takes the list itself (its heap grows by the list
            %% and garbage collects it later): a node at its limit is when
            %% its processes matter most.
            SpawnedAt = now_us(),
            {N, ListUs, LoadUs} = load_list(Ref),
            {N, ListUs, LoadUs, SpawnedAt}
    end.

load_list(Ref) ->
    T0 = now_us(),
    Pids = erlang:processes(),
    ListUs = now_us() - T0,
    {N, LoadUs} = beamscope_nif:sweep_load(Ref, Pids),
    {N, ListUs, LoadUs}.

%% @doc Loads the pids that `Next` (erlang:processes_next/1's contract:
%% `{Pid, Iter} | none`) yields from `Iter` into the NIF, STAGE at a time;
%% returns the count, the wall time of the paging and the NIF's own CPU
%% time for the load. The loader's way on OTP 28+; tests drive it with a
%% list on older releases.
-spec load_iter(reference(), fun((term()) -> {pid(), term()} | none), term()) ->
          {non_neg_integer(), non_neg_integer(), non_neg_integer()}.
load_iter(Ref, Next, Iter) ->
    T0 = now_us(),
    ok = stage(Ref, Next, Iter),
    ListUs = now_us() - T0,
    {N, LoadUs} = beamscope_nif:sweep_load_staged(Ref),
    {N, ListUs, LoadUs}.

stage(Ref, Next, Iter) ->
    {Pids, Rest} = take(Next, Iter, ?STAGE, []),
    ok = beamscope_nif:sweep_stage(Ref, Pids),
    case Rest of
        none -> ok;
        _ -> stage(Ref, Next, Rest)
    end.

take(_Next, Iter, 0, Acc) ->
    {lists:reverse(Acc), Iter};
take(Next, Iter, N, Acc) ->
    case Next(Iter) of
        none -> {lists:reverse(Acc), none};
        {P, Iter1} -> take(Next, Iter1, N - 1, [P | Acc])
    end.

now_us() -> erlang:monotonic_time(microsecond).
