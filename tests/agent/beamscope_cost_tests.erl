%% EUnit: what beamscope_cost charges. Work that stayed on one thread is
%% charged its CPU time and teaches the kind's average; work that moved is
%% charged at most twice that average; and any work at most twice the
%% cheapest cost per unit seen, which never rises.
-module(beamscope_cost_tests).
-include_lib("eunit/include/eunit.hrl").

cpu_work_is_charged_in_full_and_teaches_the_average_test() ->
    {Us, Avg} = beamscope_cost:charge({cpu, 1000}, undefined, 10),
    ?assertEqual(1000, Us),
    ?assertEqual(100.0, Avg),
    {Us2, Avg2} = beamscope_cost:charge({cpu, 3000}, Avg, 10),
    ?assertEqual(3000, Us2),
    ?assertEqual(0.8 * 100.0 + 0.2 * 300.0, Avg2).

moved_work_is_capped_by_twice_the_average_test() ->
    %% Never timed by CPU: its wall time.
    ?assertEqual({50000, undefined}, beamscope_cost:charge({wall, 50000}, undefined, 1)),
    %% Timed: at most twice the average, never more than its wall time.
    ?assertEqual({2000, 1000.0}, beamscope_cost:charge({wall, 50000}, 1000.0, 1)),
    ?assertEqual({1500, 1000.0}, beamscope_cost:charge({wall, 1500}, 1000.0, 1)).

the_first_work_sets_the_cheapest_test() ->
    ?assertEqual({1300, 13.0}, beamscope_cost:cap_by_best(1300, undefined, 100)).

work_is_capped_by_twice_the_cheapest_per_unit_test() ->
    %% 13 us a unit seen: 80 units may be charged 2080 us at most.
    ?assertEqual({2080, 13.0}, beamscope_cost:cap_by_best(240000, 13.0, 80)),
    %% Cheaper than twice: charged as measured.
    ?assertEqual({1500, 13.0}, beamscope_cost:cap_by_best(1500, 13.0, 80)),
    %% Cheaper per unit than ever: charged as measured, and the new cheapest.
    ?assertEqual({500, 5.0}, beamscope_cost:cap_by_best(500, 13.0, 100)).

the_cheapest_never_rises_test() ->
    %% A long run of inflated readings (a busy host) does not move it.
    Best = lists:foldl(fun(_, B) -> element(2, beamscope_cost:cap_by_best(100000, B, 10)) end,
                       2.0, lists:seq(1, 1000)),
    ?assertEqual(2.0, Best).

zero_units_count_as_one_test() ->
    ?assertEqual({40, 20.0}, beamscope_cost:cap_by_best(100, 20.0, 0)).
