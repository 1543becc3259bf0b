%% @doc One walk of the supervision forest, with no state of its own: every
%% running application, its top process, and down from there with
%% `which_children'. Only processes verified to run the supervisor
%% behaviour and past their init (beamscope_tree_proc:callable/1) are ever
%% sent a call, the top of each application included (Mod:start/2 may
%% return any process), and every call has a timeout, so a blocked
%% supervisor costs at most that timeout and a worker that crashes on
%% unknown calls is never sent one.
%% Runs in a helper process of beamscope_tree: the walk may take seconds
%% when supervisors do not answer, and nothing else waits on it.
-module(beamscope_tree_walk).

-export([walk/1, is_supervisor/1, child_name/1, escape/1, module_name/1,
         print_bounded/2, which_children/2, valid_child/1, child_base/4, proc_stats/2,
         order_children/3, not_called/1]).

-export_type([opts/0, tree_node/0]).

-type opts() :: #{timeout := pos_integer(),       % per call, ms
                  big := pos_integer(),           % children above: summarised
                  page := pos_integer(),          % children sent for big ones
                  guard := non_neg_integer(),     % mailbox guard for memory
                  max_nodes := pos_integer(),
                  flags := #{pid() => map()},     % cached supervisor flags
                  apps => all | [atom()]}.
-type tree_node() :: #{atom() => term()}.

-define(MAX_DEPTH, 32).
-define(MAX_HELPERS, 16).
-define(MAX_LINKS, 64).
-define(NAME_BYTES, 128).

%% @doc Walks every running application. Returns the nodes (parents before
%% children), the flags of every supervisor read (to cache by pid) and the
%% names of the applications the controller said were running, `unknown'
%% when it did not answer (what the change watch compares with later).
%% Cost: per supervisor two or three calls (count_children, which_children,
%% sys:get_state when small or not cached), per tree process one
%% process_info; for big dynamic supervisors one message_queue_len read per
%% child to pick the page.
-spec walk(opts()) -> {[tree_node()], #{pid() => map()}, [atom()] | unknown}.
walk(Opts) ->
    {Running, Names} = try application:which_applications(maps:get(timeout, Opts)) of
                           Apps0 -> {Apps0, [Name || {Name, _, _} <- Apps0]}
                       catch _:_ -> {[], unknown}
                       end,
    %% `apps' (optional) restricts the walk to some applications (benchmarks).
    Apps = case maps:get(apps, Opts, all) of
               all -> Running;
               Only -> [A || {Name, _, _} = A <- Running, lists:member(Name, Only)]
           end,
    {Nodes, Flags} = lists:foldl(fun({App, _, _}, Acc) -> walk_app(App, Opts, Acc) end,
                                 {[], #{}}, lists:sort(Apps)),
    {lists:reverse(Nodes), Flags, Names}.

walk_app(App, Opts, {Nodes, Flags} = Acc) ->
    case length(Nodes) >= maps:get(max_nodes, Opts) of
        true -> Acc;
        false ->
            AppId = escape(child_name(App)),
            AppNode = #{id => AppId, parent_id => <<>>, kind => application,
                        application => AppId, name => AppId},
            case top_process(App, maps:get(timeout, Opts)) of
                {ok, Top} ->
                    Name = top_name(Top),
                    Path = <<AppId/binary, "/", Name/binary>>,
                    Node0 = #{id => Path, parent_id => AppId, application => AppId, name => Name},
                    top(Top, Node0, Opts, {[AppNode | Nodes], Flags});
                none ->
                    {[AppNode | Nodes], Flags}
            end
    end.

%% An application's top process is whatever Mod:start/2 returned: walked
%% as a supervisor only when it is one.
top(Top, Node0, Opts, {Nodes, Flags} = Acc) ->
    case beamscope_tree_proc:is_supervisor(Top) of
        true ->
            walk_sup(Top, Node0#{kind => supervisor}, 0, Opts, Acc);
        false ->
            W = worker_node(Node0#{pid => Top}, Top, Opts),
            W1 = W#{walk_error => <<"the application's top process does not run the supervisor "
                                    "behaviour; not walked">>},
            Helpers = helpers(Top, W1, #{}, Opts),
            {lists:reverse(Helpers) ++ [W1 | Nodes], Flags}
    end.

%% application_master:get_child/1 waits without a timeout: ask it from a
%% helper that is killed when the master does not answer.
top_process(App, Timeout) ->
    case application_controller:get_master(App) of
        Master when is_pid(Master) ->
            case bounded(fun() -> application_master:get_child(Master) end, Timeout) of
                {ok, {Pid, _Mod}} when is_pid(Pid) -> {ok, Pid};
                _ -> none
            end;
        _ ->
            none
    end.

top_name(Pid) ->
    case beamscope_tree_proc:name(Pid) of
        <<>> -> escape(pid_text(Pid));
        Name -> escape(cut(Name, ?NAME_BYTES))
    end.

%% Runs Fun in a monitored helper; {ok, Result} or timeout.
bounded(Fun, Timeout) ->
    Self = self(),
    {Pid, Ref} = spawn_monitor(fun() -> Self ! {self(), bounded, Fun()} end),
    receive
        {Pid, bounded, Result} ->
            erlang:demonitor(Ref, [flush]),
            {ok, Result};
        {'DOWN', Ref, process, Pid, _} ->
            error
    after Timeout ->
        exit(Pid, kill),
        erlang:demonitor(Ref, [flush]),
        receive {Pid, bounded, _} -> ok after 0 -> ok end,
        timeout
    end.

%% @doc True only when `Pid' runs the supervisor behaviour (see
%% beamscope_tree_proc:is_supervisor/1). Cost: one or two process_info.
-spec is_supervisor(term()) -> boolean().
is_supervisor(Pid) ->
    beamscope_tree_proc:is_supervisor(Pid).

walk_sup(Pid, Node0, Depth, Opts, {Nodes, Flags}) ->
    T = maps:get(timeout, Opts),
    Node1 = maps:merge(Node0, proc_stats(Pid, maps:get(guard, Opts))),
    Node = Node1#{pid => Pid},
    case sup_call(Pid, which_children, T) of
        {ok, Children} when is_list(Children) ->
            {SupFlags, Specs, Flags1} = sup_state(Pid, length(Children), Opts, Flags),
            {Good, Odd} = lists:partition(fun valid_child/1, Children),
            Counts = counts(Good),
            SupNode = maps:merge(Node, maps:merge(SupFlags, Counts)),
            SupNode1 = case Odd of
                           [] -> SupNode;
                           _ -> SupNode#{walk_error => print_bounded({odd_child_specs, length(Odd)}, 200)}
                       end,
            Big = length(Good) > maps:get(big, Opts),
            {Shown, SupNode2} = case Big of
                                    true -> {page(Good, maps:get(page, Opts), maps:get(guard, Opts)),
                                             SupNode1#{children_total => length(Good)}};
                                    false -> {Good, SupNode1}
                                end,
            Acc = {[SupNode2 | Nodes], Flags1},
            lists:foldl(fun(C, A) -> child(C, SupNode2, Specs, Big, Depth, Opts, A) end, Acc, Shown);
        {ok, Other} ->
            {[Node#{unresponsive => true,
                    walk_error => <<"odd which_children reply: ", (print_bounded(Other, 200))/binary>>} | Nodes],
             Flags};
        {error, Why} ->
            {[Node#{unresponsive => true, walk_error => Why} | Nodes], Flags}
    end.

%% @doc which_children of a supervisor, waiting at most `Timeout' ms, sent
%% only when beamscope_tree_proc:callable/1 clears it at that moment; the
%% error text says why not or what went wrong (timeout, died). Cost: one
%% call; the supervisor builds a list of all its children.
-spec which_children(pid(), pos_integer()) -> {ok, term()} | {error, binary()}.
which_children(Pid, Timeout) ->
    sup_call(Pid, which_children, Timeout).

%% Every call the walk and the pages make goes through here: checked right
%% before it is sent, with a timeout (the reply alias makes late answers
%% vanish).
sup_call(Pid, Request, Timeout) ->
    case beamscope_tree_proc:callable(Pid) of
        ok -> call(Pid, Request, Timeout);
        Why -> {error, not_called(Why)}
    end.

call(Pid, which_children, Timeout) ->
    try {ok, gen_server:call(Pid, which_children, Timeout)}
    catch exit:Reason -> {error, call_error(which_children, Reason)}
    end;
call(Pid, get_state, Timeout) ->
    try {ok, sys:get_state(Pid, Timeout)}
    catch exit:Reason -> {error, call_error(get_state, Reason)}
    end.

call_error(Request, {timeout, _}) -> <<"timeout: no answer to ", (atom_to_binary(Request))/binary>>;
call_error(_Request, {noproc, _}) -> <<"died during the walk">>;
call_error(_Request, {Reason, _}) -> <<"died during the walk: ", (print_bounded(Reason, 200))/binary>>;
call_error(_Request, Reason) -> <<"died during the walk: ", (print_bounded(Reason, 200))/binary>>.

%% @doc Why a process was not sent a call, as shown in walk_error.
-spec not_called(not_supervisor | in_init | gone) -> binary().
not_called(in_init) -> <<"starting: its init has not returned; not called until it has">>;
not_called(gone) -> <<"died during the walk">>;
not_called(not_supervisor) -> <<"no longer runs the supervisor behaviour; not called">>.

%% Strategy, intensity, period and the restart type and shutdown of each
%% static child, from the supervisor's own state (sys:get_state, only on a
%% verified supervisor). For big supervisors the state (every dynamic
%% child) is read once per supervisor pid and cached.
sup_state(Pid, NChildren, Opts, Flags) ->
    Cached = maps:get(Pid, maps:get(flags, Opts), undefined),
    case NChildren > maps:get(big, Opts) andalso Cached =/= undefined of
        true ->
            {maps:get(flags, Cached), maps:get(specs, Cached), Flags#{Pid => Cached}};
        false ->
            read_state(Pid, Opts, Flags)
    end.

read_state(Pid, Opts, Flags) ->
    case sup_call(Pid, get_state, maps:get(timeout, Opts)) of
        {ok, State} ->
            case beamscope_tree_state:parse(State, maps:get(big, Opts)) of
                {ok, #{strategy := S, intensity := I, period_s := P, restart_times := Ts,
                       specs := Specs, dynamic := Dyn}} ->
                    Fl = #{strategy => atom_to_binary(S), intensity => I, period_s => P, dynamic => Dyn},
                    {Fl#{restarts_in_period => in_period(Ts, P)}, Specs,
                     Flags#{Pid => #{flags => Fl, specs => Specs}}};
                unknown ->
                    {#{}, #{}, Flags}
            end;
        {error, _} ->
            {#{}, #{}, Flags}
    end.

%% The supervisor prunes its restart times only at the next restart: count
%% those inside the period now (monotonic seconds since OTP 21, and in
%% Elixir's DynamicSupervisor).
in_period(Restarts, Period) ->
    Now = erlang:monotonic_time(second),
    length([T || T <- Restarts, Now - T =< Period]).

%% @doc True for a well-formed which_children entry.
-spec valid_child(term()) -> boolean().
valid_child({_Id, Child, Type, Mods})
  when (is_pid(Child) orelse Child =:= restarting orelse Child =:= undefined),
       (Type =:= worker orelse Type =:= supervisor),
       (is_list(Mods) orelse Mods =:= dynamic) -> true;
valid_child(_) -> false.

counts(Children) ->
    #{child_specs => length(Children),
      active_children => length([1 || {_, P, _, _} <- Children, is_pid(P)]),
      supervisors => length([1 || {_, _, supervisor, _} <- Children]),
      workers => length([1 || {_, _, worker, _} <- Children])}.

%% The page of a big dynamic supervisor: its children with the longest
%% mailboxes (one message_queue_len read each, the floor cost), the same
%% children a children page by mailbox starts with.
page(Children, N, Guard) ->
    lists:sublist(order_children(by_mailbox, Children, Guard), N).

%% @doc Children (which_children entries) largest first by mailbox,
%% memory or reductions; ties, and children not running (last), keep
%% which_children order. `memory' is never read above the mailbox guard
%% (such a process ranks as 0). Cost: one process_info per child (two by
%% memory), then a sort.
-spec order_children(by_mailbox | by_memory | by_reductions, [tuple()], non_neg_integer()) -> [tuple()].
order_children(Order, Children, Guard) ->
    [C || {_, C} <- lists:keysort(1, [{-score(Order, P, Guard), C} || {_, P, _, _} = C <- Children])].

score(_Order, P, _Guard) when not is_pid(P) -> -1;
score(by_mailbox, P, _Guard) -> info(P, message_queue_len);
score(by_reductions, P, _Guard) -> info(P, reductions);
score(by_memory, P, Guard) ->
    %% `memory' walks the message queue without yielding.
    case info(P, message_queue_len) of
        Q when Q >= 0, Q =< Guard -> info(P, memory);
        Q when Q >= 0 -> 0;
        Gone -> Gone
    end.

info(P, Item) ->
    case erlang:process_info(P, Item) of
        {Item, V} -> V;
        undefined -> -1
    end.

child({Id, Child, Type, Mods}, Sup, Specs, Big, Depth, Opts, {Nodes, _} = Acc) ->
    case length(Nodes) >= maps:get(max_nodes, Opts) of
        true -> Acc;
        false -> child_node({Id, Child, Type, Mods}, Sup, Specs, Big, Depth, Opts, Acc)
    end.

child_node({_Id, Child, Type, _Mods} = C, Sup, Specs, Big, Depth, Opts, {Nodes, Flags}) ->
    Base1 = child_base(C, maps:get(id, Sup), maps:get(application, Sup), Specs),
    case {Type, is_pid(Child) andalso Depth < ?MAX_DEPTH andalso is_supervisor(Child)} of
        {supervisor, true} ->
            walk_sup(Child, Base1#{kind => supervisor}, Depth + 1, Opts, {Nodes, Flags});
        {supervisor, false} when is_pid(Child) ->
            %% Declared a supervisor by its parent, but it does not run the
            %% behaviour: never sent a call.
            W = worker_node(Base1, Child, Opts),
            {[W#{walk_error => <<"declared supervisor but does not run the supervisor behaviour; not walked">>}
              | Nodes], Flags};
        _ when is_pid(Child) ->
            W = worker_node(Base1, Child, Opts),
            Helpers = case Big of
                          true -> [];
                          false -> helpers(Child, W, Sup, Opts)
                      end,
            {lists:reverse(Helpers) ++ [W | Nodes], Flags};
        _ ->
            {[Base1#{kind => kind(Type)} | Nodes], Flags}
    end.

%% @doc A child's entry without its kind and process figures: id (the
%% supervisor's path, "/", the child id as text, or the pid for the
%% anonymous children of simple_one_for_one), name, modules, pid or
%% pid_state, and restart_type/shutdown from `Specs' (the supervisor's
%% parsed state). Walks and children pages both build entries with it, so
%% ids agree. Cost: O(1).
-spec child_base({term(), pid() | restarting | undefined, worker | supervisor, term()},
                 binary(), binary(), map()) -> tree_node().
child_base({Id, Child, _Type, Mods}, SupId, App, Specs) ->
    Name = case Id of
               undefined when is_pid(Child) -> pid_text(Child);
               _ -> escape(child_name(Id))
           end,
    Spec = spec_of(Id, Child, Specs),
    Base = maps:merge(Spec, #{id => <<SupId/binary, "/", Name/binary>>, parent_id => SupId,
                              application => App, name => Name, modules => modules(Mods)}),
    case Child of
        P when is_pid(P) -> Base#{pid => P};
        restarting -> Base#{pid_state => <<"restarting">>};
        undefined -> Base#{pid_state => <<"undefined">>}
    end.

%% Static children by id; a DynamicSupervisor's by pid; simple_one_for_one
%% keeps its one spec under the spec's id.
spec_of(Id, Child, Specs) ->
    case maps:find(Id, Specs) of
        {ok, Spec} -> Spec;
        error when is_pid(Child), is_map_key(Child, Specs) -> maps:get(Child, Specs);
        error when map_size(Specs) =:= 1, Id =:= undefined ->
            case maps:to_list(Specs) of
                [{SpecId, Spec}] when not is_pid(SpecId) -> Spec;
                _ -> #{}
            end;
        error -> #{}
    end.

kind(supervisor) -> supervisor;
kind(_) -> worker.

worker_node(Base, Pid, Opts) ->
    maps:merge(Base#{kind => worker}, proc_stats(Pid, maps:get(guard, Opts))).

%% Processes a worker spawned and linked to (OTP 25+ `parent'), in the same
%% group leader: shown under it as helpers, as observer's link view does.
helpers(Pid, W, Sup, Opts) ->
    case erlang:process_info(Pid, [links, group_leader]) of
        [{links, Links}, {group_leader, GL}] ->
            Cands = [L || L <- lists:sublist(Links, ?MAX_LINKS), is_pid(L),
                          L =/= maps:get(pid, Sup, undefined)],
            Hs = [L || L <- Cands, helper_of(L, Pid, GL)],
            [maps:merge(#{id => <<(maps:get(id, W))/binary, "/", (pid_text(H))/binary>>,
                          parent_id => maps:get(id, W), kind => helper,
                          application => maps:get(application, W), name => pid_text(H), pid => H},
                        proc_stats(H, maps:get(guard, Opts)))
             || H <- lists:sublist(Hs, ?MAX_HELPERS)];
        _ -> []
    end.

helper_of(L, Pid, GL) ->
    case erlang:process_info(L, [parent, group_leader]) of
        [{parent, Pid}, {group_leader, GL}] -> true;
        _ -> false
    end.

%% @doc Mailbox, reductions, name (the registered name, else the proc_lib
%% label on OTP 27+); memory only under the mailbox guard (read after
%% message_queue_len: `memory' walks the queue without yielding). Empty
%% when the process is gone. Cost: one or two process_info, one more for
%% the label of an unnamed process.
-spec proc_stats(pid(), non_neg_integer()) -> map().
proc_stats(Pid, Guard) ->
    case erlang:process_info(Pid, [message_queue_len, reductions, registered_name]) of
        [{message_queue_len, Q}, {reductions, R}, {registered_name, N}] ->
            Mem = case Q > Guard of
                      true -> 0;
                      false -> case erlang:process_info(Pid, memory) of
                                   {memory, M} -> M;
                                   undefined -> 0
                               end
                  end,
            #{message_queue_len => Q, reductions => R, memory_bytes => Mem,
              registered_name => case N of [] -> beamscope_tree_proc:label(Pid); _ -> module_name(N) end};
        _ -> #{}
    end.

modules(dynamic) -> [<<"dynamic">>];
modules(Mods) -> [module_name(M) || M <- lists:sublist(Mods, 16), is_atom(M)].

%% @doc An Elixir module as Elixir writes it ('Elixir.MyApp.Worker' ->
%% "MyApp.Worker"), an Erlang atom as is.
-spec module_name(atom()) -> binary().
module_name(M) ->
    case atom_to_binary(M) of
        <<"Elixir.", Rest/binary>> -> Rest;
        B -> B
    end.

%% @doc A child id as bounded text: atoms by name (Elixir names for
%% Elixir modules), anything else printed with a depth and length bound.
-spec child_name(term()) -> binary().
child_name(Id) when is_atom(Id) -> cut(module_name(Id), ?NAME_BYTES);
child_name(Id) when is_binary(Id) -> cut(Id, ?NAME_BYTES);
child_name(Id) -> print_bounded(Id, ?NAME_BYTES).

%% @doc Escapes '%' and '/' so a child id never splits a tree path.
-spec escape(binary()) -> binary().
escape(B) ->
    binary:replace(binary:replace(B, <<"%">>, <<"%25">>, [global]), <<"/">>, <<"%2F">>, [global]).

%% @doc Any term as text of at most `Max' bytes (valid UTF-8), printed with
%% a depth and character limit first so the cost does not grow with the term.
-spec print_bounded(term(), pos_integer()) -> binary().
print_bounded(Term, Max) ->
    Text = try io_lib:format("~0tP", [Term, 12], [{chars_limit, Max * 2}])
           catch _:_ -> "?" end,
    cut(unicode:characters_to_binary(Text), Max).

cut(B, Max) when is_binary(B), byte_size(B) =< Max -> B;
cut(B, Max) when is_binary(B) -> utf8_prefix(binary:part(B, 0, Max));
cut(_, _) -> <<"?">>.

%% Drops a trailing partial UTF-8 sequence.
utf8_prefix(B) ->
    case unicode:characters_to_binary(B) of
        Good when is_binary(Good) -> Good;
        {incomplete, Good, _} -> Good;
        {error, Good, _} -> Good
    end.

pid_text(P) -> list_to_binary(pid_to_list(P)).
