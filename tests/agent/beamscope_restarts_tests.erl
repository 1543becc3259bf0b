%% EUnit, pure: beamscope_restarts:prune/3 keeps what the walk saw (and
%% what it could not list), forgets the rest, and never lowers a
%% supervisor's total; its child entries stay bounded under churn.
-module(beamscope_restarts_tests).
-include_lib("eunit/include/eunit.hrl").

-define(R, beamscope_restarts).

restart(T) -> #{time_us => T, reason => <<"killed">>, old_pid => <<"<0.1.0>">>, new_pid => <<>>}.

set(Paths) -> maps:from_list([{P, true} || P <- Paths]).

recorded() ->
    R0 = ?R:record(<<"a/sup">>, <<"a/sup/w1">>, restart(1), ?R:new()),
    R1 = ?R:record(<<"a/sup">>, <<"a/sup/w2">>, restart(2), R0),
    R2 = ?R:record(<<"a/sup">>, <<"a/sup/w2">>, restart(3), R1),
    ?R:record(<<"a/sup/pool">>, <<"a/sup/pool/*">>, restart(4), R2).

removed_child_keeps_supervisor_total_test() ->
    R = recorded(),
    ?assertEqual(3, ?R:sup_total(<<"a/sup">>, R)),
    %% w2 is gone from the walk; the pool and w1 are still there.
    P = ?R:prune(set([<<"a">>, <<"a/sup">>, <<"a/sup/w1">>, <<"a/sup/pool">>]), #{}, R),
    ?assertEqual({0, []}, ?R:child(<<"a/sup/w2">>, P)),
    ?assertMatch({1, [_]}, ?R:child(<<"a/sup/w1">>, P)),
    ?assertEqual(3, ?R:sup_total(<<"a/sup">>, P)),
    %% simple_one_for_one children share Sup/*: kept while the supervisor is.
    ?assertMatch({1, [_]}, ?R:child(<<"a/sup/pool/*">>, P)),
    ?assertEqual(2, ?R:size(P)).

removed_supervisor_forgotten_test() ->
    P = ?R:prune(set([<<"a">>]), #{}, recorded()),
    ?assertEqual(0, ?R:size(P)),
    ?assertEqual(0, ?R:sup_total(<<"a/sup">>, P)),
    ?assertEqual(0, ?R:sup_in_period(<<"a/sup">>, 1000000, P)).

unlisted_children_kept_test() ->
    %% The supervisor did not answer this walk (or was summarised to a
    %% page): what is below it is not known to be gone.
    R = recorded(),
    P = ?R:prune(set([<<"a">>, <<"a/sup">>]), set([<<"a/sup">>]), R),
    ?assertEqual(?R:size(R), ?R:size(P)),
    ?assertEqual(3, ?R:sup_total(<<"a/sup">>, P)).

bounded_under_churn_test() ->
    %% 30,000 distinct children restarted under a supervisor that is only
    %% ever summarised: at most 10,000 entries stay, the total stays right.
    %% A walk (and its prune) every 1,000 restarts.
    R = lists:foldl(fun(I, Acc) ->
                            Acc1 = ?R:record(<<"a/big">>, <<"a/big/", (integer_to_binary(I))/binary>>,
                                             restart(I), Acc),
                            case I rem 1000 of
                                0 -> ?R:prune(set([<<"a">>, <<"a/big">>]), set([<<"a/big">>]), Acc1);
                                _ -> Acc1
                            end
                    end, ?R:new(), lists:seq(1, 30000)),
    ?assertEqual(10000, ?R:size(R)),
    ?assertEqual(30000, ?R:sup_total(<<"a/big">>, R)),
    %% The newest are the ones kept.
    ?assertMatch({1, _}, ?R:child(<<"a/big/30000">>, R)),
    ?assertEqual({0, []}, ?R:child(<<"a/big/1">>, R)).
