%% @doc A supervisor for beamscope_tree_tests whose init takes its time.
-module(beamscope_tree_test_sup).
-behaviour(supervisor).

-export([init/1]).

init({sleep, Ms}) ->
    timer:sleep(Ms),
    {ok, {#{strategy => one_for_one}, []}}.
