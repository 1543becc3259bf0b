%% @doc Benchmark of pages of every process (issue 14): a page of 100 rows
%% sorted by each key, without a filter, with a name filter every process
%% matches (the dearest: every row is a candidate), one none matches and
%% `min_mailbox 1', at N processes. Each is printed as the agent's CPU per
%% page (the dirty NIF's own CPU time, which the agent charges itself,
%% plus the page's process_info enrichment) against one floor sweep of
%% the same node, `[process_info(P, message_queue_len) || P <-
%% processes()]`, by the scheduler threads' CPU time, measured side by
%% side. Bounds (beamscope_bench_bounds): a page within 50 ms of CPU at
%% 1M (scaled to N) and never dearer than a floor sweep.
%% Usage: erl +P 2000000 -noshell -pa DIR -eval 'beamscope_bench_ps:main([N...])'.
-module(beamscope_bench_ps).

-export([main/1]).

-define(RUNS, 5).
-define(KEYS, [mailbox, mailbox_growth, memory, reductions, minor_gcs, application]).
-define(GOAL_MS_AT_1M, 50).

-spec main([pos_integer()]) -> no_return().
main(Ns) ->
    logger:set_primary_config(level, warning),
    io:format("~-9s ~-56s ~12s ~12s ~8s~n", ["N", "page of 100 rows", "agent CPU ms", "floor ms", "ratio"]),
    try lists:append([bench(N) || N <- Ns]) of
        Results -> beamscope_bench_bounds:finish(Results)
    catch C:R:St ->
            io:format("bench failed: ~p:~p~n~p~n", [C, R, St]),
            halt(1)
    end.

bench(N) ->
    %% Idle processes with mailboxes of 0..9, so mailbox and min_mailbox
    %% pages have real work to sort.
    Idle = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, N)],
    lists:foldl(fun(P, I) -> [P ! x || _ <- lists:seq(1, I rem 10)], I + 1 end, 0, Idle),
    Total = erlang:system_info(process_count),
    Threads = scheduler_threads(),
    {ok, Ref} = beamscope_nif:start(#{stream_endpoint => list_to_binary("tcp://127.0.0.1:" ++ integer_to_list(free_port())),
                                      metrics_listen => disabled, top_k => 50}),
    %% Two slow-tier sweeps (rates, names, heaps) with the gc tier asked
    %% for, so every key has its data.
    _ = beamscope_nif:processes_page(Ref, req(minor_gcs, #{})),
    _ = beamscope_sweep:run(Ref),
    _ = beamscope_sweep:run(Ref),
    Floor = median([element(2, cpu(fun floor/0, Threads)) || _ <- lists:seq(1, ?RUNS)]),
    Filters = [{"", #{}}, {"filter matching all", #{name_filter => <<"apply">>}},
               {"filter matching none", #{name_filter => <<"no_such_process">>}},
               {"min_mailbox 1", #{min_mailbox => 1}}],
    Goal = ?GOAL_MS_AT_1M * max(1.0, Total / 1.0e6),
    Results = [page_row(Ref, Total, Key, Label, F, Floor, Goal) || {Label, F} <- Filters, Key <- ?KEYS],
    ok = beamscope_nif:stop(Ref),
    [P ! stop || P <- Idle],
    io:format("          (floor: one sweep of process_info(P, message_queue_len), ~.1f ms CPU, ~.3f us/process;"
              " median of ~b runs each)~n", [Floor / 1000, Floor / Total, ?RUNS]),
    Results.

page_row(Ref, Total, Key, Label, Filter, Floor, Goal) ->
    Samples = [page_cpu(Ref, req(Key, Filter)) || _ <- lists:seq(1, ?RUNS)],
    Us = median([U || {U, _} <- Samples]),
    Matched = element(2, hd(Samples)),
    Name = io_lib:format("by ~s~s (~b match)", [Key, case Label of "" -> ""; _ -> ", " ++ Label end, Matched]),
    io:format("~-9b ~-56s ~12.2f ~12.2f ~8.3f~n", [Total, Name, Us / 1000, Floor / 1000, Us / Floor]),
    [beamscope_bench_bounds:check(io_lib:format("~b ~s page ms", [Total, Name]), Us / 1000, '=<', Goal * 2),
     beamscope_bench_bounds:check(io_lib:format("~b ~s page / floor sweep", [Total, Name]), Us / Floor, '=<', 1.0)].

req(Key, Filter) ->
    maps:merge(#{sort => Key, ascending => false, name_filter => <<>>, application => <<>>,
                 min_mailbox => 0, offset => 0, limit => 100, request_id => 1}, Filter).

%% The agent's CPU for one page: the dirty NIF's own CPU time (its
%% DirtyCpuMeter, in stats' thread_cpu_us) and the rows' process_info
%% (beamscope_ps's enrichment, timed on this scheduler).
page_cpu(Ref, Req) ->
    #{thread_cpu_us := C0} = beamscope_nif:stats(Ref),
    #{rows := Rows, total := Matched} = beamscope_nif:processes_page(Ref, Req),
    #{thread_cpu_us := C1} = beamscope_nif:stats(Ref),
    {Enrich, _} = timer:tc(fun() ->
                               [erlang:process_info(P, [registered_name, initial_call, current_function])
                                || P <- [element(1, R) || R <- Rows]]
                           end),
    {C1 - C0 + Enrich, Matched}.

floor() -> [erlang:process_info(P, message_queue_len) || P <- erlang:processes()].

median(L) -> lists:nth((length(L) + 1) div 2, lists:sort(L)).

%% Wall and scheduler-thread CPU time of F run in a fresh process.
cpu(F, Threads) ->
    Self = self(),
    C0 = scheduler_cpu_us(Threads),
    {P, M} = spawn_monitor(fun() -> {T, _} = timer:tc(F), Self ! {self(), T} end),
    receive {P, T} -> receive {'DOWN', M, _, _, _} -> {T, scheduler_cpu_us(Threads) - C0} end end.

%% The VM's scheduler threads (normal and dirty CPU), by thread id.
scheduler_threads() ->
    {ok, Tids} = file:list_dir("/proc/self/task"),
    [T || T <- Tids, {ok, Comm} <- [file:read_file(["/proc/self/task/", T, "/comm"])],
          re:run(Comm, "^[0-9]+_(scheduler|dirty_cpu_sch)\\n?$") =/= nomatch].

%% CPU time of those threads, us (/proc/self/task/TID/schedstat, ns).
scheduler_cpu_us(Threads) ->
    lists:sum([begin
                   {ok, Stat} = file:read_file(["/proc/self/task/", T, "/schedstat"]),
                   [Ns | _] = binary:split(Stat, <<" ">>),
                   binary_to_integer(Ns) div 1000
               end || T <- Threads]).

free_port() ->
    {ok, S} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(S),
    ok = gen_tcp:close(S),
    Port.
