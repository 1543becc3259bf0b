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
                   beamscope_config:from_env([]))].

bad(Key, Value) ->
    ?_assertMatch({error, {bad_config, Key, Value, [_ | _]}}, beamscope_config:from_env([{Key, Value}])).

bad_values_test_() ->
    [bad(stream_endpoint, "bogus"),
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
