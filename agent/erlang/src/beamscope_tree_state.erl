%% @doc Reads a supervisor's flags and child specs from its state (what
%% `sys:get_state/2' returns; the caller makes that call, on a process
%% beamscope_tree_proc:callable/1 cleared). Two shapes are understood:
%% OTP's `#state{}' record of module supervisor, whose fields are found by
%% shape rather than position (OTP 27 added `nrestarts', OTP 28
%% `hibernate_after', `hibernating' and `tag'; the next release may add
%% more), and Elixir's `%DynamicSupervisor{}' struct (a map). Anything
%% else is `unknown': never trusted, never a crash. Pure.
-module(beamscope_tree_state).

-export([parse/2]).
-export_type([parsed/0]).

-type parsed() :: #{strategy := atom(), intensity := non_neg_integer(),
                    period_s := pos_integer(), restart_times := [integer()],
                    specs := #{term() => map()}, dynamic := boolean()}.

-define(STRATEGIES, [one_for_one, one_for_all, rest_for_one, simple_one_for_one]).
-define(RESTARTS, [permanent, transient, temporary]).

%% @doc The flags and specs of a supervisor's state. `dynamic' is true for
%% supervisors whose children are anonymous instances (simple_one_for_one,
%% DynamicSupervisor): their restarts are one series, `Sup/*'. Specs are
%% keyed by child id (static children; the one spec of simple_one_for_one)
%% or, for a DynamicSupervisor of at most `MaxPids' children, by child pid.
%% Cost: O(children) for the specs.
-spec parse(term(), non_neg_integer()) -> {ok, parsed()} | unknown.
parse(State, MaxPids) when is_map(State) ->
    dynamic_supervisor(State, MaxPids);
parse(State, _MaxPids) when is_tuple(State), tuple_size(State) >= 8, element(1, State) =:= state ->
    record(tl(tuple_to_list(State)));
parse(_State, _MaxPids) ->
    unknown.

%% --- OTP supervisor #state{} ----------------------------------------------

%% Fields in record order: name, strategy, children {Ids, Db}, dynamics,
%% intensity, period, restarts, ... Located by what they hold: the first
%% strategy atom, the first {list, map} after it, and after that the first
%% integer pair (intensity >= 0, period > 0) followed by a list (restart
%% times).
record(Fields) ->
    case lists:dropwhile(fun(F) -> not lists:member(F, ?STRATEGIES) end, Fields) of
        [Strategy | Rest] ->
            case lists:dropwhile(fun(F) -> not children(F) end, Rest) of
                [{_Ids, Db} | Rest1] ->
                    case intensity_period(Rest1) of
                        {ok, I, P, Times} ->
                            {ok, #{strategy => Strategy, intensity => I, period_s => P,
                                   restart_times => [T || T <- Times, is_integer(T)],
                                   specs => maps:fold(fun child_spec/3, #{}, Db),
                                   dynamic => Strategy =:= simple_one_for_one}};
                        error -> unknown
                    end;
                [] -> unknown
            end;
        [] -> unknown
    end.

children({Ids, Db}) when is_list(Ids), is_map(Db) -> true;
children(_) -> false.

intensity_period([I, P, Times | _]) when is_integer(I), I >= 0, is_integer(P), P > 0, is_list(Times) ->
    {ok, I, P, Times};
intensity_period([_ | Rest]) ->
    intensity_period(Rest);
intensity_period([]) ->
    error.

%% #child{pid, id, mfargs, restart_type, [significant,] shutdown, child_type,
%% modules}: the restart type is the first restart atom after the id, the
%% shutdown the first shutdown-shaped field after it.
child_spec(Id, Child, Acc) when is_tuple(Child), tuple_size(Child) >= 7, element(1, Child) =:= child ->
    case lists:dropwhile(fun(F) -> not lists:member(F, ?RESTARTS) end,
                         lists:nthtail(3, tuple_to_list(Child))) of
        [Restart | Rest] ->
            case lists:dropwhile(fun(F) -> not shutdown(F) end, Rest) of
                [Shutdown | _] -> Acc#{Id => spec(Restart, Shutdown)};
                [] -> Acc#{Id => spec(Restart, undefined)}
            end;
        [] -> Acc
    end;
child_spec(_Id, _Child, Acc) ->
    Acc.

shutdown(S) -> (is_integer(S) andalso S >= 0) orelse S =:= brutal_kill orelse S =:= infinity.

spec(Restart, Shutdown) ->
    #{restart_type => text(Restart), shutdown => text(Shutdown)}.

%% --- Elixir's %DynamicSupervisor{} -----------------------------------------

%% Elixir 1.6+ keeps strategy, max_restarts, max_seconds, restarts (times,
%% as supervisor's) and children #{pid => {MFA, Restart, Shutdown, Type,
%% Modules}}.
dynamic_supervisor(#{'__struct__' := 'Elixir.DynamicSupervisor', strategy := Strategy,
                     max_restarts := I, max_seconds := P, restarts := Times} = S, MaxPids)
  when is_atom(Strategy), is_integer(I), I >= 0, is_integer(P), P > 0, is_list(Times) ->
    Children = maps:get(children, S, #{}),
    Specs = case is_map(Children) andalso map_size(Children) =< MaxPids of
                true -> maps:fold(fun dynamic_spec/3, #{}, Children);
                false -> #{}
            end,
    {ok, #{strategy => Strategy, intensity => I, period_s => P,
           restart_times => [T || T <- Times, is_integer(T)],
           specs => Specs, dynamic => true}};
dynamic_supervisor(_State, _MaxPids) ->
    unknown.

dynamic_spec(Pid, Child, Acc) when is_pid(Pid), is_tuple(Child), tuple_size(Child) >= 3 ->
    case {element(2, Child), element(3, Child)} of
        {Restart, Shutdown} when is_atom(Restart) ->
            case lists:member(Restart, ?RESTARTS) of
                true -> Acc#{Pid => spec(Restart, Shutdown)};
                false -> Acc
            end;
        _ -> Acc
    end;
dynamic_spec(_Pid, _Child, Acc) ->
    Acc.

text(A) when is_atom(A), A =/= undefined -> atom_to_binary(A);
text(I) when is_integer(I) -> integer_to_binary(I);
text(_) -> <<>>.
