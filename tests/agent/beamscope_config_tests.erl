%% EUnit: beamscope_config validation (pure; no NIF, no sockets).
-module(beamscope_config_tests).
-include_lib("eunit/include/eunit.hrl").

defaults_test() ->
    {ok, C} = beamscope_config:from_env([]),
    ?assertEqual(beamscope_config:defaults(), C),
    ?assertEqual(<<"tcp://127.0.0.1:9755">>, maps:get(stream_endpoint, C)),
    ?assertEqual(<<"127.0.0.1:9754">>, maps:get(metrics_listen, C)).

good_values_test_() ->
    [?_assertMatch({ok, #{stream_endpoint := <<"tcp://0.0.0.0:1">>}},
                   beamscope_config:from_env([{stream_endpoint, "tcp://0.0.0.0:1"}])),
     ?_assertMatch({ok, #{stream_endpoint := <<"ipc:///tmp/x">>}},
                   beamscope_config:from_env([{stream_endpoint, <<"ipc:///tmp/x">>}])),
     ?_assertMatch({ok, #{metrics_listen := disabled}},
                   beamscope_config:from_env([{metrics_listen, disabled}])),
     ?_assertMatch({ok, #{metrics_listen := <<"[::1]:9000">>}},
                   beamscope_config:from_env([{metrics_listen, "[::1]:9000"}])),
     ?_assertMatch({ok, #{tick_ms := 100, top_k := 1000, mailbox_guard := 0}},
                   beamscope_config:from_env([{tick_ms, 100}, {top_k, 1000}, {mailbox_guard, 0}])),
     ?_assertMatch({ok, #{system_monitor := force, long_schedule_ms := 50}},
                   beamscope_config:from_env([{system_monitor, force}, {long_schedule_ms, 50}])),
     ?_assertMatch({ok, #{system_monitor := auto, long_schedule_ms := disabled}},
                   beamscope_config:from_env([])),
     ?_assertMatch({ok, #{node_name := auto}}, beamscope_config:from_env([])),
     ?_assertMatch({ok, #{node_name := <<"web-3@eu">>}}, beamscope_config:from_env([{node_name, "web-3@eu"}])),
     ?_assertMatch({ok, #{node_name := <<"web-3@eu">>}}, beamscope_config:from_env([{node_name, <<"web-3@eu">>}])),
     ?_assertMatch({ok, #{node_name := <<"web-3@eu">>}}, beamscope_config:from_env([{node_name, 'web-3@eu'}]))].

bad(Key, Value) ->
    ?_assertMatch({error, {bad_config, Key, Value, [_ | _]}}, beamscope_config:from_env([{Key, Value}])).

bad_values_test_() ->
    [bad(node_name, ""),
     bad(node_name, "two words"),
     bad(node_name, lists:duplicate(256, $a)),
     bad(node_name, "tab\there"),
     bad(stream_endpoint, "bogus"),
     bad(stream_endpoint, "tcp://127.0.0.1"),
     bad(stream_endpoint, "tcp://127.0.0.1:0"),
     bad(stream_endpoint, "tcp://127.0.0.1:70000"),
     bad(stream_endpoint, 42),
     bad(stream_endpoint, ""),
     bad(stream_endpoint, [300000]),
     bad(metrics_listen, "nope"),
     bad(metrics_listen, "127.0.0.1:x"),
     bad(metrics_listen, enabled),
     bad(tick_ms, 99), bad(tick_ms, 60001), bad(tick_ms, 1.5), bad(tick_ms, "1000"),
     bad(top_k, 0), bad(top_k, 1001),
     bad(mailbox_guard, -1), bad(mailbox_guard, infinity),
     bad(system_monitor, on), bad(system_monitor, "auto"),
     bad(long_schedule_ms, 0), bad(long_schedule_ms, enabled)].

first_bad_wins_test() ->
    ?assertMatch({error, {bad_config, tick_ms, 5, _}},
                 beamscope_config:from_env([{tick_ms, 5}, {top_k, 0}])).

tree_keys_test_() ->
    [?_assertMatch({ok, #{tree_walk_ms := 100, tree_call_timeout_ms := 10, tree_big_supervisor := 10,
                          tree_page := 1}},
                   beamscope_config:from_env([{tree_walk_ms, 100}, {tree_call_timeout_ms, 10},
                                              {tree_big_supervisor, 10}, {tree_page, 1}])),
     ?_assertMatch({ok, #{tree_walk_ms := 5000, tree_call_timeout_ms := 1000}}, beamscope_config:from_env([])),
     bad(tree_walk_ms, 99), bad(tree_walk_ms, "5000"), bad(tree_call_timeout_ms, 0),
     bad(tree_call_timeout_ms, 60001), bad(tree_big_supervisor, 9), bad(tree_page, 1001),
     bad(attached, not_a_list)].

%% A typo is refused with the key it probably meant; a key like no other
%% lists the known ones.
unknown_keys_test_() ->
    Why = fun(Env) -> {error, {bad_config, _, _, W}} = beamscope_config:from_env(Env), W end,
    [?_assertEqual("unknown key; did you mean tick_ms?", Why([{tick_msx, 100}])),
     ?_assertEqual("unknown key; did you mean tree_walk_ms?", Why([{tree_walk, 100}])),
     ?_assertEqual("unknown key; did you mean mailbox_guard?", Why([{mailbox_gaurd, 1}])),
     ?_assertMatch("unknown key; known keys: stream_endpoint, " ++ _, Why([{colour, blue}])),
     %% Unknown keys come first: a good value does not hide them.
     ?_assertMatch({error, {bad_config, tick_msx, 1, _}},
                   beamscope_config:from_env([{tick_ms, 5}, {tick_msx, 1}]))].

%% What application:get_all_env/1 returns: the app file's own env holds
%% only known keys with valid defaults.
app_file_env_test() ->
    ok = case application:load(beamscope) of
             ok -> ok;
             {error, {already_loaded, beamscope}} -> ok
         end,
    Env = [KV || {K, _} = KV <- application:get_all_env(beamscope), K =/= included_applications],
    ?assertMatch({ok, _}, beamscope_config:from_env(Env)),
    {ok, C} = beamscope_config:from_env(Env),
    ?assertEqual(beamscope_config:defaults(), C).

%% collector_endpoints: collectors the agent dials; stream_endpoint may then
%% be disabled, but not with nothing dialled (no viewer could reach it).
collector_endpoints_test_() ->
    [?_assertMatch({ok, #{collector_endpoints := []}}, beamscope_config:from_env([])),
     ?_assertMatch({ok, #{collector_endpoints := [{<<"tcp://10.0.0.9:9758">>, disabled},
                                                  {<<"tcp://c2:9758">>, <<"/etc/beamscope/c2.pub">>}]}},
                   beamscope_config:from_env([{collector_endpoints,
                                               ["tcp://10.0.0.9:9758",
                                                {<<"tcp://c2:9758">>, "/etc/beamscope/c2.pub"}]}])),
     ?_assertMatch({ok, #{stream_endpoint := disabled, collector_endpoints := [_]}},
                   beamscope_config:from_env([{stream_endpoint, disabled},
                                              {collector_endpoints, ["tcp://127.0.0.1:9758"]}])),
     ?_assertMatch({error, {bad_config, stream_endpoint, disabled, "nothing could reach" ++ _}},
                   beamscope_config:from_env([{stream_endpoint, disabled}])),
     bad(collector_endpoints, "tcp://127.0.0.1:9758"),  % a string, not a list of them
     bad(collector_endpoints, ["ipc:///tmp/c"]),
     bad(collector_endpoints, ["tcp://c:0"]),
     bad(collector_endpoints, [{"tcp://c:9758", 42}]),
     bad(collector_endpoints, [{"tcp://c:9758"}]),
     bad(collector_endpoints, lists:duplicate(17, "tcp://c:9758"))].
