%% @doc Supervisors for beamscope_pager_tests: a simple_one_for_one pool of
%% idle processes (100,000 of them for the page cost), and a one_for_one
%% one with two idle static children (restart pruning).
-module(beamscope_pager_test_sup).
-behaviour(supervisor).

-export([start_link/1, idle/0, init/1]).

-spec start_link(pool | static) -> {ok, pid()}.
start_link(Kind) -> supervisor:start_link(?MODULE, Kind).

%% @doc A child that only waits (a few hundred bytes each).
-spec idle() -> {ok, pid()}.
idle() -> {ok, proc_lib:spawn_link(fun() -> receive stop -> ok end end)}.

init(pool) ->
    {ok, {#{strategy => simple_one_for_one, intensity => 10, period => 10},
          [#{id => idle, start => {?MODULE, idle, []}, shutdown => brutal_kill}]}};
init(static) ->
    {ok, {#{strategy => one_for_one, intensity => 100, period => 10},
          [#{id => a, start => {?MODULE, idle, []}, shutdown => brutal_kill},
           #{id => b, start => {?MODULE, idle, []}, shutdown => brutal_kill}]}}.
