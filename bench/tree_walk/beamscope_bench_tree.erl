%% @doc bench/tree_walk: what the agent's walk of a supervision tree costs
%% next to the floor, a bare recursive supervisor:which_children of the
%% same supervisors, measured side by side in the same node and run. Two
%% trees: the demo application as shipped, and the demo with N extra
%% children under its simple_one_for_one pool (100,000 in full mode). Also
%% times handing the walked tree to the NIF (publish_tree). Prints medians
%% and ratios; smoke mode (ctest, label bench) uses 10,000 children. A
%% ratio past its generous bound (beamscope_bench_bounds) fails the run.
-module(beamscope_bench_tree).

-export([main/1]).

%% Generous bounds on walk / bare which_children (measured: 25x on the demo
%% tree, whose bare walk takes some 15 us; 7x with 100,000 children).
-define(MAX_DEMO_RATIO, 150).
-define(MAX_BIG_RATIO, 30).

%% @doc Runs the benchmark and halts (0 on success).
-spec main(smoke | full) -> no_return().
main(Mode) ->
    {N, Reps} = case Mode of smoke -> {10000, 3}; full -> {100000, 7} end,
    try run(N, Reps) of
        Results -> beamscope_bench_bounds:finish(Results)
    catch C:R:St ->
            io:format(standard_error, "bench failed: ~p:~p~n~p~n", [C, R, St]),
            halt(1)
    end.

run(N, Reps) ->
    logger:set_primary_config(level, error),
    _ = logger:set_handler_config(default, level, none),
    ok = application:load(beamscope),
    ok = application:load(beamscope_demo),
    [ok = application:set_env(beamscope, K, V)
     || {K, V} <- [{stream_endpoint, "tcp://127.0.0.1:" ++ integer_to_list(free_port())},
                   {metrics_listen, disabled}, {tree_walk_ms, 3600000}]],
    [ok = application:set_env(beamscope_demo, K, V)
     || {K, V} <- [{crash_interval_ms, 0}, {work_interval_ms, 3600000},
                   {burst_interval_ms, 3600000}]],
    {ok, _} = application:ensure_all_started(beamscope_demo),
    Opts = #{timeout => 10000, big => 1000, page => 100, guard => 100000,
             max_nodes => 5000, flags => #{}, apps => [beamscope_demo]},
    io:format("tree_walk: OTP ~s, ~b schedulers, median of ~b runs~n",
              [erlang:system_info(otp_release), erlang:system_info(schedulers_online), Reps]),
    {_, DemoRatio} = report("demo tree", Opts, Reps),
    T0 = erlang:monotonic_time(millisecond),
    [{ok, _} = beamscope_demo_pool_sup:start_worker(I) || I <- lists:seq(1, N)],
    io:format("  (started ~b pool children in ~b ms)~n", [N, erlang:monotonic_time(millisecond) - T0]),
    {FirstUs, _} = timer:tc(beamscope_tree_walk, walk, [Opts]),
    io:format("  first walk with ~b children (reads the big supervisor's state once): ~b us~n", [N, FirstUs]),
    {_, Flags, _} = beamscope_tree_walk:walk(Opts),
    {{Nodes, _, _}, BigRatio} = report(io_lib:format("demo + ~b dynamic children", [N]),
                                    Opts#{flags => Flags}, Reps),
    true = length(Nodes) =< 200,       % the big supervisor was paged, not shipped
    ok = application:stop(beamscope_demo),
    ok = application:stop(beamscope),
    [beamscope_bench_bounds:check("demo tree: walk / bare which_children", DemoRatio, '=<', ?MAX_DEMO_RATIO),
     beamscope_bench_bounds:check(io_lib:format("demo + ~b children: walk / bare which_children", [N]),
                                  BigRatio, '=<', ?MAX_BIG_RATIO)].

report(Label, Opts, Reps) ->
    Sups = demo_supervisors(),
    Runs = [begin
                {Bare, _} = timer:tc(fun() -> bare(Sups) end),
                {Walk, Result} = timer:tc(beamscope_tree_walk, walk, [Opts]),
                {Bare, Walk, Result}
            end || _ <- lists:seq(1, Reps)],
    BareUs = median([B || {B, _, _} <- Runs]),
    WalkUs = median([W || {_, W, _} <- Runs]),
    {Nodes, _, _} = Result = element(3, lists:last(Runs)),
    {ok, Ref, _} = beamscope_sampler:nif_ref(),
    {PubUs, ok} = timer:tc(beamscope_nif, publish_tree, [Ref, Nodes, #{}]),
    io:format("~ts: ~b nodes sent; walk ~b us, bare which_children ~b us, ratio ~.2f; "
              "publish_tree ~b us~n",
              [Label, length(Nodes), WalkUs, BareUs, WalkUs / max(1, BareUs), PubUs]),
    {Result, WalkUs / max(1, BareUs)}.

%% The floor: which_children on each demo supervisor, nothing else.
bare(Sups) ->
    [supervisor:which_children(S) || S <- Sups],
    ok.

demo_supervisors() ->
    Top = whereis(beamscope_demo_sup),
    Top =/= undefined orelse error(no_demo),
    collect(Top).

collect(Sup) ->
    [Sup | lists:append([collect(P) || {_, P, supervisor, _} <- supervisor:which_children(Sup),
                                       is_pid(P)])].

median(L) -> lists:nth((length(L) + 1) div 2, lists:sort(L)).

free_port() ->
    {ok, S} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(S),
    ok = gen_tcp:close(S),
    Port.
