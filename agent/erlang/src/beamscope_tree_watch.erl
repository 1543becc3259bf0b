%% @doc Cheap change detection between tree walks, so a child added to or
%% removed from a supervisor, or an application started or stopped, reaches
%% viewers within a second instead of at the next periodic walk. A
%% supervisor does work (its reductions grow) only when its children change,
%% exit or are asked about; the running applications are read from the
%% application controller's own table. Cost per check: one
%% `process_info(P, reductions)' per supervisor and one small ETS select.
-module(beamscope_tree_watch).

-export([take/1, check/2]).
-export_type([watch/0]).

-define(SETTLE_REDS, 10).

-opaque watch() :: #{apps := term(), reds := #{pid() => term()}, worked := boolean()}.

%% @doc What to compare against later: taken right after a walk.
-spec take([pid()]) -> watch().
take(SupPids) ->
    #{apps => running_apps(), reds => maps:from_list([{P, reductions(P)} || P <- SupPids]),
      worked => false}.

%% @doc `{true, W}' when an application started or stopped since take/1,
%% or, when `Supervisors' is true, a walked supervisor did work or died
%% since then (remembered while `Supervisors' is false: the caller's rate
%% limit). Supervisors are compared with the previous check, not with
%% take/1: the agent's own process_info/2 calls cost each one a reduction
%% or so a second, which must not add up to a change.
-spec check(watch(), boolean()) -> {boolean(), watch()}.
check(#{apps := Apps, reds := Reds, worked := Worked0} = W, Supervisors) ->
    Now = maps:map(fun(P, _) -> reductions(P) end, Reds),
    Worked = Worked0 orelse lists:any(fun({P, R}) -> worked(maps:get(P, Now), R) end, maps:to_list(Reds)),
    {running_apps() =/= Apps orelse (Supervisors andalso Worked), W#{reds := Now, worked := Worked}}.

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
