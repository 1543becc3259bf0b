%% @doc The supervision tree server: walks the forest (in a helper process,
%% see beamscope_tree_walk) at start, every tree_walk_ms and shortly after
%% each restart; counts restarts from the supervisor reports the logger
%% handler (beamscope_restarts) sends and from pid changes between walks;
%% hands the tree to the sampler, which stores it in the NIF and publishes
%% it with its next tick (an early one after a restart). The sampler never
%% waits on this server, and this server never waits on a walk.
-module(beamscope_tree).
-behaviour(gen_server).

-export([start_link/1, walk_now/0, nodes/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2]).

-define(DEBOUNCE_MS, 100).
%% Restart reports change counts: they reach the sampler at most this
%% often (a storm of reports is one publish, not one each).
-define(PUBLISH_MS, 100).
-define(RESTART_WALK_MS, 1000).
-define(WALK_DEADLINE_MS, 60000).
-define(PENDING, 1000).
-define(WATCH_MS, 500).            % check for changes between walks this often
-define(WATCH_COST_FACTOR, 200).   % watch-triggered walks cost at most 0.5% of a scheduler
%% Periodic walks take at most this share of the agent's CPU budget (the
%% sweep keeps the rest): a costly walk stretches the interval, up to
%% STRETCH_MAX_MS.
-define(WALK_SHARE, 0.5).
-define(STRETCH_MAX_MS, 60000).

%% Walks of at least this many entries teach the cheapest time per entry.
-define(WALK_TIMED_MIN, 20).

-record(state, {opts :: beamscope_tree_walk:opts(),
                interval :: pos_integer(),
                rate :: float(),                   % budget, in scheduler us per wall us
                walker :: {pid(), reference()} | undefined,
                walk_started = 0 :: integer(),
                apps_at_start = unknown :: beamscope_tree_watch:apps(),
                again = false :: boolean(),        % walk once more when this one ends
                timer :: reference() | undefined,
                nodes = [] :: [map()],             % last walk, without restart fields
                sups = #{} :: #{pid() => {binary(), boolean()}},  % pid => {path, dynamic}
                child_pids = #{} :: #{binary() => pid()},
                reported = #{} :: #{binary() => true},   % restarts reported since the walk
                restarts = beamscope_restarts:new(),
                escalated = #{} :: #{binary() => true},
                pending = [] :: [map()],           % reports from supervisors not walked yet
                watch :: beamscope_tree_watch:watch() | undefined,  % taken after the last walk
                walk_ended = 0 :: integer(),
                walk_us_best :: float() | undefined,  % a walk's wall time per entry, cheapest seen
                publish_timer :: reference() | undefined,
                stats = #{walks_total => 0} :: map(),
                published :: term()}).

%% @doc Starts the tree server (registered as beamscope_tree) with the
%% agent's validated config (beamscope_config:read/0): tree_walk_ms,
%% tree_call_timeout_ms, tree_big_supervisor, tree_page, mailbox_guard,
%% budget.
-spec start_link(beamscope_config:config()) -> gen_server:start_ret().
start_link(Config) ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, Config, []).

%% @doc Asks for a walk now (asynchronous). Cost: one message.
-spec walk_now() -> ok.
walk_now() ->
    gen_server:cast(?MODULE, walk_now).

%% @doc The latest published tree nodes (tests, diagnostics). Cost: a copy.
-spec nodes() -> [map()].
nodes() ->
    gen_server:call(?MODULE, nodes, 5000).

init(#{tree_call_timeout_ms := Timeout, tree_big_supervisor := Big, tree_page := Page,
       mailbox_guard := Guard, budget := Budget, tree_walk_ms := Interval}) ->
    Opts = #{timeout => Timeout, big => Big, page => Page, guard => Guard,
             max_nodes => 5000, flags => #{}},
    self() ! walk,
    erlang:send_after(?WATCH_MS, self(), watch),
    {ok, #state{opts = Opts, interval = Interval,
                rate = Budget * erlang:system_info(schedulers_online)}}.

handle_call(nodes, _From, S) ->
    {reply, build(S), S};
handle_call(_Other, _From, S) ->
    {reply, {error, unknown_call}, S}.

handle_cast(walk_now, S) ->
    {noreply, start_walk(S)};
handle_cast(_Msg, S) ->
    {noreply, S}.

handle_info(walk, S) ->
    {noreply, start_walk(S#state{timer = undefined})};
handle_info(watch, S) ->
    erlang:send_after(?WATCH_MS, self(), watch),
    {noreply, watch(S)};
handle_info({beamscope_sup_report, Report}, S) ->
    {noreply, report(Report, S)};
handle_info(publish, S) ->
    {noreply, publish(S#state{publish_timer = undefined}, true)};
handle_info({walk_result, Pid, {Nodes, Flags, Apps}}, #state{walker = {Pid, Ref}} = S) ->
    erlang:demonitor(Ref, [flush]),
    {noreply, walk_done(Nodes, Flags, Apps, S#state{walker = undefined})};
handle_info({'DOWN', Ref, process, Pid, Why}, #state{walker = {Pid, Ref}} = S) ->
    logger:warning("beamscope: tree walk failed: ~0tP", [Why, 10]),
    {noreply, schedule(S#state{walker = undefined}, S#state.interval)};
handle_info({walk_deadline, Pid}, #state{walker = {Pid, _}} = S) ->
    exit(Pid, kill),
    {noreply, S};
handle_info(_Other, S) ->
    {noreply, S}.

terminate(_Reason, #state{walker = {Pid, _}}) ->
    exit(Pid, kill),
    ok;
terminate(_Reason, _S) ->
    ok.

%% --- walking -------------------------------------------------------------

%% A walk as soon as an application starts or stops; for supervisors at
%% work, at most every WATCH_COST_FACTOR walk durations, a bounded share
%% of a scheduler (beamscope_tree_watch:check/2).
watch(#state{walker = undefined, watch = W, walk_ended = Ended, stats = Stats} = S) when W =/= undefined ->
    Now = erlang:monotonic_time(microsecond),
    Spaced = Now - Ended >= ?WATCH_COST_FACTOR * maps:get(walk_duration_us, Stats, 0),
    case beamscope_tree_watch:check(W, Spaced) of
        {true, _} -> start_walk(S);
        {false, W1} -> S#state{watch = W1}
    end;
watch(S) ->
    S.

start_walk(#state{walker = undefined, opts = Opts} = S) ->
    Self = self(),
    Apps = beamscope_tree_watch:apps(),
    try spawn_monitor(fun() -> Self ! {walk_result, self(), beamscope_tree_walk:walk(Opts)} end) of
        {Pid, Ref} ->
            erlang:send_after(?WALK_DEADLINE_MS, self(), {walk_deadline, Pid}),
            S#state{walker = {Pid, Ref}, walk_started = erlang:monotonic_time(microsecond),
                    apps_at_start = Apps, again = false}
    catch error:system_limit ->
            %% The node is at its process limit: the tree shown stays the
            %% last one walked, and the next periodic walk tries again.
            schedule(S, S#state.interval)
    end;
start_walk(S) ->
    S#state{again = true}.

walk_done(Nodes, Flags, Apps, #state{opts = Opts, stats = Stats} = S) ->
    Now = erlang:monotonic_time(microsecond),
    Sups = maps:from_list([{P, {Id, dynamic(N)}}
                           || #{kind := supervisor, pid := P, id := Id} = N <- Nodes]),
    Dynamic = maps:from_list([{Id, true} || {Id, true} <- maps:values(Sups)]),
    ChildPids = maps:from_list([{Id, P} || #{kind := K, pid := P, id := Id, parent_id := Parent} <- Nodes,
                                           K =/= helper, K =/= application,
                                           not maps:is_key(Parent, Dynamic)]),
    S1 = fill_new_pids(ChildPids, pid_changes(ChildPids, S#state{sups = Sups})),
    S2 = S1#state{nodes = Nodes, child_pids = ChildPids, reported = #{},
                  watch = beamscope_tree_watch:take(S#state.apps_at_start, Apps, maps:keys(Sups)),
                  walk_ended = Now,
                  opts = Opts#{flags => Flags},
                  stats = Stats#{walked_at_us => erlang:system_time(microsecond),
                                 walk_duration_us => Now - S#state.walk_started,
                                 walks_total => maps:get(walks_total, Stats) + 1,
                                 unresponsive => length([1 || #{unresponsive := true} <- Nodes])}},
    S3 = lists:foldl(fun(R, Acc) -> report(R, Acc) end, prune(Nodes, S2#state{pending = []}),
                     lists:reverse(S2#state.pending)),
    S4 = publish(S3, false),
    {Cost, Best} = charge_walk(erlang:monotonic_time(microsecond) - S#state.walk_started, Nodes, Opts,
                               S#state.walk_us_best),
    S5 = S4#state{walk_us_best = Best},
    case S5#state.again of
        true -> schedule(S5, ?DEBOUNCE_MS);
        false -> schedule(S5, interval(Cost, S5))
    end.

%% Restart entries and escalations of what this walk no longer sees go,
%% so they stay bounded however many children come and go. Nothing goes
%% after a walk cut short by max_nodes (it did not see everything).
prune(Nodes, #state{opts = #{max_nodes := Max}} = S) when length(Nodes) >= Max ->
    S;
prune(Nodes, #state{restarts = R, escalated = E} = S) ->
    Walked = maps:from_list([{Id, true} || #{id := Id} <- Nodes]),
    Unknown = maps:from_list([{Id, true} || #{kind := supervisor, id := Id} = N <- Nodes,
                                            maps:get(unresponsive, N, false) orelse
                                                is_map_key(children_total, N)]),
    S#state{restarts = beamscope_restarts:prune(Walked, Unknown, R),
            escalated = maps:filter(fun(Id, _) -> maps:is_key(Id, Walked) end, E)}.

%% The walk's wall time, from spawn to published, is charged to the
%% sampler's budget, less the calls that timed out (waiting, not working),
%% and at most twice the cheapest time per entry seen (walks of at least
%% WALK_TIMED_MIN entries), as the sweep's pid list is: the walk waits on
%% every supervisor, so on a node at full load its wall time is mostly the
%% node's own processes running ahead of them (measured: 64 busy pairs on 2
%% schedulers made the demo's walk charge 60 ms against ~3 ms quiet, which
%% with the ticks used up the budget and stopped the sweep).
charge_walk(WallUs, Nodes, #{timeout := T}, Best) ->
    Waited = T * 1000 * length([1 || #{walk_error := <<"timeout", _/binary>>} <- Nodes]),
    Us0 = max(0, WallUs - Waited),
    N = length(Nodes),
    Us = case Best of
             undefined -> Us0;
             _ -> min(Us0, ceil(2 * Best * N))
         end,
    beamscope_sampler:charge(Us),
    Best1 = case N >= ?WALK_TIMED_MIN of
                true when Best =:= undefined -> Us0 / N;
                true -> min(Best, Us0 / N);
                false -> Best
            end,
    {Us, Best1}.

interval(CostUs, #state{interval = I, rate = Rate}) ->
    max(I, min(ceil(CostUs / (?WALK_SHARE * Rate) / 1000), ?STRETCH_MAX_MS)).

%% Children are anonymous instances (simple_one_for_one, Elixir's
%% DynamicSupervisor): one restart series for all, `Sup/*', since a
%% restarted instance has a new pid and no id of its own.
dynamic(#{dynamic := true}) -> true;
dynamic(#{strategy := <<"simple_one_for_one">>}) -> true;
dynamic(_) -> false.

%% A static child with a new pid and no report since the last walk was
%% restarted silently (normal exit of a permanent child, a sibling's
%% restart under rest_for_one / one_for_all, a logger level that hides
%% supervisor reports).
pid_changes(New, #state{child_pids = Old, reported = Reported} = S) ->
    maps:fold(fun(Path, Pid, Acc) ->
                      case maps:get(Path, Old, undefined) of
                          OldPid when is_pid(OldPid), OldPid =/= Pid ->
                              case maps:is_key(Path, Reported) of
                                  true -> Acc;
                                  false -> silent_restart(Path, OldPid, Pid, Acc)
                              end;
                          _ -> Acc
                      end
              end, S, New).

%% Reported restarts name only the pid that died: the walk names the new one.
fill_new_pids(ChildPids, #state{restarts = R} = S) ->
    S#state{restarts = maps:fold(fun(Path, Pid, Acc) when is_pid(Pid) ->
                                         beamscope_restarts:replaced_by(Path, pid_text(Pid), Acc);
                                    (_Path, _NotRunning, Acc) -> Acc
                                 end, R, ChildPids)}.

silent_restart(Path, OldPid, Pid, #state{restarts = R} = S) ->
    SupPath = parent_path(Path),
    Restart = #{time_us => erlang:system_time(microsecond),
                reason => <<"pid changed between walks (no supervisor report)">>,
                old_pid => pid_text(OldPid), new_pid => pid_text(Pid)},
    S#state{restarts = beamscope_restarts:record(SupPath, Path, Restart, R)}.

schedule(#state{timer = undefined} = S, After) ->
    S#state{timer = erlang:send_after(After, self(), walk)};
schedule(#state{timer = T} = S, After) ->
    case erlang:read_timer(T) of
        Left when is_integer(Left), Left =< After -> S;
        _ ->
            _ = erlang:cancel_timer(T),
            S#state{timer = erlang:send_after(After, self(), walk)}
    end.

%% --- restart reports -----------------------------------------------------

report(#{sup_pid := SupPid} = R, #state{sups = Sups} = S) ->
    case maps:get(SupPid, Sups, undefined) of
        undefined when not is_map_key(unresolved, R) ->
            %% A supervisor the last walk did not see (new, or not walked
            %% yet): the event goes out now, the count after the next walk.
            event(R, <<>>, maps:get(child_id, R), S),
            Pending = lists:sublist([R#{unresolved => true} | S#state.pending], ?PENDING),
            walk_soon(S#state{pending = Pending});
        undefined ->
            S;
        {SupPath, Dynamic} ->
            resolved(R, SupPath, Dynamic, S)
    end.

resolved(#{context := Ctx, child_id := ChildId, child_pid := ChildPid, restart_type := Type,
           reason := Reason, time_us := T} = R, SupPath, Dynamic, S) ->
    ChildPath = case Dynamic of
                    true -> <<SupPath/binary, "/*">>;
                    false -> <<SupPath/binary, "/", (beamscope_tree_walk:escape(ChildId))/binary>>
                end,
    S1 = case Ctx of
             child_terminated when Type =/= temporary ->
                 Restart = #{time_us => T, reason => Reason, old_pid => ChildPid, new_pid => <<>>},
                 S#state{restarts = beamscope_restarts:record(SupPath, ChildPath, Restart,
                                                              S#state.restarts),
                         reported = (S#state.reported)#{ChildPath => true}};
             reached_max_restart_intensity ->
                 S#state{escalated = (S#state.escalated)#{SupPath => true}};
             _ -> S
         end,
    case maps:is_key(unresolved, R) of
        true -> ok;
        false -> event(R, SupPath, ChildPath, S)
    end,
    walk_soon(publish_soon(S1)).

%% A walk soon after a restart (it names the new pid), but at most one a
%% second and within WALK_SHARE of the budget: a restart storm must not
%% become back-to-back walks charged to the sweep's budget.
walk_soon(#state{walk_ended = Ended, stats = Stats, rate = Rate} = S) ->
    SpacingMs = max(?RESTART_WALK_MS, ceil(maps:get(walk_duration_us, Stats, 0) / (?WALK_SHARE * Rate) / 1000)),
    SinceMs = (erlang:monotonic_time(microsecond) - Ended) div 1000,
    schedule(S, max(?DEBOUNCE_MS, SpacingMs - SinceMs)).

publish_soon(#state{publish_timer = undefined} = S) ->
    S#state{publish_timer = erlang:send_after(?PUBLISH_MS, self(), publish)};
publish_soon(S) ->
    S.

event(#{context := Ctx, child_pid := ChildPid, reason := Reason, time_us := T}, SupPath, Child, _S) ->
    beamscope_events:add(#{kind => Ctx, supervisor => SupPath, child => Child,
                           pid => ChildPid, reason => Reason, time_us => T}).

%% --- publishing ----------------------------------------------------------

%% What a tree change is: the nodes without their ever-moving figures (a
%% new count of reductions is not worth an early tick).
shape(Nodes) ->
    [maps:without([reductions, memory_bytes, message_queue_len], N) || N <- Nodes].

%% The walked nodes with restart counts, history, headroom and escalation.
build(#state{nodes = Nodes, restarts = R, escalated = E}) ->
    [annotate(N, R, E) || N <- Nodes].

annotate(#{kind := supervisor, id := Id} = N, R, E) ->
    {_, Recent} = beamscope_restarts:child(<<Id/binary, "/*">>, R),
    {Own, OwnRecent} = beamscope_restarts:child(Id, R),
    InPeriod = case maps:find(restarts_in_period, N) of
                   {ok, V} -> V;
                   error -> beamscope_restarts:sup_in_period(Id, maps:get(period_s, N, 5), R)
               end,
    N#{restarts_total => beamscope_restarts:sup_total(Id, R),
       self_restarts_total => Own,
       recent_restarts => case Recent of [] -> OwnRecent; _ -> Recent end,
       restarts_in_period => InPeriod,
       escalated => maps:is_key(Id, E)};
annotate(#{kind := K, id := Id} = N, R, _E) when K =:= worker ->
    {Total, Recent} = beamscope_restarts:child(Id, R),
    N#{restarts_total => Total, recent_restarts => Recent};
annotate(N, _R, _E) ->
    N.

%% Urgent (an early tick) when the tree itself changed: added, removed,
%% restarted children reach viewers within the second, not the next tick.
publish(#state{stats = Stats} = S, Urgent) ->
    Nodes = build(S),
    case S#state.published of
        {Nodes, Stats} -> S;
        Previous ->
            Changed = case Previous of
                          {Old, _} -> shape(Old) =/= shape(Nodes);
                          _ -> true
                      end,
            beamscope_sampler:publish_tree(Nodes, Stats, Urgent orelse Changed),
            %% Children pages resolve ids against what viewers were shown.
            beamscope_pager:tree(Nodes, maps:get(flags, S#state.opts)),
            S#state{published = {Nodes, Stats}}
    end.

parent_path(Path) ->
    case binary:matches(Path, <<"/">>) of
        [] -> <<>>;
        Ms -> {Pos, _} = lists:last(Ms), binary:part(Path, 0, Pos)
    end.

pid_text(P) -> list_to_binary(pid_to_list(P)).
