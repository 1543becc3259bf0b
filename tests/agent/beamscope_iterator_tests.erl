%% EUnit, real node: on OTP 28+ the agent's sweep pages through
%% erlang:processes_iterator/0 and never takes erlang:processes/0. The
%% running agent (every part of it: sweep tiers, tree, pager, gauges) is
%% watched with the VM's call counters (erlang:trace_pattern/3,
%% call_count) over five sweeps of a node with 25,000 extra processes:
%% erlang:processes/0 is called zero times, the iterator is called, and
%% every process is seen (count and mailbox total). The counter itself is
%% proved live by one call of erlang:processes/0 from the test afterwards.
%% On releases without the iterator (before 28) the test says it does not
%% apply and checks only that the release is indeed older than 28.
-module(beamscope_iterator_tests).
-include_lib("eunit/include/eunit.hrl").

-define(U, beamscope_test_util).
-define(SINKS, 25000).
-define(EACH, 3).
-define(WATCHED, [{erlang, processes, 0}, {erlang, processes_iterator, 0}, {erlang, processes_next, 1}]).

iterator_test_() ->
    case erlang:function_exported(erlang, processes_iterator, 0) of
        true ->
            {"OTP 28+: the sweep pages through erlang:processes_iterator/0",
             {setup, fun setup/0, fun cleanup/1, {timeout, 180, fun sweeps_without_process_list/0}}};
        false ->
            {"does not apply on OTP " ++ erlang:system_info(otp_release)
             ++ " (no erlang:processes_iterator/0, OTP 28+): the sweep takes erlang:processes/0",
             fun release_has_no_iterator/0}
    end.

release_has_no_iterator() ->
    io:format(user, "~nbeamscope_iterator_tests: does not apply on OTP ~s: "
              "erlang:processes_iterator/0 is OTP 28+~n", [erlang:system_info(otp_release)]),
    ?assert(list_to_integer(erlang:system_info(otp_release)) < 28).

%% Sinks with ?EACH messages each: more than two of the loader's pages
%% (10,000 pids) in all, so a lost page shows in the count and the total.
setup() ->
    Sinks = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, ?SINKS)],
    [[P ! {m, I} || I <- lists:seq(1, ?EACH)] || P <- Sinks],
    Sinks.

cleanup(Sinks) ->
    [erlang:trace_pattern(F, false, [call_count]) || F <- ?WATCHED],
    [exit(P, kill) || P <- Sinks],
    ok = ?U:stop_agent().

sweeps_without_process_list() ->
    Watched = ?WATCHED,
    [?assertEqual(1, erlang:trace_pattern(F, true, [call_count])) || F <- Watched],
    {ok, _} = ?U:start_agent([]),
    %% Five sweeps after the start: at least one of each tier (the slow
    %% one is every fourth).
    ?assert(?U:wait(fun() -> maps:get(sweeps_total, beamscope_sampler:sweep_stats()) >= 5 end, 120000)),
    [Lists, Iters, Nexts] = [calls(F) || F <- Watched],
    io:format(user, "~nfive sweeps over ~b processes: erlang:processes/0 ~b calls, "
              "processes_iterator/0 ~b, processes_next/1 ~b~n",
              [erlang:system_info(process_count), Lists, Iters, Nexts]),
    ?assertEqual(0, Lists),
    ?assert(Iters >= 5),
    ?assert(Nexts >= 5 * ?SINKS),
    %% Every process seen by the last sweep: its count is the node's (a few
    %% short-lived ones come and go) and the mailbox total holds all sinks'.
    {ok, Ref, _} = beamscope_sampler:nif_ref(),
    #{last_sweep_processes := Swept, histogram_count := Counted, histogram_sum := Sum} = beamscope_nif:stats(Ref),
    ?assert(abs(Swept - erlang:system_info(process_count)) =< 5),
    ?assertEqual(Swept, Counted),
    ?assert(Sum >= ?SINKS * ?EACH),
    %% The counter counts: one call from here is one call.
    _ = erlang:processes(),
    ?assertEqual(1, calls({erlang, processes, 0})).

calls(F) ->
    {call_count, N} = erlang:trace_info(F, call_count),
    N.
