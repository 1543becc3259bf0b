%% EUnit, real node: with the periodic walk far away (60 s), changes still
%% reach the published tree within about a second: a worker added to and
%% removed from a dynamic supervisor, an application started and stopped,
%% an application whose start takes longer than a watch period.
-module(beamscope_tree_watch_tests).
-include_lib("eunit/include/eunit.hrl").

%% The slow application's callbacks.
-export([start/2, stop/1, init/1]).

-define(U, beamscope_test_util).
-define(POOL, <<"beamscope_demo/beamscope_demo_sup/beamscope_demo_pool_top_sup/beamscope_demo_pool_sup">>).

watch_test_() ->
    {setup, fun setup/0, fun cleanup/1,
     {inorder, [{timeout, 60, fun dynamic_child_added_and_removed/0},
                {timeout, 60, fun application_started_and_stopped/0},
                {timeout, 60, fun slow_application_seen_once_started/0}]}}.

setup() ->
    _ = logger:set_handler_config(default, level, none),
    ok = application:load(beamscope_demo),
    ok = application:set_env(beamscope_demo, crash_interval_ms, 0),
    {ok, _} = application:ensure_all_started(beamscope_demo),
    {ok, _} = ?U:start_agent([{tick_ms, 200}, {tree_walk_ms, 60000}]),
    %% The first walk (at start) has seen the demo.
    true = ?U:wait(fun() -> pids_under(?POOL) =/= [] end, 10000),
    ok.

cleanup(_) ->
    _ = application:stop(sasl),
    _ = application:stop(beamscope_demo),
    ok = ?U:stop_agent().

dynamic_child_added_and_removed() ->
    {ok, Pid} = beamscope_demo_pool_sup:start_worker(424242),
    Text = list_to_binary(pid_to_list(Pid)),
    {Added, Ms} = timed(fun() -> lists:member(Text, pids_under(?POOL)) end, 5000),
    ?assert(Added),
    %% The watch, not the walk timer (60 s here): about 1 s; 3 s on a loaded host.
    ?assert(Ms < 3000),
    ok = supervisor:terminate_child(beamscope_demo_pool_sup, Pid),
    {Removed, Ms2} = timed(fun() -> not lists:member(Text, pids_under(?POOL)) end, 5000),
    io:format(user, "~ndynamic child seen added in ~b ms, removed in ~b ms~n", [Ms, Ms2]),
    ?assert(Removed),
    ?assert(Ms2 < 3000),
    %% The walk is what told: exactly as the node says.
    ?assertEqual(lists:sort([list_to_binary(pid_to_list(P))
                             || {_, P, _, _} <- supervisor:which_children(beamscope_demo_pool_sup)]),
                 lists:sort(pids_under(?POOL))).

application_started_and_stopped() ->
    ?assertEqual(undefined, app_node(<<"sasl">>)),
    ok = application:start(sasl),
    {Started, Ms} = timed(fun() -> app_node(<<"sasl">>) =/= undefined end, 5000),
    ?assert(Started),
    %% The watch, not the walk timer (60 s here): about 1 s; 3 s on a loaded host.
    ?assert(Ms < 3000),
    ?assert(lists:any(fun(#{parent_id := P, kind := K}) -> P =:= <<"sasl">> andalso K =:= supervisor;
                         (_) -> false end, tree())),
    ok = application:stop(sasl),
    {Stopped, Ms2} = timed(fun() -> app_node(<<"sasl">>) =:= undefined end, 5000),
    io:format(user, "~napplication seen started in ~b ms, stopped in ~b ms~n", [Ms, Ms2]),
    ?assert(Stopped),
    ?assert(Ms2 < 2000).

%% The controller's table names an application's master as soon as its
%% start begins; which_applications/0 names it once Mod:start/2 returns.
%% A walk in between must not make the half-started application the
%% watch's baseline (it was, and the application stayed unseen until the
%% periodic walk).
slow_application_seen_once_started() ->
    ok = application:load({application, beamscope_slow_start,
                           [{vsn, "1"}, {modules, []}, {registered, []},
                            {applications, [kernel, stdlib]}, {mod, {?MODULE, []}}]}),
    Self = self(),
    spawn_link(fun() -> Self ! {started, application:start(beamscope_slow_start)} end),
    %% Watch periods pass while it starts (1.5 s): it is not shown half started.
    timer:sleep(1000),
    ?assertEqual(undefined, app_node(<<"beamscope_slow_start">>)),
    receive {started, Result} -> ?assertEqual(ok, Result) after 10000 -> error(start_timeout) end,
    {Seen, Ms} = timed(fun() -> lists:any(fun(#{parent_id := P, kind := K}) ->
                                                  P =:= <<"beamscope_slow_start">> andalso K =:= supervisor;
                                             (_) -> false
                                          end, tree())
                       end, 10000),
    io:format(user, "~nslow application seen ~b ms after its start returned~n", [Ms]),
    ok = application:stop(beamscope_slow_start),
    ok = application:unload(beamscope_slow_start),
    ?assert(Seen),
    ?assert(Ms < 3000).

start(_Type, _Args) ->
    timer:sleep(1500),
    supervisor:start_link(?MODULE, []).

stop(_State) -> ok.

init([]) -> {ok, {#{}, []}}.

%% --- helpers ----------------------------------------------------------------

tree() -> maps:get(tree, ?U:snapshot()).

pids_under(Sup) ->
    [P || #{parent_id := Parent, pid := P} <- tree(), Parent =:= Sup, P =/= <<>>].

app_node(Name) ->
    case [N || #{kind := application, id := Id} = N <- tree(), Id =:= Name] of
        [N] -> N;
        [] -> undefined
    end.

%% {true, Ms} once `Fun' holds (polled every 20 ms), {false, Ms} after `Limit' ms.
timed(Fun, Limit) ->
    T0 = erlang:monotonic_time(millisecond),
    Ok = ?U:wait(Fun, Limit),
    {Ok, erlang:monotonic_time(millisecond) - T0}.
