%% EUnit, in a node started with `+P 1024': a node at its process limit
%% keeps its agent running. The sweep can spawn no loader, the tree no
%% walker, the pager no page builder; none of them may crash (a crash loop
%% would take the application down). Ground truth: the sweep still counts
%% every process of the full node, ticks go on, a children page is refused
%% with a reason, and everything is back to normal once processes exit.
-module(beamscope_limit_tests).
-include_lib("eunit/include/eunit.hrl").

-define(U, beamscope_test_util).

at_process_limit_test_() ->
    {timeout, 120, fun at_process_limit/0}.

at_process_limit() ->
    ?assert(erlang:system_info(process_limit) =< 4096),   % started with +P 1024
    {ok, _} = ?U:start_agent([{metrics_listen, disabled}, {tick_ms, 200}, {tree_walk_ms, 300},
                              {budget, 0.2}]),
    Agent = [whereis(N) || N <- [beamscope_sup, beamscope_sampler, beamscope_tree, beamscope_pager]],
    ?assert(?U:wait(fun() -> sweeps() >= 2 end, 20000)),
    Filler = fill([]),
    Full = erlang:system_info(process_count),
    ?assert(Full >= erlang:system_info(process_limit) - 2),
    %% Two sweeps that began at the limit: they took the full node's list.
    S0 = sweeps(),
    ?assert(?U:wait(fun() -> sweeps() >= S0 + 2 end, 30000)),
    {ok, Ref, _} = beamscope_sampler:nif_ref(),
    #{last_sweep_processes := Swept, seq := Seq0} = beamscope_nif:stats(Ref),
    ?assert(abs(Swept - Full) =< 5),
    %% The agent's own short-lived processes (a walker, a loader) free a
    %% slot now and then: fill it again right before asking for a page.
    %% (Refused by the pager, "busy: the node is at its process limit", or
    %% by its page builder, whose own calls could not spawn either.)
    {Refused, Filler1} = refused_page(Filler, 50),
    ?assert(is_binary(Refused)),
    %% Five more ticks published (200 ms apart), walks due every 300 ms meanwhile.
    ?assert(?U:wait(fun() -> maps:get(seq, beamscope_nif:stats(Ref)) >= Seq0 + 5 end, 10000)),
    ?assertEqual(Agent, [whereis(N) || N <- [beamscope_sup, beamscope_sampler, beamscope_tree, beamscope_pager]]),
    %% Room again: pages are served and the sweep sees the smaller node.
    [exit(P, kill) || P <- Filler1],
    ?assert(?U:wait(fun() -> maps:get(last_sweep_processes, beamscope_nif:stats(Ref)) < Full div 2 end, 30000)),
    ?assert(?U:wait(fun() ->
                            Again = beamscope_pager:children(<<"beamscope/beamscope_sup">>, 0, 10, supervisor_order),
                            not is_map_key(error, Again)
                    end, 10000)),
    ?assertEqual(Agent, [whereis(N) || N <- [beamscope_sup, beamscope_sampler, beamscope_tree, beamscope_pager]]),
    ok = ?U:stop_agent().

sweeps() -> maps:get(sweeps_total, beamscope_sampler:sweep_stats()).

%% A children page asked for with the node full; the error it got and the
%% fillers (the error of the last try if every try found a free slot).
refused_page(Filler0, Tries) ->
    Filler = fill(Filler0),
    Page = beamscope_pager:children(<<"beamscope/beamscope_sup">>, 0, 10, supervisor_order),
    case maps:get(error, Page, none) of
        E when is_binary(E) -> {E, Filler};
        Other when Tries =< 1 -> {Other, Filler};
        _ -> refused_page(Filler, Tries - 1)
    end.

%% Idle processes until spawn/1 fails: the node is full.
fill(Acc) ->
    try spawn(fun() -> receive stop -> ok end end) of
        P -> fill([P | Acc])
    catch error:system_limit -> Acc
    end.
