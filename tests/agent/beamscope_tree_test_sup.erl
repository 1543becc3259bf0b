%% @doc A supervisor for beamscope_tree_tests whose init takes its time
%% (a sleep, or until it is sent `go').
-module(beamscope_tree_test_sup).
-behaviour(supervisor).

-export([init/1]).

init({sleep, Ms}) ->
    timer:sleep(Ms),
    {ok, {#{strategy => one_for_one}, []}};
init({gate, Starter}) ->
    Starter ! {in_init, self()},
    receive go -> ok end,
    {ok, {#{strategy => one_for_one}, []}}.
