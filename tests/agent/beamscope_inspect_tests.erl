%% The NIFs and the server behind process pages, detail and actions
%% (protocol 1.3): bad input is refused or answered, never trusted (run
%% under ASan too); a page's rows and totals against process_info in this
%% node; allow_actions is validated like every key.
-module(beamscope_inspect_tests).

-include_lib("eunit/include/eunit.hrl").

nif() ->
    Endpoint = iolist_to_binary(["tcp://127.0.0.1:", integer_to_list(beamscope_test_util:free_port())]),
    {ok, Ref} = beamscope_nif:start(#{stream_endpoint => Endpoint, metrics_listen => disabled, top_k => 5}),
    Ref.

req(Extra) ->
    maps:merge(#{request_id => 7, sort => mailbox, ascending => false, name_filter => <<>>,
                 application => <<>>, min_mailbox => 0, offset => 0, limit => 10}, Extra).

nif_bad_input_test() ->
    Ref = nif(),
    %% Before any sweep: an empty page, not an error.
    ?assertMatch(#{total := 0, rows := [], swept := 0}, beamscope_nif:processes_page(Ref, req(#{}))),
    ?assertError(badarg, beamscope_nif:processes_page(Ref, not_a_map)),
    ?assertError(badarg, beamscope_nif:processes_page(make_ref(), req(#{}))),
    %% The protocol's checks, with their words.
    ?assertMatch({error, <<"limit 5000 is above 1000">>}, beamscope_nif:processes_page(Ref, req(#{limit => 5000}))),
    ?assertMatch({error, <<"limit 0", _/binary>>}, beamscope_nif:processes_page(Ref, req(#{limit => 0}))),
    ?assertMatch({error, <<"name filter", _/binary>>},
                 beamscope_nif:processes_page(Ref, req(#{name_filter => binary:copy(<<"x">>, 300)}))),
    %% Mistyped fields read as absent; unknown enum atoms too (mailbox).
    ?assertMatch(#{total := 0}, beamscope_nif:processes_page(Ref, req(#{sort => no_such_key, offset => -5,
                                                                         application => 42,
                                                                         name_filter => {x}}))),
    ?assertEqual(undefined, beamscope_nif:mailbox_outlook(Ref, self(), 0)),
    ?assertError(badarg, beamscope_nif:mailbox_outlook(Ref, not_a_pid, 0)),
    ?assertError(badarg, beamscope_nif:mailbox_outlook(Ref, self(), -1)),
    ?assertEqual(undefined, beamscope_nif:tree_entry(Ref, <<"<0.1.0>">>)),
    ?assertError(badarg, beamscope_nif:tree_entry(Ref, binary:copy(<<"x">>, 100))),
    ?assertError(badarg, beamscope_nif:reply_answer(Ref, <<"viewer">>, nonsense, #{})),
    ?assertError(badarg, beamscope_nif:reply_answer(Ref, <<"viewer">>, processes, not_a_map)),
    %% An answer past the bounds is replaced, not sent as is; garbage fields are skipped.
    Rows = [#{pid => <<"<0.1.0>">>} || _ <- lists:seq(1, 1500)],
    ok = beamscope_nif:reply_answer(Ref, <<"viewer">>, processes, #{request_id => 1, rows => Rows}),
    ok = beamscope_nif:reply_answer(Ref, <<"viewer">>, process,
                                    #{request_id => 1, pid => <<255, 254>>, stacktrace => [x, #{line => -1}],
                                      links => [1, <<"a">>], alive => 'maybe', memory_bytes => -3}),
    ok = beamscope_nif:reply_answer(Ref, <<"viewer">>, action,
                                    #{request_id => 1, action => kill, text => binary:copy(<<"y">>, 100000)}),
    ?assertEqual(<<"action resume is off on this agent: add suspend to the beamscope application env "
                   "allow_actions (see README)">>, beamscope_nif:action_refusal(resume)),
    ?assertError(badarg, beamscope_nif:action_refusal(drop_tables)),
    ?assertEqual(false, beamscope_nif:sweep_wants_gcs(Ref)),
    _ = beamscope_nif:processes_page(Ref, req(#{sort => minor_gcs})),
    ?assertEqual(true, beamscope_nif:sweep_wants_gcs(Ref)),
    ok = beamscope_nif:stop(Ref).

page_matches_process_info_test() ->
    Ref = nif(),
    Ps = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, 200)],
    lists:foldl(fun(P, I) -> [P ! {m, K} || K <- lists:seq(1, I)], I + 1 end, 1, Ps),
    register(beamscope_inspect_test_named, hd(Ps)),
    try
        _ = beamscope_sweep:run(Ref),
        _ = beamscope_sweep:run(Ref),
        #{rows := Rows, total := Total, swept := Swept} =
            beamscope_nif:processes_page(Ref, req(#{limit => 1000})),
        ?assertEqual(Total, Swept),
        ?assert(Total >= 200),
        Top = lists:sublist(Rows, 5),
        ?assertEqual([200, 199, 198, 197, 196], [element(4, R) || R <- Top]),
        [?assertEqual(element(2, process_info(element(1, R), message_queue_len)), element(4, R)) || R <- Top],
        %% The registered name is the name the filter sees.
        #{rows := [Named], total := 1} =
            beamscope_nif:processes_page(Ref, req(#{name_filter => <<"INSPECT_TEST_named">>})),
        ?assertEqual({hd(Ps), <<"beamscope_inspect_test_named">>}, {element(1, Named), element(2, Named)}),
        %% Swept twice with one message: no growth, so no time to the alarm.
        ?assertMatch({+0.0, +0.0, Age} when is_integer(Age), beamscope_nif:mailbox_outlook(Ref, hd(Ps), 1)),
        #{total := 101} = beamscope_nif:processes_page(Ref, req(#{min_mailbox => 100}))
    after
        [exit(P, kill) || P <- Ps],
        ok = beamscope_nif:stop(Ref)
    end.

allow_actions_config_test() ->
    ?assertEqual({ok, []}, beamscope_config:validate(allow_actions, [])),
    ?assertEqual({ok, [gc, kill]}, beamscope_config:validate(allow_actions, [kill, gc, kill])),
    ?assertMatch({error, _}, beamscope_config:validate(allow_actions, [drop_tables])),
    ?assertMatch({error, _}, beamscope_config:validate(allow_actions, kill)),
    ?assertMatch({error, _}, beamscope_config:validate(allow_actions, [gc | kill])),
    ?assertEqual([gc, resume, suspend], beamscope_actions:allowed(#{allow_actions => [suspend, gc]})).
