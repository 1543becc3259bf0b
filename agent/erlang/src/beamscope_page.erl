%% @doc One page of a supervisor's children (a ChildrenRequest), built in
%% a short-lived process of beamscope_pager: which_children of the
%% supervisor (a verified one, with the walk's timeout), the children
%% ordered, one slice turned into tree entries like the walk's. No state.
-module(beamscope_page).

-export([build/3, error_page/2]).

-export_type([request/0, page/0]).

-type order() :: supervisor_order | by_mailbox | by_memory | by_reductions.
-type request() :: #{request_id := non_neg_integer(), supervisor_id := binary(),
                     offset := non_neg_integer(), limit := non_neg_integer(),
                     order := order()}.
-type page() :: map().

%% @doc The page for `Req' of the supervisor `Sup' (its entry in the
%% pager's index: pid, application, specs) with `Known' the last walk's
%% restart fields by child id. Cost: one which_children call, then per
%% child one process_info for an ordered page (two for by_memory under the
%% mailbox guard), none for supervisor_order; per child of the slice one
%% or two more. 100,000 children, page of 100 (2 cores, loaded): 20 ms in
%% supervisor order, 90 ms by mailbox, 100 ms by reductions, 320 ms by
%% memory (beamscope_pager_tests prints them).
-spec build(request(), map(), #{timeout := pos_integer(), guard := non_neg_integer(),
                                known := #{binary() => map()}}) -> page().
build(#{supervisor_id := Id} = Req, #{pid := Pid} = Sup, #{timeout := T} = Opts) ->
    case beamscope_tree_walk:is_supervisor(Pid) of
        false ->
            error_page(Req, <<"supervisor ", Id/binary, " no longer runs (or is not) a supervisor">>);
        true ->
            case beamscope_tree_walk:which_children(Pid, T) of
                {ok, Children} when is_list(Children) ->
                    page(Req, Sup, [C || C <- Children, beamscope_tree_walk:valid_child(C)], Opts);
                {ok, Other} ->
                    error_page(Req, <<"supervisor ", Id/binary, " gave an odd which_children reply: ",
                                      (beamscope_tree_walk:print_bounded(Other, 100))/binary>>);
                {error, <<"timeout", _/binary>>} ->
                    error_page(Req, <<"supervisor ", Id/binary, " did not answer which_children within ",
                                      (integer_to_binary(T))/binary, " ms (blocked or overloaded)">>);
                {error, Why} ->
                    error_page(Req, <<"supervisor ", Id/binary, ": ", Why/binary>>)
            end
    end.

%% @doc A page that carries only `Text' as its error.
-spec error_page(request(), binary()) -> page().
error_page(Req, Text) ->
    (head(Req))#{total => 0, children => [], error => Text}.

head(Req) ->
    maps:with([request_id, supervisor_id, offset, order], Req).

page(#{offset := Offset, limit := Limit, order := Order, supervisor_id := Id} = Req, Sup, Good,
     #{guard := Guard, known := Known}) ->
    Total = length(Good),
    Ordered = order(Order, Good, Guard),
    Slice = lists:sublist(drop(Offset, Ordered), Limit),
    App = maps:get(application, Sup, <<>>),
    Specs = maps:get(specs, Sup, #{}),
    Entries = [entry(C, Id, App, Specs, Guard, Known) || C <- Slice],
    (head(Req))#{total => Total, children => Entries}.

drop(N, L) when N =< 0 -> L;
drop(_N, []) -> [];
drop(N, [_ | T]) -> drop(N - 1, T).

order(supervisor_order, Children, _Guard) -> Children;
order(Order, Children, Guard) -> beamscope_tree_walk:order_children(Order, Children, Guard).

%% As the walk builds a child (kind checked the same way), plus the last
%% walk's restart counts and supervisor fields for ids it saw.
entry({_, Child, Type, _} = C, SupId, App, Specs, Guard, Known) ->
    Base = beamscope_tree_walk:child_base(C, SupId, App, Specs),
    Node = case is_pid(Child) of
               true ->
                   Stats = beamscope_tree_walk:proc_stats(Child, Guard),
                   case Type =:= supervisor andalso not beamscope_tree_walk:is_supervisor(Child) of
                       true ->
                           (maps:merge(Base, Stats))#{
                             kind => worker,
                             walk_error => <<"declared supervisor but does not run the supervisor behaviour; not walked">>};
                       false ->
                           (maps:merge(Base, Stats))#{kind => Type}
                   end;
               false ->
                   Base#{kind => Type}
           end,
    maps:merge(Node, maps:get(maps:get(id, Node), Known, #{})).
