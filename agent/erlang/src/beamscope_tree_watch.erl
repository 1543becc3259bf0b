%% @doc Cheap change detection between tree walks, so a child added to or
%% removed from a supervisor, or an application started or stopped, reaches
%% viewers within a second instead of at the next periodic walk. A
%% supervisor does work (its reductions grow) only when its children change,
%% exit or are asked about; the running applications are read from the
%% application controller's own table. Cost per check: one
%% `process_info(P, reductions)' per supervisor and one small ETS select.
-module(beamscope_tree_watch).

-export([take/1, changed/2]).
-export_type([watch/0]).

-opaque watch() :: #{apps := term(), reds := #{pid() => term()}}.

%% @doc What to compare against later: taken right after a walk.
-spec take([pid()]) -> watch().
take(SupPids) ->
    #{apps => running_apps(), reds => maps:from_list([{P, reductions(P)} || P <- SupPids])}.

%% @doc True when an application started or stopped since `take/1', or,
%% when `Supervisors' is true, a walked supervisor did any work or died.
-spec changed(watch(), boolean()) -> boolean().
changed(#{apps := Apps, reds := Reds}, Supervisors) ->
    running_apps() =/= Apps orelse (Supervisors andalso any_changed(maps:iterator(Reds))).

any_changed(It) ->
    case maps:next(It) of
        none -> false;
        {P, R, Next} -> reductions(P) =/= R orelse any_changed(Next)
    end.

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
