%% @doc The event ring: restart, crash and system_monitor events with
%% increasing ids, at most 256 kept and at most 200 admitted a second
%% (a token bucket; the rest are dropped, counted and published as
%% tree_stats.events_dropped, beamscope_agent_events_dropped_total). Owns the logger
%% handler of beamscope_restarts and, when allowed, the node's
%% system_monitor slot: app env `system_monitor' = auto (take it only when
%% erlang:system_monitor() is undefined), off, or force. Whatever it
%% installed it removes in terminate/2, so stopping the application leaves
%% no handler and no system_monitor of ours behind.
-module(beamscope_events).
-behaviour(gen_server).

-export([start_link/1, add/1, cleanup/0, snapshot/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2]).

-define(RING, 256).
-define(RATE, 200).          % events admitted a second
-define(PUBLISH_MS, 100).    % coalesce bursts into one publish (each copies the ring)

-record(state, {ring = queue:new() :: queue:queue(map()),
                size = 0 :: non_neg_integer(),
                next_id = 1 :: pos_integer(),
                tokens = ?RATE :: number(),
                refilled :: integer(),
                dropped = 0 :: non_neg_integer(),
                monitor = false :: boolean(),
                counters = #{} :: #{atom() => non_neg_integer()},
                pending = false :: boolean()}).

%% @doc Starts the ring (registered as beamscope_events) with the agent's
%% validated config (system_monitor, long_schedule_ms, mailbox_alarm).
-spec start_link(beamscope_config:config()) -> gen_server:start_ret().
start_link(Config) ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, Config, []).

%% @doc Adds an event map (kind, time_us, supervisor, child, pid, reason,
%% detail; binaries). Asynchronous; dropped when beamscope_events is not running.
-spec add(map()) -> ok.
add(Event) ->
    case whereis(?MODULE) of
        undefined -> ok;
        Pid -> Pid ! {beamscope_event, Event}, ok
    end.

%% @doc Removes the logger handler and gives back the system_monitor slot
%% when this server held it. Safe to call any time (app stop, detach).
-spec cleanup() -> ok.
cleanup() ->
    beamscope_restarts:remove_handler(),
    case erlang:system_monitor() of
        {Pid, _} when Pid =:= self() -> _ = erlang:system_monitor(undefined), ok;
        {Pid, _} ->
            case whereis(?MODULE) of
                Pid -> _ = erlang:system_monitor(undefined), ok;
                _ -> ok
            end;
        _ -> ok
    end.

%% @doc The ring (oldest first), the monitor counters and dropped count.
-spec snapshot() -> {[map()], map(), non_neg_integer()}.
snapshot() ->
    gen_server:call(?MODULE, snapshot, 5000).

init(Config) ->
    process_flag(trap_exit, true),
    ok = beamscope_restarts:add_handler(),
    Monitor = take_monitor(maps:get(system_monitor, Config), maps:get(long_schedule_ms, Config),
                           maps:get(mailbox_alarm, Config)),
    S = #state{refilled = erlang:monotonic_time(millisecond), monitor = Monitor},
    %% Published at once, not at the first event, and before the
    %% application's start returns: a quiet node's first scrape already
    %% has beamscope_monitor_enabled and zero counters. A sampler too busy
    %% to answer within 5 s gets it with the next tick instead.
    try beamscope_sampler:publish_events_now([], monitor_map(S))
    catch exit:_ -> beamscope_sampler:publish_events([], monitor_map(S), false)
    end,
    {ok, S}.

%% Never take the slot from another owner unless told to (force).
take_monitor(off, _LongSchedule, _Alarm) -> false;
take_monitor(Mode, LongSchedule, Alarm) ->
    case {Mode, erlang:system_monitor()} of
        {auto, {_Other, _}} ->
            logger:notice("beamscope: system_monitor is held by another process; not taken "
                          "(set beamscope system_monitor to force to take it)"),
            false;
        _ ->
            %% long_schedule only on request: it times every context switch.
            Schedule = [{long_schedule, LongSchedule} || is_integer(LongSchedule)],
            _ = erlang:system_monitor(self(), [{long_gc, 100}, {large_heap, 16#1000000},
                                                busy_port, busy_dist_port | Schedule ++ queue_alarm(Alarm)]),
            true
    end.

%% OTP 27+ tells when a mailbox crosses the alarm (and when it falls back
%% under half of it): instant detection, the sweep stays the ground truth.
%% OTP 25 and 26 have no such monitor; the sweep is all there is.
queue_alarm(Alarm) ->
    case list_to_integer(erlang:system_info(otp_release)) >= 27 of
        true -> [{long_message_queue, {max(1, Alarm div 2), Alarm}}];
        false -> []
    end.

handle_call(snapshot, _From, S) ->
    {reply, {queue:to_list(S#state.ring), monitor_map(S), S#state.dropped}, S};
handle_call(_Other, _From, S) ->
    {reply, {error, unknown_call}, S}.

handle_cast(_Msg, S) ->
    {noreply, S}.

handle_info({beamscope_event, Event}, S) when is_map(Event) ->
    {noreply, admit(Event, S)};
handle_info({monitor, Who, Kind, Info}, #state{counters = C} = S)
  when Kind =:= long_gc; Kind =:= large_heap; Kind =:= long_schedule;
       Kind =:= busy_port; Kind =:= busy_dist_port ->
    S1 = S#state{counters = C#{Kind => maps:get(Kind, C, 0) + 1}},
    {noreply, admit(#{kind => Kind, pid => who(Who), detail => detail(Kind, Info),
                      time_us => erlang:system_time(microsecond)}, S1)};
handle_info({monitor, Pid, long_message_queue, Long}, #state{counters = C} = S)
  when is_pid(Pid), is_boolean(Long) ->
    beamscope_sampler:alarm(Pid, Long),
    case Long of
        true ->
            S1 = S#state{counters = C#{long_message_queue => maps:get(long_message_queue, C, 0) + 1}},
            {noreply, admit(#{kind => long_message_queue, pid => who(Pid),
                              detail => <<"mailbox over the alarm">>,
                              time_us => erlang:system_time(microsecond)}, S1)};
        false ->
            {noreply, S}
    end;
handle_info(publish, S) ->
    beamscope_sampler:publish_events(queue:to_list(S#state.ring), monitor_map(S), true),
    {noreply, S#state{pending = false}};
handle_info(_Other, S) ->
    {noreply, S}.

terminate(_Reason, _S) ->
    cleanup().

%% Token bucket: refill by elapsed time, one token an event.
admit(Event, #state{tokens = Tokens0, refilled = Then} = S) ->
    Now = erlang:monotonic_time(millisecond),
    Tokens = min(?RATE, Tokens0 + (Now - Then) * ?RATE / 1000),
    case Tokens >= 1 of
        false ->
            schedule_publish(S#state{tokens = Tokens, refilled = Now, dropped = S#state.dropped + 1});
        true ->
            E = Event#{id => S#state.next_id},
            {Ring, Size} = case S#state.size >= ?RING of
                               true -> {queue:in(E, queue:drop(S#state.ring)), S#state.size};
                               false -> {queue:in(E, S#state.ring), S#state.size + 1}
                           end,
            schedule_publish(S#state{ring = Ring, size = Size, next_id = S#state.next_id + 1,
                                     tokens = Tokens - 1, refilled = Now})
    end.

schedule_publish(#state{pending = true} = S) -> S;
schedule_publish(S) ->
    erlang:send_after(?PUBLISH_MS, self(), publish),
    S#state{pending = true}.

monitor_map(#state{monitor = On, counters = C, dropped = D}) ->
    maps:merge(#{enabled => On, events_dropped => D}, C).

who(P) when is_pid(P); is_port(P) -> text(P);
who(_) -> <<>>.

text(P) when is_pid(P) -> list_to_binary(pid_to_list(P));
text(P) when is_port(P) -> list_to_binary(erlang:port_to_list(P)).

detail(long_gc, Info) when is_list(Info) -> ms(timeout, Info);
detail(long_schedule, Info) when is_list(Info) -> ms(timeout, Info);
detail(large_heap, Info) when is_list(Info) ->
    <<"heap_size ", (integer_to_binary(num(heap_size, Info)))/binary, " words">>;
detail(Kind, Port) when Kind =:= busy_port; Kind =:= busy_dist_port, is_port(Port) ->
    <<"port ", (text(Port))/binary>>;
detail(_, _) -> <<>>.

ms(Key, Info) -> <<(atom_to_binary(Key))/binary, " ", (integer_to_binary(num(Key, Info)))/binary, " ms">>.

num(Key, Info) ->
    case lists:keyfind(Key, 1, Info) of
        {_, N} when is_integer(N) -> N;
        _ -> 0
    end.
