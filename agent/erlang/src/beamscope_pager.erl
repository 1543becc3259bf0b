%% @doc Serves children pages (protocol 1.2 ChildrenRequest): the NIF's
%% stream thread forwards each request here as a message, this server
%% resolves the supervisor id against the last walk (beamscope_tree sends
%% it every publish) and builds the page in a short-lived process
%% (beamscope_page), which answers the viewer itself. The server only
%% looks things up and spawns: it never calls a supervisor, and neither
%% the tree server, the sampler nor the NIF thread waits on a page. At most
%% MAX_INFLIGHT pages are built at once, and pages together use at most
%% PAGE_SHARE_X times the agent's CPU budget (a token bucket of one
%% second's worth; the first page always runs): beyond either, "busy" is
%% answered at once, so a flood of requests costs the node next to
%% nothing. Each page's wall time is also charged to the sampler's budget
%% (beamscope_sampler:charge_requested/1), which slows the sweep a little after it.
-module(beamscope_pager).
-behaviour(gen_server).

-export([start_link/1, children/4, tree/2]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

-define(MAX_INFLIGHT, 4).
%% A page may take this long past the supervisor's call timeout (100,000
%% children ordered by mailbox take well under a second).
-define(PAGE_SLACK_MS, 10000).
-define(MAX_LIMIT, 1000).
-define(PAGE_SHARE_X, 5).
%% Fields of the last walk's entries merged into pages (restarts, and what
%% the walk read of supervisors).
-define(KNOWN, [restarts_total, self_restarts_total, recent_restarts, restarts_in_period, escalated,
                strategy, intensity, period_s, child_specs, active_children, supervisors, workers,
                children_total, unresponsive, walk_error]).

-record(state, {ref :: reference() | undefined,
                sampler :: reference() | undefined,
                timeout :: pos_integer(),
                guard :: non_neg_integer(),
                rate :: float(),                     % page credit, us per wall us
                credit :: float(),                   % us; at most one second's worth
                refilled :: integer(),
                index = #{} :: #{binary() => map()},   % last walk: id => entry
                known = #{} :: #{binary() => map()},   % last walk: id => restart fields
                inflight = #{} :: #{reference() => {pid(), target(), beamscope_page:request(),
                                                     reference(), integer()}}}).

-type target() :: {viewer, binary()} | {caller, gen_server:from()}.

%% @doc Starts the pager (registered as beamscope_pager: the NIF sends
%% requests to that name) with the agent's validated config
%% (beamscope_config:read/0): tree_call_timeout_ms, mailbox_guard, budget.
-spec start_link(beamscope_config:config()) -> gen_server:start_ret().
start_link(Config) ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, Config, []).

%% @doc A page from inside the node (tests, diagnostics), through the same
%% path and bounds as a viewer's request. `Order' is supervisor_order,
%% by_mailbox, by_memory or by_reductions.
-spec children(binary(), non_neg_integer(), non_neg_integer(), atom()) -> map().
children(SupId, Offset, Limit, Order) ->
    Req = #{request_id => 0, supervisor_id => SupId, offset => Offset, limit => Limit, order => Order},
    gen_server:call(?MODULE, {children, Req}, 60000 + ?PAGE_SLACK_MS).

%% @doc The last walk's nodes (annotated with restarts) and its cache of
%% supervisor flags and specs by pid, from beamscope_tree. Asynchronous.
-spec tree([map()], #{pid() => map()}) -> ok.
tree(Nodes, Flags) ->
    gen_server:cast(?MODULE, {tree, Nodes, Flags}).

init(#{tree_call_timeout_ms := Timeout, mailbox_guard := Guard, budget := Budget}) ->
    Rate = min(0.5, Budget * ?PAGE_SHARE_X) * erlang:system_info(schedulers_online),
    self() ! fetch_ref,
    {ok, #state{timeout = Timeout, guard = Guard,
                rate = Rate, credit = Rate * 1.0e6, refilled = now_us()}}.

handle_call({children, Req}, From, S) ->
    {noreply, request({caller, From}, Req, S)};
handle_call(_Other, _From, S) ->
    {reply, {error, unknown_call}, S}.

handle_cast({tree, Nodes, Flags}, S) ->
    {noreply, index(Nodes, Flags, S)};
handle_cast(_Msg, S) ->
    {noreply, S}.

handle_info({beamscope_children_request, Viewer, Req}, S) when is_binary(Viewer), is_map(Req) ->
    {noreply, request({viewer, Viewer}, Req, S)};
handle_info({'DOWN', MRef, process, _Pid, Why}, #state{inflight = In} = S) when is_map_key(MRef, In) ->
    {_, Target, Req, Timer, Started} = maps:get(MRef, In),
    _ = erlang:cancel_timer(Timer),
    %% A builder that answered exits normally (having sent its cost);
    %% anything else answers here and is charged what it ran.
    Cost = case Why of
               normal -> 0;
               _ -> now_us() - Started
           end,
    S1 = S#state{inflight = maps:remove(MRef, In), credit = S#state.credit - Cost},
    case Why of
        normal -> ok;
        deadline -> answer(Target, beamscope_page:error_page(Req, <<"page took too long; not answered">>), S1);
        _ -> answer(Target, beamscope_page:error_page(Req, <<"page failed: ",
                                                             (beamscope_tree_walk:print_bounded(Why, 200))/binary>>), S1)
    end,
    {noreply, S1};
handle_info({'DOWN', MRef, process, _Pid, _Why}, #state{sampler = MRef} = S) ->
    %% A restarted sampler owns a new NIF state: fetch it again. Hibernate
    %% collects the old reference now: the old state (and the ports it
    %% holds) is freed only when no process holds it any more.
    erlang:send_after(500, self(), fetch_ref),
    {noreply, S#state{ref = undefined, sampler = undefined}, hibernate};
handle_info({deadline, MRef}, #state{inflight = In} = S) ->
    case maps:find(MRef, In) of
        {ok, {Pid, _, _, _, _}} -> exit(Pid, deadline);
        error -> ok
    end,
    {noreply, S};
handle_info({page_cost, Us}, S) when is_integer(Us) ->
    {noreply, S#state{credit = S#state.credit - Us}};
handle_info(fetch_ref, S) ->
    {noreply, fetch_ref(S)};
handle_info(_Other, S) ->
    {noreply, S}.

%% The NIF state is the sampler's: ask it once (the sampler starts first).
fetch_ref(#state{ref = undefined} = S) ->
    try beamscope_sampler:nif_ref() of
        {ok, Ref, Sampler} ->
            ok = beamscope_nif:pager_ready(Ref),
            S#state{ref = Ref, sampler = erlang:monitor(process, Sampler)}
    catch _:_ ->
            erlang:send_after(1000, self(), fetch_ref),
            S
    end;
fetch_ref(S) ->
    S.

%% --- requests --------------------------------------------------------------

request(Target, Req0, S0) ->
    #state{inflight = In} = S = refill(S0),
    case check(Req0, S) of
        {error, Req, Text} ->
            answer(Target, beamscope_page:error_page(Req, Text), S),
            S;
        {ok, Req, _Sup} when map_size(In) >= ?MAX_INFLIGHT ->
            answer(Target, beamscope_page:error_page(Req, <<"busy: ", (integer_to_binary(?MAX_INFLIGHT))/binary,
                                                             " children pages in progress, try again">>), S),
            S;
        {ok, Req, _Sup} when S#state.credit =< 0 ->
            RetryMs = ceil(-S#state.credit / S#state.rate / 1000),
            answer(Target, beamscope_page:error_page(Req, <<"busy: children pages used their share of the agent's "
                                                            "CPU budget, retry in ", (integer_to_binary(RetryMs))/binary,
                                                            " ms">>), S),
            S;
        {ok, Req, Sup} ->
            start(Target, Req, Sup, S)
    end.

refill(#state{rate = Rate, credit = C, refilled = Last} = S) ->
    Now = now_us(),
    S#state{credit = min(Rate * 1.0e6, C + (Now - Last) * Rate), refilled = Now}.

now_us() -> erlang:monotonic_time(microsecond).

%% Never trusts the request: fields of the wrong type, an unknown order, a
%% limit past the protocol's bound. Ids are looked up as binaries only.
check(#{request_id := Rid, supervisor_id := Id, offset := Off, limit := Lim, order := Order} = Req0,
      #state{index = Index})
  when is_integer(Rid), Rid >= 0, is_binary(Id), is_integer(Off), Off >= 0, is_integer(Lim), Lim >= 0 ->
    Req = Req0#{limit := min(Lim, ?MAX_LIMIT), order := known_order(Order)},
    case {maps:get(order, Req), maps:get(Id, Index, undefined)} of
        {unknown, _} -> {error, Req#{order := supervisor_order}, <<"unknown order">>};
        {_, undefined} ->
            {error, Req, <<"unknown supervisor id ", Id/binary, " (not in the agent's last walk of the tree)">>};
        {_, #{kind := supervisor, pid := Pid} = Sup} when is_pid(Pid) -> {ok, Req, Sup};
        {_, #{kind := supervisor}} -> {error, Req, <<"supervisor ", Id/binary, " is not running">>};
        {_, #{kind := Kind}} ->
            {error, Req, <<Id/binary, " is a ", (atom_to_binary(Kind))/binary, ", not a supervisor">>}
    end;
check(Req, _S) ->
    Clean = #{request_id => 0, supervisor_id => <<>>, offset => 0, order => supervisor_order},
    {error, maps:merge(Clean, maps:with([request_id], Req)), <<"malformed request">>}.

known_order(O) when O =:= supervisor_order; O =:= by_mailbox; O =:= by_memory; O =:= by_reductions -> O;
known_order(_) -> unknown.

start(Target, Req, Sup, #state{ref = Ref, inflight = In, timeout = T, guard = G, known = Known} = S) ->
    Opts = #{timeout => T, guard => G, known => Known},
    try spawn_monitor(fun() -> build_and_answer(Target, Req, Sup, Opts, Ref) end) of
        {Pid, MRef} ->
            Timer = erlang:send_after(T + ?PAGE_SLACK_MS, self(), {deadline, MRef}),
            S#state{inflight = In#{MRef => {Pid, Target, Req, Timer, now_us()}}}
    catch error:system_limit ->
            answer(Target, beamscope_page:error_page(Req, <<"busy: the node is at its process limit">>), S),
            S
    end.

build_and_answer(Target, Req, Sup, Opts, Ref) ->
    T0 = now_us(),
    Page = beamscope_page:build(Req, Sup, Opts),
    answer(Target, Page, Ref),
    %% A page costs the node its wall time (the supervisor's which_children
    %% included); a refusal mostly waited on a supervisor, and is free.
    Us = case Page of
             #{error := _} -> 0;
             _ -> now_us() - T0
         end,
    beamscope_pager ! {page_cost, Us},
    beamscope_sampler:charge_requested(Us).

answer(Target, Page, #state{ref = Ref}) ->
    answer(Target, Page, Ref);
answer({caller, From}, Page, _Ref) ->
    gen_server:reply(From, Page);
answer({viewer, _}, _Page, undefined) ->
    ok;
answer({viewer, Viewer}, Page, Ref) ->
    _ = beamscope_nif:reply_page(Ref, Viewer, Page),
    ok.

%% --- the last walk ---------------------------------------------------------

%% id => what a request needs to find the supervisor; `known': the restart
%% and supervisor fields of entries worth merging into pages.
index(Nodes, Flags, S) ->
    Index = maps:from_list([{Id, index_entry(N, Flags)} || #{id := Id} = N <- Nodes]),
    Known = maps:from_list([{Id, maps:with(?KNOWN, N)} || #{id := Id} = N <- Nodes, known(N)]),
    S#state{index = Index, known = Known}.

index_entry(#{kind := supervisor} = N, Flags) ->
    Specs = case maps:get(maps:get(pid, N, undefined), Flags, undefined) of
                #{specs := Sp} -> Sp;
                _ -> #{}
            end,
    (maps:with([kind, pid, application], N))#{specs => Specs};
index_entry(N, _Flags) ->
    maps:with([kind], N).

known(#{kind := supervisor}) -> true;
known(#{restarts_total := T}) when T > 0 -> true;
known(_) -> false.
