%% EUnit: how an agent names its stream to the agents of other nodes
%% (beamscope_peers:reachable/2; pure).
-module(beamscope_peers_tests).
-include_lib("eunit/include/eunit.hrl").

wildcard_host_becomes_the_nodes_host_test_() ->
    [?_assertEqual(<<"tcp://10.0.0.7:9755">>, beamscope_peers:reachable(<<"tcp://*:9755">>, 'web@10.0.0.7')),
     ?_assertEqual(<<"tcp://db-2:9755">>, beamscope_peers:reachable(<<"tcp://0.0.0.0:9755">>, 'app@db-2')),
     ?_assertEqual(<<"tcp://h.example:1">>, beamscope_peers:reachable(<<"tcp://[::]:1">>, 'a@h.example'))].

named_hosts_and_other_transports_are_kept_test_() ->
    [?_assertEqual(<<"tcp://127.0.0.1:9755">>, beamscope_peers:reachable(<<"tcp://127.0.0.1:9755">>, 'a@h')),
     ?_assertEqual(<<"tcp://10.1.1.1:9">>, beamscope_peers:reachable(<<"tcp://10.1.1.1:9">>, 'a@h')),
     ?_assertEqual(<<"ipc:///run/bs">>, beamscope_peers:reachable(<<"ipc:///run/bs">>, 'a@h')),
     ?_assertEqual(<<>>, beamscope_peers:reachable(<<>>, 'a@h')),
     %% Without distribution there is no host to name.
     ?_assertEqual(<<"tcp://*:9755">>, beamscope_peers:reachable(<<"tcp://*:9755">>, nonode@nohost))].
