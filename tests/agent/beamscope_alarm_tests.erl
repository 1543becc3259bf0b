%% EUnit, real node: mailbox alarms. On OTP 27+ the agent asks the VM for
%% long_message_queue monitor messages (within the system_monitor slot it
%% holds); a flagged process joins the hot set at once, ahead of the sweep,
%% and leaves when the VM says its queue is back under the lower bound.
%% On 27+ the VM's own monitor is what is tested: a process is filled past
%% the alarm, drained to between the bounds (still hot), then below the
%% lower one (gone); nothing is sent by hand. On OTP 25 and 26, which have
%% no such monitor, the subscription is checked to be absent and the VM's
%% message is sent by hand to check the agent's reaction to it.
-module(beamscope_alarm_tests).
-include_lib("eunit/include/eunit.hrl").

-define(U, beamscope_test_util).

alarm_test_() ->
    {setup, fun setup/0, fun cleanup/1,
     {inorder, [{timeout, 60, fun subscription_follows_the_release/0},
                {timeout, 60, fun alarmed_process_is_hot_at_once/0}
                | case has_monitor() of
                      true -> [{timeout, 60, fun vm_monitor_alarms_and_clears/0}];
                      false -> [{timeout, 60, fun vm_message_becomes_an_event/0}]
                  end]}}.

%% The release has the long_message_queue system monitor (OTP 27+).
has_monitor() ->
    list_to_integer(erlang:system_info(otp_release)) >= 27.

%% Regular ticks 10 s apart: a process published within a few seconds of
%% its alarm was published by the early tick the alarm asked for (no wall
%% clock bound, which a sanitizer build would stretch). The alarm is at 40
%% messages, its lower bound (the VM's "back under") at 20.
setup() ->
    {ok, _} = ?U:start_agent([{tick_ms, 10000}, {top_k, 3}, {mailbox_alarm, 40}]),
    %% Ten processes with 1,000 messages each fill the top-K by mailbox
    %% (on 27+ the VM alarms each of them too).
    Loud = [filled(1000) || _ <- lists:seq(1, 10)],
    %% Under the alarm: the VM never flags it.
    Quiet = filled(30),
    true = ?U:wait(fun() -> maps:get(sweeps_total, beamscope_sampler:sweep_stats()) >= 2 end, 10000),
    {Loud, Quiet}.

cleanup({Loud, Quiet}) ->
    [exit(P, kill) || P <- [Quiet | Loud]],
    ok = ?U:stop_agent().

subscription_follows_the_release() ->
    {Holder, Opts} = erlang:system_monitor(),
    ?assertEqual(whereis(beamscope_events), Holder),
    ?assertEqual(has_monitor(), lists:keymember(long_message_queue, 1, Opts)),
    [?assertEqual({long_message_queue, {20, 40}}, lists:keyfind(long_message_queue, 1, Opts))
     || has_monitor()].

alarmed_process_is_hot_at_once() ->
    Quiet = quiet(),
    %% 30 messages, idle, unnamed: not hot on its own.
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

%% OTP 27+: the VM's own monitor message, nothing sent by hand. A process
%% filled past the alarm is published within one tick (the early tick),
%% counted and logged as an event; drained to between the bounds it stays
%% hot; drained below the lower bound it is gone from the next tick on.
vm_monitor_alarms_and_clears() ->
    P = drainable(),
    ok = beamscope_sampler:tick_now(),
    ?assertNot(lists:member(text(P), published())),
    N0 = lmq_count(),
    T0 = erlang:monotonic_time(millisecond),
    [P ! {filler, I} || I <- lists:seq(1, 41)],
    ?assert(?U:wait(fun() -> lists:member(text(P), published()) end, 5000)),
    Ms = erlang:monotonic_time(millisecond) - T0,
    io:format(user, "~nVM-alarmed process published in ~b ms (ticks 10000 ms apart)~n", [Ms]),
    ?assert(Ms < 10000),
    ?assertEqual(N0 + 1, lmq_count()),
    {Events, _, _} = beamscope_events:snapshot(),
    ?assert(lists:any(fun(#{kind := K, pid := Pid}) -> K =:= long_message_queue andalso Pid =:= text(P) end,
                      Events)),
    %% 25 left: under the alarm but over the lower bound, still alarmed.
    ok = drain(P, 16),
    ?assertEqual({message_queue_len, 25}, process_info(P, message_queue_len)),
    ok = beamscope_sampler:tick_now(),
    ?assert(lists:member(text(P), published())),
    %% 19 left: the VM says it is back under; the sampler hears it through
    %% beamscope_events, so wait for that, ticking.
    ok = drain(P, 6),
    ?assert(?U:wait(fun() ->
                           ok = beamscope_sampler:tick_now(),
                           not lists:member(text(P), published())
                   end, 5000)),
    ?assertEqual(N0 + 1, lmq_count()),
    exit(P, kill).

%% OTP 25/26 (no such monitor): what OTP 27's system_monitor sends its
%% holder, sent by hand.
vm_message_becomes_an_event() ->
    Quiet = quiet(),
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

%% Takes {filler, _} messages out of its mailbox when told how many.
drainable() ->
    spawn(fun Loop() ->
                  receive
                      {drain, K, From} ->
                          [receive {filler, _} -> ok end || _ <- lists:seq(1, K)],
                          From ! {drained, self()},
                          Loop()
                  end
          end).

drain(P, K) ->
    P ! {drain, K, self()},
    receive {drained, P} -> ok after 5000 -> timeout end.

%% long_message_queue messages beamscope_events has had (alarms only).
lmq_count() ->
    {_, Monitor, _} = beamscope_events:snapshot(),
    maps:get(long_message_queue, Monitor, 0).

%% The 30-message process of setup/0: the only one with that mailbox.
quiet() ->
    [P] = [P || P <- processes(), P =/= self(),
                {message_queue_len, 30} =:= erlang:process_info(P, message_queue_len)],
    P.

snapshot() -> ?U:snapshot().

published() -> maps:get(processes, snapshot()).

text(P) -> list_to_binary(pid_to_list(P)).
