%% EUnit, real node: mailbox alarms. On OTP 27+ the agent asks the VM for
%% long_message_queue monitor messages (within the system_monitor slot it
%% holds); a flagged process joins the hot set at once, ahead of the sweep,
%% and leaves when the VM says its queue is back under. This node runs
%% OTP 25, which has no such monitor: the subscription is checked to be
%% absent, and the VM's message is sent by hand to check the reaction.
-module(beamscope_alarm_tests).
-include_lib("eunit/include/eunit.hrl").

-define(U, beamscope_test_util).

alarm_test_() ->
    {setup, fun setup/0, fun cleanup/1,
     {inorder, [{timeout, 60, fun subscription_follows_the_release/0},
                {timeout, 60, fun alarmed_process_is_hot_at_once/0},
                {timeout, 60, fun vm_message_becomes_an_event/0}]}}.

%% Regular ticks 10 s apart: a process published within a few seconds of
%% its alarm was published by the early tick the alarm asked for (no wall
%% clock bound, which a sanitizer build would stretch).
setup() ->
    {ok, _} = ?U:start_agent([{tick_ms, 10000}, {top_k, 3}, {mailbox_alarm, 40}]),
    %% Ten processes with 1,000 messages each fill the top-K by mailbox.
    Loud = [filled(1000) || _ <- lists:seq(1, 10)],
    Quiet = filled(50),
    true = ?U:wait(fun() -> maps:get(sweeps_total, beamscope_sampler:sweep_stats()) >= 2 end, 10000),
    {Loud, Quiet}.

cleanup({Loud, Quiet}) ->
    [exit(P, kill) || P <- [Quiet | Loud]],
    ok = ?U:stop_agent().

subscription_follows_the_release() ->
    {Holder, Opts} = erlang:system_monitor(),
    ?assertEqual(whereis(beamscope_events), Holder),
    Wanted = list_to_integer(erlang:system_info(otp_release)) >= 27,
    ?assertEqual(Wanted, lists:keymember(long_message_queue, 1, Opts)).

alarmed_process_is_hot_at_once() ->
    Quiet = quiet(),
    %% 50 messages, idle, unnamed: not hot on its own.
    ok = beamscope_sampler:tick_now(),
    ?assertNot(lists:member(text(Quiet), published())),
    T0 = erlang:monotonic_time(millisecond),
    ok = beamscope_sampler:alarm(Quiet, true),
    ?assert(?U:wait(fun() -> lists:member(text(Quiet), published()) end, 5000)),
    io:format(user, "~nalarmed process published in ~b ms~n", [erlang:monotonic_time(millisecond) - T0]),
    %% Back under: gone from the next tick on.
    ok = beamscope_sampler:alarm(Quiet, false),
    ok = beamscope_sampler:tick_now(),
    ?assertNot(lists:member(text(Quiet), published())).

vm_message_becomes_an_event() ->
    Quiet = quiet(),
    %% What OTP 27's system_monitor sends its holder when a queue grows.
    beamscope_events ! {monitor, Quiet, long_message_queue, true},
    ?assert(?U:wait(fun() -> lists:member(text(Quiet), published()) end, 5000)),
    ?assert(?U:wait(fun() ->
                           #{events := Events, monitor := #{long_message_queue := N}} = snapshot(),
                           N =:= 1 andalso
                               lists:any(fun(#{kind := K, pid := P}) ->
                                                 K =:= long_message_queue andalso P =:= text(Quiet)
                                         end, Events)
                   end, 5000)),
    beamscope_events ! {monitor, Quiet, long_message_queue, false},
    %% The sampler hears it through beamscope_events: wait for that, then tick.
    ?assert(?U:wait(fun() ->
                           ok = beamscope_sampler:tick_now(),
                           not lists:member(text(Quiet), published())
                   end, 5000)).

%% --- helpers ----------------------------------------------------------------

filled(N) ->
    P = spawn(fun() -> receive never_sent -> ok end end),
    [P ! {filler, I} || I <- lists:seq(1, N)],
    P.

%% The 50-message process of setup/0: the only one with that mailbox.
quiet() ->
    [P] = [P || P <- processes(), P =/= self(),
                {message_queue_len, 50} =:= erlang:process_info(P, message_queue_len)],
    P.

snapshot() -> ?U:snapshot().

published() -> maps:get(processes, snapshot()).

text(P) -> list_to_binary(pid_to_list(P)).
