%% @doc One walk of the supervision forest, with no state of its own: every
%% running application, its top supervisor, and down from there with
%% `which_children'. Only processes verified to run the supervisor
%% behaviour (their proc_lib '$initial_call') are ever sent a call, and
%% every call has a timeout, so a blocked supervisor costs at most that
%% timeout and a worker that crashes on unknown calls is never sent one.
%% Runs in a helper process of beamscope_tree: the walk may take seconds
%% when supervisors do not answer, and nothing else waits on it.
-module(beamscope_tree_walk).

-export([walk/1, is_supervisor/1, child_name/1, escape/1, module_name/1,
         print_bounded/2, which_children/2, valid_child/1, child_base/4, proc_stats/2,
         order_children/3]).

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
%% children) and the flags of every supervisor read (to cache by pid).
%% Cost: per supervisor two or three calls (count_children, which_children,
%% sys:get_state when small or not cached), per tree process one
%% process_info; for big dynamic supervisors one message_queue_len read per
%% child to pick the page.
-spec walk(opts()) -> {[tree_node()], #{pid() => map()}}.
walk(Opts) ->
    Running = try application:which_applications(maps:get(timeout, Opts))
              catch _:_ -> [] end,
    %% `apps' (optional) restricts the walk to some applications (benchmarks).
    Apps = case maps:get(apps, Opts, all) of
               all -> Running;
               Only -> [A || {Name, _, _} = A <- Running, lists:member(Name, Only)]
           end,
    {Nodes, Flags} = lists:foldl(fun({App, _, _}, Acc) -> walk_app(App, Opts, Acc) end,
                                 {[], #{}}, lists:sort(Apps)),
    {lists:reverse(Nodes), Flags}.

walk_app(App, Opts, {Nodes, Flags} = Acc) ->
    case length(Nodes) >= maps:get(max_nodes, Opts) of
        true -> Acc;
        false ->
            AppId = escape(child_name(App)),
            AppNode = #{id => AppId, parent_id => <<>>, kind => application,
                        application => AppId, name => AppId},
            case top_supervisor(App, maps:get(timeout, Opts)) of
                {ok, Top} ->
                    Name = top_name(Top),
                    Path = <<AppId/binary, "/", Name/binary>>,
                    Node0 = #{id => Path, parent_id => AppId, kind => supervisor,
                              application => AppId, name => Name},
                    walk_sup(Top, Node0, 0, Opts, {[AppNode | Nodes], Flags});
                none ->
                    {[AppNode | Nodes], Flags}
            end
    end.

%% application_master:get_child/1 waits without a timeout: ask it from a
%% helper that is killed when the master does not answer.
top_supervisor(App, Timeout) ->
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
    case erlang:process_info(Pid, registered_name) of
        {registered_name, Name} when is_atom(Name) -> escape(child_name(Name));
        _ -> escape(pid_text(Pid))
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

%% @doc True only when `Pid' runs the supervisor behaviour (Erlang's
%% supervisor, or Elixir's DynamicSupervisor), judged from the initial call
%% proc_lib recorded. Cost: one process_info, plus the dictionary of
%% proc_lib processes (OTP 25 cannot read one key of it).
-spec is_supervisor(pid()) -> boolean().
is_supervisor(Pid) when is_pid(Pid), node(Pid) =:= node() ->
    case erlang:process_info(Pid, initial_call) of
        {initial_call, {proc_lib, init_p, _}} ->
            case erlang:process_info(Pid, dictionary) of
                {dictionary, Dict} ->
                    case lists:keyfind('$initial_call', 1, Dict) of
                        {_, {supervisor, _, 1}} -> true;
                        {_, {'Elixir.DynamicSupervisor', init, 1}} -> true;
                        _ -> false
                    end;
                _ -> false
            end;
        _ -> false
    end;
is_supervisor(_) ->
    false.

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

%% @doc which_children of a verified supervisor, waiting at most `Timeout'
%% ms; the error text says why (timeout, died). Cost: one call; the
%% supervisor builds a list of all its children.
-spec which_children(pid(), pos_integer()) -> {ok, term()} | {error, binary()}.
which_children(Pid, Timeout) ->
    sup_call(Pid, which_children, Timeout).

%% gen_server:call with a timeout; the reply alias makes late answers vanish.
sup_call(Pid, Request, Timeout) ->
    try {ok, gen_server:call(Pid, Request, Timeout)}
    catch
        exit:{timeout, _} -> {error, <<"timeout: no answer to ", (atom_to_binary(Request))/binary>>};
        exit:{noproc, _} -> {error, <<"died during the walk">>};
        exit:{Reason, _} -> {error, <<"died during the walk: ", (print_bounded(Reason, 200))/binary>>}
    end.

%% Strategy, intensity, period and the restart type and shutdown of each
%% static child, from the supervisor's own state (a call, only on a
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
    try sys:get_state(Pid, maps:get(timeout, Opts)) of
        State -> parse_state(Pid, State, Flags)
    catch _:_ -> {#{}, #{}, Flags}
    end.

%% The supervisor's #state{} record (OTP 21..27 layout); anything else is
%% read as unknown rather than trusted.
parse_state(Pid, State, Flags) when is_tuple(State), tuple_size(State) >= 8,
                                    element(1, State) =:= state ->
    parse_fields(Pid, element(3, State), element(4, State), element(6, State),
                 element(7, State), element(8, State), Flags);
parse_state(_Pid, _Other, Flags) ->
    {#{}, #{}, Flags}.

parse_fields(Pid, Strategy, {_Ids, ChildMap}, Intensity, Period, Restarts, Flags)
  when is_atom(Strategy), is_integer(Intensity), is_integer(Period), is_list(Restarts),
       is_map(ChildMap) ->
    SupFlags = #{strategy => atom_to_binary(Strategy), intensity => Intensity,
                 period_s => Period, restarts_in_period => in_period(Restarts, Period)},
    Specs = maps:fold(fun(_, Child, M) -> spec(Child, M) end, #{}, ChildMap),
    Entry = #{flags => maps:remove(restarts_in_period, SupFlags), specs => Specs},
    {SupFlags, Specs, Flags#{Pid => Entry}};
parse_fields(_Pid, _S, _C, _I, _P, _R, Flags) ->
    {#{}, #{}, Flags}.

%% The supervisor prunes its restart times only at the next restart: count
%% those inside the period now (monotonic seconds since OTP 21).
in_period(Restarts, Period) ->
    Now = erlang:monotonic_time(second),
    length([T || T <- Restarts, is_integer(T), Now - T =< Period]).

spec({child, _Pid, Id, _Mfa, Restart, _Significant, Shutdown, _Type, _Mods}, M) ->
    M#{Id => #{restart_type => text(Restart), shutdown => text(Shutdown)}};
spec({child, _Pid, Id, _Mfa, Restart, Shutdown, _Type, _Mods}, M) ->
    M#{Id => #{restart_type => text(Restart), shutdown => text(Shutdown)}};
spec(_, M) ->
    M.

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
    Spec = maps:get(Id, Specs, maps:get(undefined_spec(Specs), Specs, #{})),
    Base = maps:merge(Spec, #{id => <<SupId/binary, "/", Name/binary>>, parent_id => SupId,
                              application => App, name => Name, modules => modules(Mods)}),
    case Child of
        P when is_pid(P) -> Base#{pid => P};
        restarting -> Base#{pid_state => <<"restarting">>};
        undefined -> Base#{pid_state => <<"undefined">>}
    end.

%% simple_one_for_one keeps its one spec under the spec's id.
undefined_spec(Specs) ->
    case maps:keys(Specs) of
        [Only] -> Only;
        _ -> '$none'
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

%% @doc Mailbox, reductions, name; memory only under the mailbox guard
%% (read after message_queue_len: `memory' walks the queue without
%% yielding). Empty when the process is gone. Cost: one or two process_info.
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
              registered_name => case N of [] -> <<>>; _ -> module_name(N) end};
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

text(A) when is_atom(A) -> atom_to_binary(A);
text(I) when is_integer(I) -> integer_to_binary(I);
text(_) -> <<>>.
