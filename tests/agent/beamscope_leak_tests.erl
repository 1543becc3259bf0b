%% EUnit: starting and stopping the agent 100 times in one node leaks no
%% threads, fds or memory; a killed sampler frees its threads and sockets;
%% the NIF module can be purged and loaded again.
-module(beamscope_leak_tests).
-include_lib("eunit/include/eunit.hrl").

-define(U, beamscope_test_util).
-define(ROUNDS, 100).
%% Allocator slack: RSS may keep some freed pages; the Erlang heap may
%% keep a few code/atom tables warm.
-define(RSS_SLACK_KB, 16384).
-define(ERTS_SLACK_BYTES, 4 * 1024 * 1024).
%% Threads or fds of the VM itself that may be mid-flight when measured.
-define(NOISE, 2).

start_stop_100_times_test_() ->
    {timeout, 300, fun start_stop_100_times/0}.

cycle(Env) ->
    {ok, _} = ?U:start_agent(Env),
    ok = beamscope_sampler:tick_now(),
    ok = ?U:stop_agent().

measure() ->
    [garbage_collect(P) || P <- processes()],
    (?U:os_counts())#{erts => erlang:memory(total)}.

%% Threads and fds of other parts of the VM (the file server, inet) come
%% and go on their own: give them up to five seconds (a loaded CI machine)
%% to settle back to the baseline. A real leak stays.
settled(Base) ->
    settled(Base, 100).

settled(Base, Tries) ->
    Now = measure(),
    Same = maps:with([threads, fds], Now) =:= maps:with([threads, fds], Base),
    case Same orelse Tries =:= 0 of
        true -> Now;
        false -> timer:sleep(50), settled(Base, Tries - 1)
    end.

start_stop_100_times() ->
    Env = ?U:test_env(),
    %% Warm-up: the first start loads the NIF and its libraries for good.
    cycle(Env),
    cycle(Env),
    Base = measure(),
    T0 = erlang:monotonic_time(millisecond),
    [cycle(Env) || _ <- lists:seq(1, ?ROUNDS)],
    Ms = erlang:monotonic_time(millisecond) - T0,
    After = settled(Base),
    logger:notice("start/stop x~b: ~b ms; before ~p after ~p", [?ROUNDS, Ms, Base, After]),
    io:format(user, "~nstart/stop x~b: ~b ms (~.1f ms a cycle)~n  before ~p~n  after  ~p~n",
              [?ROUNDS, Ms, Ms / ?ROUNDS, Base, After]),
    %% A leak of anything per start/stop shows up 100 times over; a couple
    %% of the VM's own threads or fds (a port program, the file server)
    %% coming and going on a loaded machine do not make a leak.
    ?assert(maps:get(threads, After) - maps:get(threads, Base) =< ?NOISE),
    ?assert(maps:get(fds, After) - maps:get(fds, Base) =< ?NOISE),
    %% Under ASan freed memory sits in its quarantine: RSS says nothing there.
    os:getenv("BEAMSCOPE_SANITIZE") =:= "1" orelse
        ?assert(maps:get(rss_kb, After) - maps:get(rss_kb, Base) < ?RSS_SLACK_KB),
    ?assert(maps:get(erts, After) - maps:get(erts, Base) < ?ERTS_SLACK_BYTES).

killed_sampler_test_() ->
    {timeout, 60, fun killed_sampler/0}.

%% A brutally killed sampler: the supervisor restarts it on the same
%% ports, which only works when the dead one's resource closed them.
killed_sampler() ->
    Base = measure(),
    {ok, _} = ?U:start_agent([]),
    Old = whereis(beamscope_sampler),
    exit(Old, kill),
    New = wait_restart(Old, 50),
    ?assert(is_pid(New)),
    ok = beamscope_sampler:tick_now(),
    ok = ?U:stop_agent(),
    After = settled(Base),
    ?assertEqual(maps:get(threads, Base), maps:get(threads, After)),
    ?assertEqual(maps:get(fds, Base), maps:get(fds, After)).

wait_restart(_Old, 0) -> undefined;
wait_restart(Old, N) ->
    case whereis(beamscope_sampler) of
        P when is_pid(P), P =/= Old -> P;
        _ -> timer:sleep(100), wait_restart(Old, N - 1)
    end.

purge_and_reload_test_() ->
    {timeout, 60, fun purge_and_reload/0}.

purge_and_reload() ->
    {ok, _} = ?U:start_agent([]),
    ok = ?U:stop_agent(),
    Base = measure(),
    %% With the agent stopped no process runs beamscope_nif's code: a soft
    %% purge succeeds, and purging the deleted module kills no process.
    true = code:soft_purge(beamscope_nif),
    true = code:delete(beamscope_nif),
    false = code:purge(beamscope_nif),
    {module, beamscope_nif} = code:load_file(beamscope_nif),
    %% And once more, the old code is purged while a new one runs.
    {module, beamscope_nif} = code:load_file(beamscope_nif),
    true = code:soft_purge(beamscope_nif),
    {ok, _} = ?U:start_agent([]),
    ok = beamscope_sampler:tick_now(),
    ok = ?U:stop_agent(),
    After = settled(Base),
    ?assertEqual(maps:get(threads, Base), maps:get(threads, After)).
