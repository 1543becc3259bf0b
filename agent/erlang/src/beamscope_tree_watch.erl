%% @doc Cheap change detection between tree walks, so a child added to or
%% removed from a supervisor, or an application started or stopped, reaches
%% viewers within a second instead of at the next periodic walk. A
%% supervisor does work (its reductions grow) only when its children change,
%% exit or are asked about; the running applications are read from the
%% application controller's own table. Cost per check: one
%% `process_info(P, reductions)' per supervisor and one small ETS select
%% (and one call to the controller while an application is starting).
-module(beamscope_tree_watch).

-export([apps/0, take/3, check/2]).
-export_type([watch/0, apps/0]).

-define(SETTLE_REDS, 10).
-define(PROBE_MS, 100).

-type apps() :: [{atom(), pid()}] | unknown.
-opaque watch() :: #{apps := apps(), seen := apps(), reds := #{pid() => term()},
                     worked := boolean()}.

%% @doc The running applications and their masters: read when a walk
%% starts, so one that starts or stops while the walk runs is a change.
-spec apps() -> apps().
apps() ->
    running_apps().

%% @doc What to compare against later, taken right after a walk: the
%% applications read when it started, less those the walk did not see
%% running (the controller's table can be ahead of its answer: an
%% application half started when the walk asked is a change at the next
%% check, not a baseline), and the walked supervisors' reductions now
%% (the walk's own calls must not count as their work).
-spec take(apps(), [atom()] | unknown, [pid()]) -> watch().
take(AppsAtStart, Walked, SupPids) ->
    Apps = case {AppsAtStart, Walked} of
               {unknown, _} -> unknown;
               {_, unknown} -> AppsAtStart;
               _ -> [A || {Name, _} = A <- AppsAtStart, lists:member(Name, Walked)]
           end,
    #{apps => Apps, seen => running_apps(),
      reds => maps:from_list([{P, reductions(P)} || P <- SupPids]), worked => false}.

%% @doc `{true, W}' when a walk would show other applications than the
%% last one: the running applications just changed (they differ from the
%% walk's and from the previous check's), or they differ from the walk's
%% and either the controller now agrees or `Spaced'. A walk taken while an
%% application was half started (in the controller's table, not yet in its
%% answer) thus walks again once its start returns, one call to the
%% controller per check until then. When `Spaced' (the caller's rate
%% limit), also when a walked supervisor did work or died since the last
%% walk (remembered while not `Spaced'): supervisors that keep changing (a
%% Task.Supervisor) cost a bounded share of a scheduler. Supervisors are
%% compared with the previous check, not with take/3: the agent's own
%% process_info/2 calls cost each one a reduction or so a second, which
%% must not add up to a change.
-spec check(watch(), boolean()) -> {boolean(), watch()}.
check(#{apps := Walked, seen := Seen, reds := Reds, worked := Worked0} = W, Spaced) ->
    Now = maps:map(fun(P, _) -> reductions(P) end, Reds),
    Worked = Worked0 orelse lists:any(fun({P, R}) -> worked(maps:get(P, Now), R) end, maps:to_list(Reds)),
    Apps = running_apps(),
    Moved = Apps =/= Walked,
    Walk = (Moved andalso (Apps =/= Seen orelse Spaced orelse controller_moved(Apps, Walked)))
        orelse (Spaced andalso Worked),
    {Walk, W#{seen := Apps, reds := Now, worked := Worked}}.

%% Would a walk now see other applications than `Walked'? Asks the
%% controller (it answers while an application starts: the start runs in
%% a process of its own).
controller_moved(unknown, _Walked) ->
    false;
controller_moved(Apps, Walked) ->
    try application:which_applications(?PROBE_MS) of
        Running ->
            Names = [N || {N, _, _} <- Running],
            [A || {N, _} = A <- Apps, lists:member(N, Names)] =/= Walked
    catch _:_ -> false
    end.

%% Between two checks (500 ms) a supervisor spends 0-2 reductions on the
%% agent's own calls (finishing its loop after replying to the walk,
%% process_info signals); a change costs it 20 or more (OTP 25:
%% delete_child 20, a dynamic child's start or exit 35, a restart
%% hundreds).
worked(dead, _Before) -> true;
worked(_Now, dead) -> true;
worked(Now, Before) -> Now - Before > ?SETTLE_REDS.

reductions(P) ->
    case erlang:process_info(P, reductions) of
        {reductions, R} -> R;
        undefined -> dead
    end.

%% Running applications and their masters, from application_controller's
%% table (readable by anyone; no call into the controller, which may be
%% busy starting an application). Not a documented interface: if its shape
%% ever changes this returns `unknown' and applications are seen at the
%% next periodic walk instead.
running_apps() ->
    try lists:sort(ets:select(ac_tab, [{{{application_master, '$1'}, '$2'}, [], [{{'$1', '$2'}}]}]))
    catch _:_ -> unknown
    end.
