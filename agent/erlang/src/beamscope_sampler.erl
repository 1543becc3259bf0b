%% @doc The sampler: owns the NIF state and, every tick_ms, takes the VM
%% gauges, sweeps the process table, samples the hot set and publishes.
%% It never waits on the network: publishing only queues a frame for the
%% NIF's own I/O thread.
-module(beamscope_sampler).
-behaviour(gen_server).

-export([start_link/1, stats/0, tick_now/0, publish_tree/3, publish_events/3]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2]).

-record(state, {config :: beamscope_config:config(),
                ref :: reference() | undefined,
                wall :: beamscope_gauges:wall_time(),
                timer :: reference() | undefined,
                early = false :: boolean(),
                last_cost_us = 0 :: non_neg_integer()}).

%% @doc Starts the sampler; fails with `{start_failed, Binary}` when the NIF
%% cannot bind its endpoints.
-spec start_link(beamscope_config:config()) -> gen_server:start_ret().
start_link(Config) ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, Config, []).

%% @doc The NIF's counters (beamscope_nif:stats/1). Cost: one call.
-spec stats() -> map().
stats() ->
    gen_server:call(?MODULE, stats).

%% @doc Runs one tick now and returns when it is done (tests, ctl attach).
%% Cost: one full tick.
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

init(Config) ->
    %% trap exits so terminate/2 runs on shutdown and stops the NIF.
    process_flag(trap_exit, true),
    _ = beamscope_gauges:enable_wall_time(),
    NifConfig = maps:with([stream_endpoint, metrics_listen, top_k, metrics_auth, metrics_tls], Config),
    case beamscope_nif:start(NifConfig) of
        {ok, Ref} ->
            {_, Wall} = beamscope_gauges:sample(undefined),
            State = #state{config = Config, ref = Ref, wall = Wall},
            {ok, schedule(State, 0)};
        {error, Why} ->
            beamscope_gauges:disable_wall_time(),
            {stop, {start_failed, Why}}
    end.

handle_call(stats, _From, #state{ref = Ref} = S) ->
    {reply, beamscope_nif:stats(Ref), S};
handle_call(tick_now, _From, S) ->
    {reply, ok, tick(S)};
handle_call(_Other, _From, S) ->
    {reply, {error, unknown_call}, S}.

handle_cast({publish_tree, Nodes, Stats, Urgent}, #state{ref = Ref} = S) ->
    {noreply, early(beamscope_nif:publish_tree(Ref, Nodes, Stats), Urgent, S)};
handle_cast({publish_events, Events, Monitor, Urgent}, #state{ref = Ref} = S) ->
    {noreply, early(beamscope_nif:publish_events(Ref, Events, Monitor), Urgent, S)};
handle_cast(_Msg, S) ->
    {noreply, S}.

%% One early tick for a burst of urgent changes, 20 ms after the first.
early(ok, true, #state{early = false} = S) ->
    erlang:send_after(20, self(), early_tick),
    S#state{early = true};
early(ok, _Urgent, S) ->
    S;
early(Error, _Urgent, S) ->
    logger:warning("beamscope: tree/events not stored: ~0tP", [Error, 10]),
    S.

handle_info(early_tick, S) ->
    {noreply, tick(S#state{early = false})};
handle_info(tick, S) ->
    {noreply, schedule(tick(S#state{timer = undefined}), tick_ms(S))};
handle_info(_Other, S) ->
    {noreply, S}.

terminate(_Reason, #state{ref = Ref}) ->
    _ = beamscope_nif:stop(Ref),
    beamscope_gauges:disable_wall_time(),
    ok.

tick_ms(#state{config = #{tick_ms := T}}) -> T.

schedule(#state{timer = undefined} = S, After) ->
    S#state{timer = erlang:send_after(After, self(), tick)};
schedule(S, _After) ->
    S.

%% One tick: gauges, sweep, hot set, publish. The cost of the previous
%% tick is reported with this one (this one is not finished yet).
tick(#state{ref = Ref, config = #{mailbox_guard := Guard}, wall = Wall0} = S) ->
    T0 = erlang:monotonic_time(microsecond),
    {Gauges, Wall} = beamscope_gauges:sample(Wall0),
    {Hot, _Count} = beamscope_sweep:run(Ref),
    Samples = beamscope_hot:sample(Hot, Guard),
    case beamscope_nif:publish(Ref, beamscope_gauges:node_info(), Gauges, Samples,
                               #{tick_cost_us => S#state.last_cost_us,
                                 period_ms => tick_ms(S)}) of
        ok -> ok;
        %% One lost frame is not worth a restart (and rebinding ports).
        {error, Why} -> logger:warning("beamscope: publish failed: ~ts", [Why])
    end,
    Cost = erlang:monotonic_time(microsecond) - T0,
    S#state{wall = Wall, last_cost_us = Cost}.
