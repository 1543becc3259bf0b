%% EUnit, real node: on OTP 28+ the agent's sweep pages through
%% erlang:processes_iterator/0 and never takes erlang:processes/0, over
%% five sweeps of a node with 25,000 extra processes, every process seen
%% (count and mailbox total). The proof has two halves, because OTP 29
%% no longer counts compiled calls of a BIF (a call_count breakpoint on
%% erlang:processes/0 saw 0 calls where the test made one):
%%  - statically, from the agent's own beams: the one module that imports
%%    erlang:processes/0 is beamscope_sweep, and it calls it in load_list/1
%%    only (the loader before OTP 28, and at the process limit);
%%  - at run time, with call_count breakpoints on the agent's functions
%%    (Erlang code: counted on every release): load_list/1 runs zero times,
%%    load_iter/3 once a sweep, erlang:processes_next/1 once a process.
%%    Each counter is shown to count by one call from the test.
%% On releases without the iterator (before 28) the test says it does not
%% apply and checks only that the release is indeed older than 28.
-module(beamscope_iterator_tests).
-include_lib("eunit/include/eunit.hrl").

-define(U, beamscope_test_util).
-define(SINKS, 25000).
-define(EACH, 3).
-define(WATCHED, [{beamscope_sweep, load_list, 1}, {beamscope_sweep, load_iter, 3}, {erlang, processes_next, 1}]).

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
    %% Who can call erlang:processes/0 at all: the imports of every beam of
    %% the agent.
    ok = case application:load(beamscope) of
             ok -> ok;
             {error, {already_loaded, beamscope}} -> ok
         end,
    {ok, Mods} = application:get_key(beamscope, modules),
    Importers = [M || M <- Mods, {ok, {_, [{imports, I}]}} <- [beam_lib:chunks(code:which(M), [imports])],
                      lists:member({erlang, processes, 0}, I)],
    ?assertEqual([beamscope_sweep], Importers),
    %% The default tick: at the tests' usual 100 ms, on a loaded machine,
    %% the ticks' wall-time charges alone can use the whole budget and no
    %% sweep ever starts (seen on OTP 25 and 29 alike at load 6-8).
    {ok, _} = ?U:start_agent([{tick_ms, 1000}]),
    [?assertEqual(1, erlang:trace_pattern(F, true, [call_count])) || F <- Watched],
    Sweeps0 = maps:get(sweeps_total, beamscope_sampler:sweep_stats()),
    %% Five sweeps after the breakpoints: at least one of each tier (the
    %% slow one is every fourth).
    ?assert(?U:wait(fun() -> maps:get(sweeps_total, beamscope_sampler:sweep_stats()) >= Sweeps0 + 5 end, 120000)),
    [Lists, Iters, Nexts] = [calls(F) || F <- Watched],
    io:format(user, "~nfive sweeps over ~b processes: load_list/1 (erlang:processes/0) ~b calls, "
              "load_iter/3 ~b, processes_next/1 ~b~n",
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
    %% The counters count: one call of load_iter/3 (whose Next raises
    %% before anything reaches the NIF) and one erlang:processes_next/1 from
    %% here add one each; load_list/1 carries the same kind of breakpoint
    %% (an Erlang function's code).
    [I0, N0] = [calls(F) || F <- tl(Watched)],
    ?assertError(counted, beamscope_sweep:load_iter(Ref, fun(_) -> error(counted) end, iter)),
    _ = erlang:processes_next(erlang:processes_iterator()),
    ?assertEqual([I0 + 1, N0 + 1], [calls(F) || F <- tl(Watched)]).

calls(F) ->
    {call_count, N} = erlang:trace_info(F, call_count),
    N.
