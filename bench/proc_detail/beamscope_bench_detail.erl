%% @doc Benchmark of the process detail on demand (issue 14): the agent's
%% answer to a ProcessRequest (beamscope_proc_detail:read/3, what `ctl
%% proc` and the inspector's detail panel get) for an ordinary process and
%% for one with Q queued messages (1,000,000 in the full run), side by
%% side with what an unguarded tool reads of the latter:
%% `process_info(P, [memory, total_heap_size])' (observer's and
%% observer_cli's detail), which walks the whole queue without yielding.
%% Each is the median wall time of RUNS calls on one scheduler. Checks,
%% against the VM itself: the queued process's detail says the guard held
%% (memory_guarded, no memory read) and shows its real mailbox; the
%% ordinary one's memory equals process_info(P, memory). Bounds
%% (beamscope_bench_bounds): the queued detail within 5x the ordinary one
%% plus 1 ms (the guard makes it independent of the queue), and never
%% dearer than the unguarded read of the same process.
%% Usage: erl -noshell -pa DIR -eval 'beamscope_bench_detail:main([Q])'.
-module(beamscope_bench_detail).

-export([main/1]).

-define(RUNS, 15).
-define(GUARD, 100000).

-spec main([pos_integer()]) -> no_return().
main([Q]) ->
    logger:set_primary_config(level, warning),
    try bench(Q) of
        Results -> beamscope_bench_bounds:finish(Results)
    catch C:R:St ->
            io:format("bench failed: ~p:~p~n~p~n", [C, R, St]),
            halt(1)
    end.

bench(Q) ->
    {ok, Ref} = beamscope_nif:start(#{stream_endpoint => list_to_binary("tcp://127.0.0.1:" ++ integer_to_list(free_port())),
                                      metrics_listen => disabled, top_k => 50}),
    Config = #{mailbox_guard => ?GUARD, mailbox_alarm => 10000, allow_actions => []},
    Ordinary = spawn(fun ordinary/0),
    Queued = spawn(fun() -> receive never -> ok end end),
    fill(Queued, Q),
    {message_queue_len, Q} = erlang:process_info(Queued, message_queue_len),
    _ = beamscope_sweep:run(Ref),  % the table the detail's growth comes from
    DOrd = median_us(fun() -> beamscope_proc_detail:read(Ordinary, Ref, Config) end),
    DQ = median_us(fun() -> beamscope_proc_detail:read(Queued, Ref, Config) end),
    Unguarded = median_us(fun() -> erlang:process_info(Queued, [memory, total_heap_size]) end),
    OrdDetail = beamscope_proc_detail:read(Ordinary, Ref, Config),
    QDetail = beamscope_proc_detail:read(Queued, Ref, Config),
    {memory, OrdMemory} = erlang:process_info(Ordinary, memory),
    io:format("~-72s ~12s~n", ["process detail (median of " ++ integer_to_list(?RUNS) ++ " calls)", "wall ms"]),
    io:format("~-72s ~12.3f~n", ["an ordinary process (links, monitors, dictionary, stack)", DOrd / 1000]),
    io:format("~-72s ~12.3f~n", [io_lib:format("a process with ~b queued messages", [Q]), DQ / 1000]),
    io:format("~-72s ~12.3f~n", ["baseline: process_info(P, [memory, total_heap_size]) of the latter", Unguarded / 1000]),
    io:format("ratios: queued / ordinary ~.2f; unguarded read / queued detail ~.1f~n",
              [DQ / max(DOrd, 1), Unguarded / max(DQ, 1)]),
    io:format("queued detail: message_queue_len ~b, memory_guarded ~p, memory_bytes ~b; "
              "ordinary: memory_bytes ~b (process_info says ~b)~n",
              [maps:get(message_queue_len, QDetail), maps:get(memory_guarded, QDetail),
               maps:get(memory_bytes, QDetail), maps:get(memory_bytes, OrdDetail), OrdMemory]),
    ok = beamscope_nif:stop(Ref),
    exit(Queued, kill),
    exit(Ordinary, kill),
    [beamscope_bench_bounds:check("queued detail's mailbox equals the VM's", maps:get(message_queue_len, QDetail), '>=', Q),
     beamscope_bench_bounds:check("queued detail guarded (1 = yes)", bool(maps:get(memory_guarded, QDetail)), '>=', 1),
     beamscope_bench_bounds:check("queued detail read no memory (bytes)", maps:get(memory_bytes, QDetail), '=<', 0),
     beamscope_bench_bounds:check("ordinary detail's memory equals process_info's (bytes off)",
                                  abs(maps:get(memory_bytes, OrdDetail) - OrdMemory), '=<', 0),
     beamscope_bench_bounds:check("queued detail ms", DQ / 1000, '=<', 5 * DOrd / 1000 + 1),
     beamscope_bench_bounds:check("queued detail / unguarded read", DQ / max(Unguarded, 1), '=<', 1.0)].

%% A process as a server's worker looks: linked, monitored, a dictionary,
%% a few frames deep, waiting in receive.
ordinary() ->
    put('$initial_call', {bench_worker, init, 1}),
    [put({key, I}, I) || I <- lists:seq(1, 20)],
    Peers = [spawn_link(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, 5)],
    _ = [erlang:monitor(process, P) || P <- Peers],
    deep(10).

deep(0) -> receive stop -> ok end;
deep(N) -> deep(N - 1), ok.

%% Q small messages, sent in batches from several senders so filling a
%% million takes about a second.
fill(P, Q) ->
    Batch = 100000,
    Self = self(),
    Senders = [spawn(fun() -> [P ! {m, I} || I <- lists:seq(1, N)], Self ! {sent, self()} end)
               || N <- batches(Q, Batch)],
    [receive {sent, S} -> ok end || S <- Senders],
    ok.

batches(Q, B) when Q =< B -> [Q];
batches(Q, B) -> [B | batches(Q - B, B)].

median_us(F) ->
    _ = F(),  % warm: code loaded, caches filled
    Ts = lists:sort([element(1, timer:tc(F)) || _ <- lists:seq(1, ?RUNS)]),
    lists:nth((?RUNS + 1) div 2, Ts).

bool(true) -> 1;
bool(_) -> 0.

free_port() ->
    {ok, S} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(S),
    ok = gen_tcp:close(S),
    Port.
