%% @doc The sampler: owns the NIF state and, every tick_ms (on absolute
%% deadlines, so ticks do not drift), takes the VM gauges, samples the hot
%% set and publishes. Between ticks it sweeps the process table in chunks
%% paced by the CPU budget (beamscope_pacer): the sweep period follows
%% from the number of processes and the budget.
%% It never waits on the network: publishing only queues a frame for the
%% NIF's own I/O thread.
-module(beamscope_sampler).
-behaviour(gen_server).

-export([start_link/1, stats/0, sweep_stats/0, tick_now/0, publish_tree/3, publish_events/3, publish_events_now/2,
         nif_ref/0, charge/1, charge_requested/1, alarm/2]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2]).

%% Processes the VM flagged with a long message queue, sampled every tick.
-define(MAX_ALARMED, 64).

%% The NIF's threads (stream I/O with libzmq's, /metrics) are not the VM's
%% schedulers, but they share its cores, so the budget covers them too,
%% in two parts. Answering Hellos stops while those threads have spent
%% VIEWER_SHARE of the budget in the last second (the stream server's
%% CpuBound; frames already streaming are never held). Of what they
%% spend, at most THREADS_CHARGED_SHARE of the budget is taken from the
%% sweep's credit; the rest is reported (threads_over_share_us), so
%% however many viewers come, the sweep keeps three quarters of its
%% quiet pace, less the ticks.
-define(VIEWER_SHARE, 0.5).
%% A tick's units for its cheapest cost (beamscope_cost:cap_by_best/3): the
%% hot processes it sampled, plus this many for what every tick does
%% (gauges, the publish), about 20 processes' worth at 1.3 ms a tick.
-define(TICK_FIXED_UNITS, 20).
-define(THREADS_CHARGED_SHARE, 0.25).

%% The least credit (us) a slice waits for: several chunks a wake-up.
-define(SLICE_US, 4000).
%% How long a start retries a port that is in use: a sampler restarted
%% after being killed finds it held by its predecessor's NIF state until
%% the processes that held that state (the pager, the inspector) have
%% let it go, a moment later.
-define(REBIND_MS, 2000).
-define(REBIND_RETRY_MS, 100).

%% An urgent change (a restart, an alarm) publishes early: 20 ms after it,
%% but never sooner than 250 ms after the last tick, and (but for a
%% mailbox alarm) only while the budget has credit: a storm of them costs
%% at most four extra ticks a second, none once the agent is over its
%% budget (ticks are charged to the budget the sweep lives on; the regular
%% tick still publishes).
-define(EARLY_MS, 20).
-define(EARLY_GAP_MS, 250).

-record(state, {config :: beamscope_config:config(),
                ref :: reference() | undefined,
                wall :: beamscope_gauges:wall_time(),
                timer :: reference() | undefined,
                early = false :: boolean(),
                sweep :: beamscope_sweep:sweep() | undefined,
                pacer :: beamscope_pacer:pacer() | undefined,
                hot = beamscope_hot:new() :: beamscope_hot:hot(),
                next_tick = 0 :: integer(),          % monotonic ms
                last_tick = 0 :: integer(),          % monotonic ms, start of the last tick
                slice_timer :: reference() | undefined,
                last_cost_us = 0 :: non_neg_integer(),
                tick_avg_us :: beamscope_cost:average(),     % a tick's CPU, averaged (beamscope_cost)
                tick_us_best :: beamscope_cost:best(),       % a tick's cost per unit (TICK_FIXED_UNITS), cheapest seen
                thread_cpu_us = 0 :: non_neg_integer(),     % the NIF threads', seen so far
                threads_at :: integer() | undefined,         % monotonic us of that reading
                threads_over_us = 0 :: non_neg_integer(),    % their CPU beyond THREADS_CHARGED_SHARE, not charged
                alarmed = #{} :: #{pid() => true},           % long_message_queue, until it clears
                sups = [] :: [pid()],                         % the last published tree's supervisors
                naming :: beamscope_gauges:naming()}).        % node_name, its host read once

%% @doc Starts the sampler; fails with `{start_failed, Binary}` when the NIF
%% cannot bind its endpoints.
-spec start_link(beamscope_config:config()) -> gen_server:start_ret().
start_link(Config) ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, Config, []).

%% @doc The NIF's counters (beamscope_nif:stats/1). Cost: one call.
-spec stats() -> map().
stats() ->
    gen_server:call(?MODULE, stats).

%% @doc The sweep's and the budget's figures (tests, benchmarks): the
%% NIF's sweep_stats/1 plus cost_ratio, budget_ratio, credit_us,
%% charged_total_us, chunk_us_max, list_us and guarded_total. Cost: O(K).
-spec sweep_stats() -> map().
sweep_stats() ->
    gen_server:call(?MODULE, sweep_stats).

%% @doc Finishes the sweep under way, sweeps every process once more,
%% unpaced, then runs one tick and returns (tests, ctl attach). Cost: one
%% or two full sweeps.
-spec tick_now() -> ok.
tick_now() ->
    gen_server:call(?MODULE, tick_now, 60000).

%% @doc Hands the supervision tree (beamscope_tree) to the NIF; it goes out
%% with the next tick, or within ~20 ms when `Urgent' (a restart).
%% Asynchronous: the caller never waits on the sampler.
-spec publish_tree([map()], map(), boolean()) -> ok.
publish_tree(Nodes, Stats, Urgent) ->
    gen_server:cast(?MODULE, {publish_tree, Nodes, Stats, Urgent}).

%% @doc Hands the event ring and monitor counters (beamscope_events) to the
%% NIF, like publish_tree/3.
-spec publish_events([map()], map(), boolean()) -> ok.
publish_events(Events, Monitor, Urgent) ->
    gen_server:cast(?MODULE, {publish_events, Events, Monitor, Urgent}).

%% @doc Like publish_events/3, and publishes at once, before it returns:
%% beamscope_events calls it from its init, so that the state published
%% by the time the application has started already holds the monitor
%% counters (a quiet node's first scrape has beamscope_monitor_*).
%% Cost: one call and one tick.
-spec publish_events_now([map()], map()) -> ok.
publish_events_now(Events, Monitor) ->
    gen_server:call(?MODULE, {publish_events_now, Events, Monitor}, 5000).

%% @doc The NIF state and the sampler's pid (beamscope_pager answers
%% viewers through it). Cost: one call.
-spec nif_ref() -> {ok, reference(), pid()}.
nif_ref() ->
    gen_server:call(?MODULE, nif_ref, 5000).

%% @doc Charges `Us' microseconds of the agent's own work done elsewhere
%% (the tree walk) to the budget. Asynchronous.
-spec charge(non_neg_integer()) -> ok.
charge(Us) when is_integer(Us), Us >= 0 ->
    gen_server:cast(?MODULE, {charge, Us, full}).

%% @doc Charges work a viewer asked for (a children page) to the budget,
%% but never into more than one second's worth of debt: a burst of pages
%% delays the sweep, it does not stop it. Asynchronous.
-spec charge_requested(non_neg_integer()) -> ok.
charge_requested(Us) when is_integer(Us), Us >= 0 ->
    gen_server:cast(?MODULE, {charge, Us, bounded}).

%% @doc A process whose mailbox crossed the alarm (`true`, from the VM's
%% long_message_queue monitor on OTP 27+) joins the hot set at once, ahead
%% of the sweep, and publishes early; `false` (back under) lets it go. At
%% most 64 are followed this way. Asynchronous.
-spec alarm(pid(), boolean()) -> ok.
alarm(Pid, Long) when is_pid(Pid), is_boolean(Long) ->
    gen_server:cast(?MODULE, {alarm, Pid, Long}).

init(Config) ->
    %% trap exits so terminate/2 runs on shutdown and stops the NIF.
    process_flag(trap_exit, true),
    _ = beamscope_gauges:enable_wall_time(),
    #{budget := Budget} = Config,
    %% Viewers' share of the budget (VIEWER_SHARE): the stream server
    %% answers Hellos only while its threads stay within it.
    ViewerCpu = round(Budget * erlang:system_info(schedulers_online) * 1.0e6 * ?VIEWER_SHARE),
    NifConfig = (maps:with([stream_endpoint, collector_endpoints, metrics_listen, top_k, metrics_auth, metrics_tls,
                            stream_secret_key_file, stream_authorized_keys_file, stream_insecure_remote,
                            stream_max_viewers, history_s, tick_ms, mailbox_alarm], Config))#{stream_viewer_cpu_us => ViewerCpu},
    case start_nif(NifConfig, erlang:monotonic_time(millisecond) + ?REBIND_MS) of
        {ok, Ref} ->
            warn_if_plaintext_remote(Ref, Config),
            {_, Wall} = beamscope_gauges:sample(undefined),
            State = #state{config = Config, ref = Ref, wall = Wall,
                           naming = beamscope_gauges:naming(maps:get(node_name, Config)),
                           sweep = beamscope_sweep:new(Ref),
                           pacer = beamscope_pacer:new(Budget, erlang:system_info(schedulers_online)),
                           next_tick = erlang:monotonic_time(millisecond)},
            {ok, schedule_slice(schedule(State, 0), 1)};
        {error, Why} ->
            beamscope_gauges:disable_wall_time(),
            {stop, {start_failed, Why}}
    end.

handle_call(stats, _From, #state{ref = Ref} = S) ->
    {reply, beamscope_nif:stats(Ref), S};
handle_call(tick_now, _From, #state{sweep = Sw} = S) ->
    {reply, ok, tick(S#state{sweep = beamscope_sweep:full(Sw)})};
handle_call(sweep_stats, _From, #state{ref = Ref} = S) ->
    {reply, maps:merge(beamscope_nif:sweep_stats(Ref), sweep_figures(S)), S};
handle_call({publish_events_now, Events, Monitor}, _From, #state{ref = Ref} = S) ->
    case beamscope_nif:publish_events(Ref, Events, Monitor) of
        ok -> {reply, ok, tick(S)};
        Error -> {reply, Error, S}
    end;
handle_call(nif_ref, _From, #state{ref = Ref} = S) ->
    {reply, {ok, Ref, self()}, S};
%% Asked by the agents of other nodes of the cluster (beamscope_peers).
handle_call(stream_identity, _From, #state{ref = Ref, naming = Naming} = S) ->
    {reply, (beamscope_nif:stream_identity(Ref))#{node => beamscope_gauges:node_name(Naming)}, S};
handle_call(_Other, _From, S) ->
    {reply, {error, unknown_call}, S}.

%% publish_tree (a dirty NIF) measures its own CPU time, charged with the
%% next tick's thread_cpu_us; publish_events is a small normal NIF.
handle_cast({publish_tree, Nodes, Stats, Urgent}, #state{ref = Ref} = S) ->
    Sups = [P || #{kind := supervisor, pid := P} <- Nodes, is_pid(P)],
    {noreply, early(beamscope_nif:publish_tree(Ref, Nodes, Stats), Urgent, S#state{sups = Sups})};
handle_cast({publish_events, Events, Monitor, Urgent}, #state{ref = Ref} = S) ->
    Mark = beamscope_cost:start(),
    {noreply, charged(Mark, early(beamscope_nif:publish_events(Ref, Events, Monitor), Urgent, S))};
handle_cast({charge, Us, full}, #state{pacer = P} = S) when is_integer(Us), Us >= 0 ->
    {noreply, S#state{pacer = beamscope_pacer:charge(P, Us)}};
handle_cast({charge, Us, bounded}, #state{pacer = P, config = #{budget := Budget}} = S) when is_integer(Us) ->
    Floor = -Budget * erlang:system_info(schedulers_online) * 1.0e6,
    Charged = max(0, min(Us, round(beamscope_pacer:credit(P) - Floor))),
    {noreply, S#state{pacer = beamscope_pacer:charge(P, Charged)}};
handle_cast({peer_agents, Peers}, #state{ref = Ref} = S) when is_list(Peers) ->
    _ = beamscope_nif:set_peer_agents(Ref, Peers),
    {noreply, S};
handle_cast({alarm, P, true}, #state{alarmed = A} = S) when map_size(A) < ?MAX_ALARMED ->
    {noreply, early(ok, alarm, S#state{alarmed = A#{P => true}})};
handle_cast({alarm, P, false}, #state{alarmed = A} = S) ->
    {noreply, S#state{alarmed = maps:remove(P, A)}};
handle_cast(_Msg, S) ->
    {noreply, S}.

charged(Mark, #state{pacer = P} = S) ->
    S#state{pacer = beamscope_pacer:charge(P, beamscope_cost:us(Mark))}.

%% One early tick for a burst of urgent changes (EARLY_MS, EARLY_GAP_MS).
%% A mailbox alarm gets it even over budget: alarms are few (MAX_ALARMED,
%% and the gap still bounds the ticks), and a filling mailbox is what the
%% agent is there to show at once; restarts and events wait for credit.
early(ok, Urgent, #state{early = false, last_tick = Last, pacer = P} = S) when Urgent =/= false ->
    case Urgent =:= alarm orelse beamscope_pacer:credit(P) >= 0 of
        true ->
            After = max(?EARLY_MS, Last + ?EARLY_GAP_MS - erlang:monotonic_time(millisecond)),
            erlang:send_after(After, self(), early_tick),
            S#state{early = true};
        false ->
            S
    end;
early(ok, _Urgent, S) ->
    S;
early(Error, _Urgent, S) ->
    logger:warning("beamscope: tree/events not stored: ~0tP", [Error, 10]),
    S.

handle_info(early_tick, S) ->
    {noreply, tick(S#state{early = false})};
handle_info(tick, S) ->
    {noreply, schedule(tick(S#state{timer = undefined}), tick_ms(S))};
handle_info(slice, S) ->
    {noreply, slice(S#state{slice_timer = undefined})};
%% From the stream's I/O thread: refused viewer keys (at most once a
%% minute), an authorized-keys file that became unreadable or malformed.
handle_info({beamscope_warning, Text}, S) when is_binary(Text) ->
    logger:warning("beamscope: ~ts", [Text]),
    {noreply, S};
handle_info(_Other, S) ->
    {noreply, S}.

%% stream_insecure_remote lets the stream out in plaintext: say so at every
%% start, so the choice stays visible in the node's log.
warn_if_plaintext_remote(Ref, #{stream_endpoint := Endpoint}) ->
    case beamscope_nif:stats(Ref) of
        #{stream_plaintext_remote := true} ->
            logger:warning("beamscope: the stream ~ts is served in PLAINTEXT to other machines "
                           "(stream_insecure_remote is true): anyone who reaches it reads this node's "
                           "processes and tree; see SECURITY.md to set up CURVE keys", [Endpoint]);
        _ ->
            ok
    end.

start_nif(NifConfig, Deadline) ->
    case beamscope_nif:start(NifConfig) of
        {error, Why} = Error when is_binary(Why) ->
            InUse = binary:match(Why, <<"in use">>) =/= nomatch,
            case InUse andalso erlang:monotonic_time(millisecond) < Deadline of
                true ->
                    timer:sleep(?REBIND_RETRY_MS),
                    start_nif(NifConfig, Deadline);
                false ->
                    Error
            end;
        Other ->
            Other
    end.

terminate(_Reason, #state{ref = Ref}) ->
    _ = beamscope_nif:stop(Ref),
    beamscope_gauges:disable_wall_time(),
    ok.

tick_ms(#state{config = #{tick_ms := T}}) -> T.

%% The next tick is due `Period` ms after the previous deadline, not after
%% the end of the last tick; deadlines missed while busy are skipped.
schedule(#state{timer = undefined, next_tick = Due0} = S, Period) ->
    Now = erlang:monotonic_time(millisecond),
    Due = case Due0 + Period of
              D when D >= Now -> D;
              D -> D + ((Now - D) div max(Period, 1) + 1) * Period
          end,
    S#state{timer = erlang:send_after(Due, self(), tick, [{abs, true}]), next_tick = Due};
schedule(S, _Period) ->
    S.

%% Sweeps while there is credit, then sleeps until the next chunk's
%% estimated cost, and at least SLICE_US, is earned back. Every wake-up
%% costs the node more than the agent can charge (the scheduler wakes,
%% then spins idle before it sleeps again: ~0.1 ms, ~0.4 pp of capacity
%% at 50 wake-ups a second), so the chunks come in few, larger slices.
slice(#state{sweep = Sw, pacer = P0} = S) ->
    P1 = beamscope_pacer:refill(P0, erlang:monotonic_time(microsecond)),
    {Sw1, P2} = case beamscope_pacer:credit(P1) of
                    C when C > 0 ->
                        {Sw2, Spent} = beamscope_sweep:step(Sw, C),
                        {Sw2, beamscope_pacer:charge(P1, Spent)};
                    _ -> {Sw, P1}
                end,
    #{next_chunk_us := Need} = beamscope_sweep:stats(Sw1),
    schedule_slice(S#state{sweep = Sw1, pacer = P2}, beamscope_pacer:delay_ms(P2, max(Need, ?SLICE_US))).

schedule_slice(#state{slice_timer = undefined} = S, AfterMs) ->
    S#state{slice_timer = erlang:send_after(AfterMs, self(), slice)};
schedule_slice(S, _AfterMs) ->
    S.

sweep_figures(#state{sweep = Sw, pacer = P, hot = H, config = #{budget := Budget}, threads_over_us = Over}) ->
    (beamscope_sweep:stats(Sw))#{cost_ratio => beamscope_pacer:cost_ratio(P), budget_ratio => Budget,
                                 threads_over_share_us => Over,
                                 credit_us => beamscope_pacer:credit(P),
                                 charged_total_us => beamscope_pacer:charged_total(P),
                                 guarded_total => beamscope_hot:guarded_total(H)}.

%% The supervisors and named processes that are not in the hot set yet,
%% at most `Max': they are in it whatever their ranks (the services a
%% node is built of). Cost: erlang:registered/0 and a whereis/1 a name.
services(Ranked, Sups, Max) ->
    In = maps:from_keys(Ranked, true),
    Named = [P || Name <- erlang:registered(), P <- [whereis(Name)], is_pid(P)],
    take_new(Sups ++ Named, In, Max, []).

take_new(_Pids, _In, 0, Acc) -> lists:reverse(Acc);
take_new([], _In, _Max, Acc) -> lists:reverse(Acc);
take_new([P | Ps], In, Max, Acc) ->
    case is_map_key(P, In) of
        true -> take_new(Ps, In, Max, Acc);
        false -> take_new(Ps, In#{P => true}, Max - 1, [P | Acc])
    end.

%% One tick: gauges, hot set, publish; its cost (beamscope_cost: CPU
%% time, not wall time) is charged to the budget, and so is the CPU time
%% the NIF's threads (stream I/O, /metrics) used since the last tick, up
%% to THREADS_CHARGED_SHARE. The cost of the previous tick is reported with this
%% one (this one is not finished yet).
%% The tick runs at high priority: its few milliseconds are not preempted
%% by the node's own processes, so on a node at full load it is still on
%% time and its thread's CPU time is its own (at normal priority, with 64
%% busy pairs on 2 schedulers, a tick's thread CPU took in 35-70 ms of
%% other processes' work for 1-3 ms of its own, which used up the budget
%% and stopped the sweep). The budget bounds what it takes.
tick(S) ->
    Priority = process_flag(priority, high),
    try
        tick_body(S)
    after
        process_flag(priority, Priority)
    end.

tick_body(#state{ref = Ref, config = #{mailbox_guard := Guard, top_k := TopK},
                 naming = Naming,
                 wall = Wall0, hot = Hot0, alarmed = Alarmed0, sups = Sups} = S) ->
    T0 = erlang:monotonic_time(microsecond),
    Sampling = beamscope_cost:start(),
    {Gauges, Wall} = beamscope_gauges:sample(Wall0),
    Alarmed = maps:filter(fun(P, _) -> is_process_alive(P) end, Alarmed0),
    HotPids = beamscope_nif:sweep_hot(Ref),
    Extra = [P || P <- maps:keys(Alarmed), not lists:member(P, HotPids)],
    Ranked = HotPids ++ Extra,
    {Samples, Hot} = beamscope_hot:sample(Ranked ++ services(Ranked, Sups, TopK), Guard, Hot0),
    Figures = sweep_figures(S#state{hot = Hot}),
    Sampled = beamscope_cost:measure(Sampling),
    case beamscope_nif:publish(Ref, beamscope_gauges:node_info(Naming), Gauges, Samples,
                               Figures#{tick_cost_us => S#state.last_cost_us}) of
        ok -> ok;
        %% One lost frame is not worth a restart (and rebinding ports).
        {error, Why} -> logger:warning("beamscope: publish failed: ~ts", [Why])
    end,
    %% publish is a dirty NIF: its CPU comes with thread_cpu_us, its wall
    %% time (the trip to a dirty scheduler and back) is not agent work.
    Reading = beamscope_cost:start(),
    Threads = maps:get(thread_cpu_us, beamscope_nif:stats(Ref), 0),
    Now = erlang:monotonic_time(microsecond),
    %% A tick that moved between schedulers is charged at most twice the
    %% ticks' average (beamscope_cost:charge/3), any tick at most twice the
    %% cheapest cost per unit (beamscope_cost:cap_by_best/3).
    {Measured, TickAvg} = beamscope_cost:charge(both(Sampled, beamscope_cost:measure(Reading)), S#state.tick_avg_us, 1),
    {Cost, TickBest} = beamscope_cost:cap_by_best(Measured, S#state.tick_us_best, length(Samples) + ?TICK_FIXED_UNITS),
    ThreadsCost = max(0, Threads - S#state.thread_cpu_us),
    Share = threads_share(S, Now),
    Charged = min(ThreadsCost, Share),
    S#state{wall = Wall, last_cost_us = Cost, tick_avg_us = TickAvg, tick_us_best = TickBest, hot = Hot, alarmed = Alarmed, thread_cpu_us = max(Threads, S#state.thread_cpu_us),
            last_tick = T0 div 1000,
            threads_at = Now, threads_over_us = S#state.threads_over_us + (ThreadsCost - Charged),
            pacer = beamscope_pacer:charge(S#state.pacer, Cost + Charged)}.

%% Two stretches of one tick as one: CPU time only when both stayed on
%% their thread.
both({cpu, A}, {cpu, B}) -> {cpu, A + B};
both({_, A}, {_, B}) -> {wall, A + B}.

%% What the NIF's threads may be charged for the time since the last tick:
%% THREADS_CHARGED_SHARE of the budget over that time (the first tick: one second).
threads_share(#state{threads_at = undefined, config = #{budget := Budget}}, _Now) ->
    round(Budget * erlang:system_info(schedulers_online) * 1.0e6 * ?THREADS_CHARGED_SHARE);
threads_share(#state{threads_at = At, config = #{budget := Budget}}, Now) ->
    round(Budget * erlang:system_info(schedulers_online) * (Now - At) * ?THREADS_CHARGED_SHARE).
