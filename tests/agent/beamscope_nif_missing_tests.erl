%% EUnit: when priv/beamscope_nif.so cannot be loaded, the application
%% start fails with a clear reason (the module refuses to load, logged) and
%% the node keeps running. Runs in its own node: the module under test
%% must not have been loaded before.
-module(beamscope_nif_missing_tests).
-include_lib("eunit/include/eunit.hrl").

nif_missing_test() ->
    {module, _} = code:ensure_loaded(beamscope_test_util),
    Real = filename:dirname(code:where_is_file("beamscope.app")),
    Tmp = filename:join(["/tmp", "beamscope_nif_missing_" ++ os:getpid(), "beamscope"]),
    Ebin = filename:join(Tmp, "ebin"),
    ok = filelib:ensure_dir(filename:join(Ebin, "x")),
    ok = filelib:ensure_dir(filename:join([Tmp, "priv", "x"])),
    [{ok, _} = file:copy(F, filename:join(Ebin, filename:basename(F)))
     || F <- filelib:wildcard(filename:join(Real, "*"))],
    %% A file that is not a shared object, where the NIF should be.
    ok = file:write_file(filename:join([Tmp, "priv", "beamscope_nif.so"]), <<"not an ELF file">>),
    true = code:del_path(Real),
    true = code:add_patha(Ebin),
    ?assertEqual(filename:join(Tmp, "priv"), code:priv_dir(beamscope)),
    Result = beamscope_test_util:start_agent([]),
    ?assertMatch({error, {beamscope, {{nif_not_loaded, _}, {beamscope_app, start, _}}}}, Result),
    ?assertNot(lists:keymember(beamscope, 1, application:which_applications())),
    ?assert(is_process_alive(whereis(kernel_sup))),
    ok = file:del_dir_r(filename:dirname(Tmp)).
