%% EUnit: the sweep and the hot set over real processes, against the real
%% NIF (started with /metrics disabled on a free stream port).
-module(beamscope_sweep_tests).
-include_lib("eunit/include/eunit.hrl").

nif(TopK) ->
    Endpoint = iolist_to_binary(["tcp://127.0.0.1:", integer_to_list(beamscope_test_util:free_port())]),
    {ok, Ref} = beamscope_nif:start(#{stream_endpoint => Endpoint, metrics_listen => disabled, top_k => TopK}),
    Ref.

%% A process that never matches what it is sent: its mailbox only grows.
sink() ->
    spawn(fun() -> receive {stop, From} -> From ! stopped end end).

stop(P) -> exit(P, kill).

sweep_counts_every_process_test() ->
    Ref = nif(5),
    Ps = [sink() || _ <- lists:seq(1, 3000)],
    {_Hot, Count} = beamscope_sweep:run(Ref, 500),
    N = erlang:system_info(process_count),
    ?assert(abs(Count - N) =< 5),
    S = beamscope_nif:stats(Ref),
    ?assertEqual(Count, maps:get(last_sweep_processes, S)),
    ?assertEqual(Count, maps:get(histogram_count, S)),
    [stop(P) || P <- Ps],
    ok = beamscope_nif:stop(Ref).

hot_set_by_mailbox_test() ->
    Ref = nif(3),
    Loaded = [sink() || _ <- lists:seq(1, 5)],
    [[P ! {msg, I} || I <- lists:seq(1, 100 * K)] || {K, P} <- lists:zip(lists:seq(1, 5), Loaded)],
    {Hot, _} = beamscope_sweep:run(Ref),
    [_, _, P3, P4, P5] = Loaded,
    %% Mailbox ranking first, largest first.
    ?assertEqual([P5, P4, P3], lists:sublist(Hot, 3)),
    #{top_mailbox := Top, histogram_sum := Sum} = beamscope_nif:stats(Ref),
    ?assertEqual([{P5, 500}, {P4, 400}, {P3, 300}], lists:sublist(Top, 3)),
    ?assert(Sum >= 1500),
    [stop(P) || P <- Loaded],
    ok = beamscope_nif:stop(Ref).

hot_set_by_reductions_test() ->
    Ref = nif(2),
    _ = beamscope_sweep:run(Ref),
    Busy = spawn(fun Spin() -> _ = lists:seq(1, 1000), Spin() end),
    %% Busy by far: a million reductions (about 100 ms of work).
    ?assert(beamscope_test_util:wait(fun() ->
                                             {reductions, R} = process_info(Busy, reductions),
                                             R > 1000000
                                     end, 10000)),
    {Hot, _} = beamscope_sweep:run(Ref),
    ?assert(lists:member(Busy, Hot)),
    %% Union of three rankings of two: at most six.
    ?assert(length(Hot) =< 6),
    stop(Busy),
    ok = beamscope_nif:stop(Ref).

%% A chunk is charged by its scheduler thread's CPU time, not by the wall
%% clock: 50 ms asleep between taking the chunk and handing its results
%% back cost no CPU. (`wall`: the process came back on another thread, and
%% the caller charges the wall time.)
chunk_charged_by_thread_cpu_test() ->
    Ref = nif(5),
    Ps = [sink() || _ <- lists:seq(1, 2000)],
    All = processes(),
    ok = beamscope_nif:sweep_grow(Ref, length(All)),
    ok = beamscope_nif:sweep_begin(Ref, []),
    {N, _} = beamscope_nif:sweep_load(Ref, All),
    ?assertEqual(length(All), N),
    T0 = erlang:monotonic_time(microsecond),
    {Pids, Read, false} = beamscope_nif:sweep_next(Ref, 1000),
    ?assertEqual({1000, 1000}, {Read, length(Pids)}),
    ?assertEqual(lists:sublist(All, 1000), Pids),
    Infos = [process_info(P, message_queue_len) || P <- Pids],
    timer:sleep(50),
    {ok, Cpu} = beamscope_nif:sweep_chunk(Ref, Infos),
    Wall = erlang:monotonic_time(microsecond) - T0,
    ?assert(Wall >= 50000),
    ?assert(Cpu =:= wall orelse (is_integer(Cpu) andalso Cpu < 25000)),
    %% The rest of the list, then the sweep counts what was read.
    ?assertEqual(N, Read + length(handed_out(Ref))),
    _ = beamscope_nif:sweep_end(Ref),
    ?assert(abs(maps:get(last_sweep_processes, beamscope_nif:stats(Ref)) - N) =< 5),
    [stop(P) || P <- Ps],
    ok = beamscope_nif:stop(Ref).

%% A process the last sweep did not see is read first, ahead of the list:
%% its filling mailbox is rising before the pass in list order reaches it
%% (in this node new pids sit at the end of processes()). It is counted
%% once.
new_process_read_first_test() ->
    Ref = nif(5),
    Ps = [sink() || _ <- lists:seq(1, 3000)],
    ok = beamscope_nif:sweep_grow(Ref, 10000),
    ok = beamscope_nif:sweep_begin(Ref, []),
    _ = beamscope_nif:sweep_load(Ref, processes()),
    ?assertMatch(#{fresh_processes := 0}, beamscope_nif:sweep_stats(Ref)),   % first sweep: no history
    _ = beamscope_sweep:run(Ref, 500, fast),
    New = sink(),
    [New ! {msg, I} || I <- lists:seq(1, 50)],
    ok = beamscope_nif:sweep_begin(Ref, []),
    {N, _} = beamscope_nif:sweep_load(Ref, processes()),
    #{fresh_processes := Fresh} = beamscope_nif:sweep_stats(Ref),
    ?assert(Fresh >= 1 andalso Fresh < 100),
    {First, Fresh, false} = beamscope_nif:sweep_next(Ref, 1000),
    ?assert(lists:member(New, First)),
    {ok, _} = beamscope_nif:sweep_chunk(Ref, [process_info(P, message_queue_len) || P <- First]),
    ?assertMatch(#{rising := [New], sweep_progress := 0}, beamscope_nif:sweep_stats(Ref)),
    _ = handed_out(Ref),
    [New | _] = beamscope_nif:sweep_end(Ref),
    #{last_sweep_processes := Swept, history_matched := Matched,
      top_mailbox_all := [{New, 50} | _]} = beamscope_nif:sweep_stats(Ref),
    ?assert(abs(Swept - N) =< 5),
    ?assert(Matched >= N - Fresh - 5),
    [stop(P) || P <- [New | Ps]],
    ok = beamscope_nif:stop(Ref).

%% The OTP 28+ loader pages through an iterator (erlang:processes_next/1's
%% contract), handing the NIF 10,000 pids at a time; driven here by a list,
%% as this release has no iterator. The NIF ends up with the same list, in
%% order, and new pids still come first.
load_iter_test() ->
    Ref = nif(5),
    Ps = [sink() || _ <- lists:seq(1, 25000)],
    Next = fun([P | T]) -> {P, T}; ([]) -> none end,
    All = processes(),
    ok = beamscope_nif:sweep_grow(Ref, length(All) + 1000),
    ok = beamscope_nif:sweep_begin(Ref, []),
    {N, ListUs, _LoadUs} = beamscope_sweep:load_iter(Ref, Next, All),
    ?assertEqual(length(All), N),
    ?assert(ListUs > 0),
    ?assertEqual(All, handed_out(Ref)),
    _ = beamscope_nif:sweep_end(Ref),
    New = sink(),
    All2 = processes(),
    ok = beamscope_nif:sweep_begin(Ref, []),
    {N2, _, _} = beamscope_sweep:load_iter(Ref, Next, All2),
    ?assertEqual(length(All2), N2),
    #{fresh_processes := Fresh} = beamscope_nif:sweep_stats(Ref),
    Out = handed_out(Ref),
    ?assert(lists:member(New, lists:sublist(Out, Fresh))),
    ?assertEqual(All2, lists:nthtail(Fresh, Out)),
    [stop(P) || P <- [New | Ps]],
    ok = beamscope_nif:stop(Ref).

%% Every pid sweep_next/2 hands out until the last, in order.
handed_out(Ref) ->
    {Pids, _, Last} = beamscope_nif:sweep_next(Ref, 1000),
    {_, _} = beamscope_nif:sweep_chunk(Ref, [process_info(P, message_queue_len) || P <- Pids]),
    case Last of
        true -> Pids;
        false -> Pids ++ handed_out(Ref)
    end.

%% The sweep period is the time between two sweeps' beginnings, whatever
%% their tier (not the slow tier's own period, four sweeps long).
sweep_period_test() ->
    Ref = nif(5),
    _ = beamscope_sweep:run(Ref, 500, slow),
    ?assertMatch(#{sweep_period_us := 0}, beamscope_nif:stats(Ref)),
    T0 = erlang:monotonic_time(microsecond),
    timer:sleep(200),
    _ = beamscope_sweep:run(Ref, 500, fast),
    T1 = erlang:monotonic_time(microsecond),
    timer:sleep(100),
    _ = beamscope_sweep:run(Ref, 500, fast),
    #{sweep_period_us := Period} = beamscope_nif:stats(Ref),
    %% The first fast sweep began between T0 + 200 ms and T1, the second
    %% after T1 + 100 ms and before now.
    ?assert(Period >= 100000),
    ?assert(Period =< erlang:monotonic_time(microsecond) - T0 - 200000),
    ok = beamscope_nif:stop(Ref).

dead_process_reads_undefined_test() ->
    {P, M} = spawn_monitor(fun() -> ok end),
    receive {'DOWN', M, process, P, _} -> ok end,
    ?assertEqual(undefined, beamscope_sweep:read(P)),
    ?assertMatch([{message_queue_len, 0}, {reductions, _}, {heap_size, _}], beamscope_sweep:read(self())).

hot_sample_guard_test() ->
    P = sink(),
    [P ! x || _ <- lists:seq(1, 50)],
    Guarded = beamscope_hot:sample_one(P, 10),
    ?assertMatch(#{memory_guarded := true, memory_bytes := 0, message_queue_len := 50}, Guarded),
    Read = beamscope_hot:sample_one(P, 100),
    ?assertMatch(#{memory_guarded := false}, Read),
    ?assert(maps:get(memory_bytes, Read) > 0),
    stop(P).

hot_sample_fields_test() ->
    {ok, Pid} = gen_server:start(beamscope_test_gen, [], []),
    register(beamscope_test_named, Pid),
    S = beamscope_hot:sample_one(Pid, 1000),
    ?assertEqual(<<"beamscope_test_named">>, maps:get(registered_name, S)),
    ?assertEqual({beamscope_test_gen, init, 1}, maps:get(initial_call, S)),
    ?assertEqual(waiting, maps:get(status, S)),
    ?assertMatch({_, _, _}, maps:get(current_function, S)),
    [?assert(maps:get(K, S) > 0) || K <- [heap_size_words, total_heap_size_words, stack_size_words,
                                          fullsweep_after]],
    gen_server:stop(Pid),
    ?assertEqual([], beamscope_hot:sample([Pid], 1000)).

nif_rejects_bad_input_test() ->
    Ref = nif(5),
    ?assertError(badarg, beamscope_nif:start(#{})),
    ?assertError(badarg, beamscope_nif:sweep_chunk(Ref, lists:duplicate(40001, x))),
    ?assertError(badarg, beamscope_nif:stats(make_ref())),
    ?assertError(badarg, beamscope_nif:sweep_begin(Ref, x)),
    ?assertError(badarg, beamscope_nif:sweep_grow(Ref, -1)),
    ok = beamscope_nif:sweep_grow(Ref, 10),
    ok = beamscope_nif:sweep_begin(Ref, [x, {self(), foo}, {self(), <<"app">>}]),
    ?assertError(badarg, beamscope_nif:sweep_load(Ref, [self() | self()])),
    ?assertMatch({6, _}, beamscope_nif:sweep_load(Ref, [self(), x, self(), self(), self(), self(), self()])),
    {Five, 5, false} = beamscope_nif:sweep_next(Ref, 5),
    ?assertEqual(lists:duplicate(5, self()), Five),
    %% Malformed items are skipped, never trusted.
    ?assertMatch({ok, _}, beamscope_nif:sweep_chunk(Ref, [undefined, [{a, -1}, {b, foo}, {c, 1 bsl 70}], [x],
                                                          [{a, 1}, {b, 2}, {c, 3}], odd])),
    ?assertEqual({[self()], 1, true}, beamscope_nif:sweep_next(Ref, 5)),
    %% More results than the chunk had pids: refused.
    ?assertError(badarg, beamscope_nif:sweep_chunk(Ref, [{message_queue_len, 1}, {message_queue_len, 2}])),
    ?assertError(badarg, beamscope_nif:sweep_chunk(Ref, not_a_list)),
    [Self] = beamscope_nif:sweep_end(Ref),
    ?assertEqual(self(), Self),
    %% Garbage maps publish an empty keyframe rather than crash.
    ok = beamscope_nif:publish(Ref, #{node => 42}, #{memory => [], scheduler_util => [x, {a, b, c}]},
                               [#{}, #{pid => self(), registered_name => <<255, 0, 200>>}], #{}),
    ?assertMatch(#{snapshot_processes := 1}, beamscope_nif:stats(Ref)),
    ok = beamscope_nif:stop(Ref),
    ok = beamscope_nif:stop(Ref),
    ?assertMatch(#{running := false}, beamscope_nif:stats(Ref)).
