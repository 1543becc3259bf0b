%% EUnit: a bad configuration, a port in use or a bad endpoint makes the
%% application start fail with a clear reason; the node keeps running and
%% a good start afterwards works.
-module(beamscope_start_errors_tests).
-include_lib("eunit/include/eunit.hrl").

-define(U, beamscope_test_util).

start_errors_test_() ->
    {foreach, fun() -> ok end, fun(_) -> _ = ?U:stop_agent() end,
     [fun bad_config/0, fun unknown_key/0, fun stream_port_in_use/0, fun metrics_port_in_use/0,
      fun unresolvable_endpoint/0, fun good_start_after_failures/0]}.

%% application_master wraps the reason as {Reason, {beamscope_app, start, Args}}.
start_error(Env) ->
    {error, {beamscope, {Reason, {beamscope_app, start, _}}}} = ?U:start_agent(Env),
    Reason.

not_running() ->
    ?assertNot(lists:keymember(beamscope, 1, application:which_applications())),
    ?assertEqual(undefined, whereis(beamscope_sampler)).

bad_config() ->
    [begin
         ?assertMatch({bad_config, Key, Value, [_ | _]}, start_error([{Key, Value}])),
         not_running()
     end || {Key, Value} <- [{tick_ms, 5}, {top_k, 0}, {mailbox_guard, -1},
                             {stream_endpoint, "bogus"}, {metrics_listen, "nope"}]].

%% A typo in the env stops the start with a hint, instead of a setting
%% silently not applied; the tree settings are checked at start too.
unknown_key() ->
    ?assertEqual({bad_config, tick_msx, 100, "unknown key; did you mean tick_ms?"},
                 start_error([{tick_msx, 100}])),
    not_running(),
    ok = application:unset_env(beamscope, tick_msx),
    ?assertMatch({bad_config, tree_walk_ms, 5, [_ | _]}, start_error([{tree_walk_ms, 5}])),
    not_running(),
    ok = application:unset_env(beamscope, tree_walk_ms).

listen() ->
    {ok, S} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(S),
    {S, integer_to_list(Port)}.

stream_port_in_use() ->
    {S, Port} = listen(),
    Endpoint = "tcp://127.0.0.1:" ++ Port,
    {start_failed, Why} = start_error([{stream_endpoint, Endpoint}]),
    ?assertMatch({_, _}, binary:match(Why, list_to_binary(Endpoint))),
    ?assertMatch({_, _}, binary:match(Why, <<"in use">>)),
    not_running(),
    gen_tcp:close(S).

metrics_port_in_use() ->
    {S, Port} = listen(),
    Listen = "127.0.0.1:" ++ Port,
    {start_failed, Why} = start_error([{metrics_listen, Listen}]),
    ?assertMatch({_, _}, binary:match(Why, list_to_binary("metrics_listen " ++ Listen))),
    not_running(),
    gen_tcp:close(S).

unresolvable_endpoint() ->
    Endpoint = "tcp://no-such-host.invalid:" ++ integer_to_list(?U:free_port()),
    {start_failed, Why} = start_error([{stream_endpoint, Endpoint}]),
    ?assertMatch({_, _}, binary:match(Why, list_to_binary(Endpoint))),
    not_running().

good_start_after_failures() ->
    Before = ?U:os_counts(),
    ?assertMatch({ok, _}, ?U:start_agent([])),
    ok = beamscope_sampler:tick_now(),
    ?assertMatch(#{running := true}, beamscope_sampler:stats()),
    ok = ?U:stop_agent(),
    After = ?U:os_counts(),
    ?assertEqual(maps:get(threads, Before), maps:get(threads, After)),
    ?assertEqual(maps:get(fds, Before), maps:get(fds, After)).
