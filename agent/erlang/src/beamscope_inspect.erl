%% @doc Serves process requests (protocol 1.3): pages of every process
%% (beamscope_ps), one process's detail (beamscope_proc_detail) and
%% actions (beamscope_actions). The NIF's stream thread forwards each
%% request here as `{beamscope_request, Kind, Viewer, ViewerKey, Request}`
%% (Request: the protobuf message as a map, see agent/nif/proto_terms.hpp);
%% this server only counts and spawns: each answer is built in a
%% short-lived process that answers the viewer itself, so no request waits
%% on another, and nothing here ever calls into the process asked about.
%% At most MAX_INFLIGHT answers are built at once and each has a deadline;
%% beyond, "busy" is answered at once. Each answer's wall time is charged
%% to the sampler's budget (beamscope_sampler:charge_requested/1).
-module(beamscope_inspect).
-behaviour(gen_server).

-export([start_link/1, request/2, stats/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

-define(MAX_INFLIGHT, 4).
-define(DEADLINE_MS, 15000).

-record(state, {ref :: reference() | undefined,
                sampler :: reference() | undefined,
                config :: map(),
                counts = #{} :: #{atom() => non_neg_integer()},
                inflight = #{} :: #{reference() => {pid(), target(), atom(), map(), reference()}}}).

-type target() :: {viewer, binary()} | {caller, gen_server:from()}.

%% @doc Starts the server (registered as beamscope_inspect: the NIF sends
%% requests to that name) with the agent's validated config.
-spec start_link(beamscope_config:config()) -> gen_server:start_ret().
start_link(Config) ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, Config, []).

%% @doc A request from inside the node (tests, diagnostics), through the
%% same path and bounds as a viewer's: `Kind' processes | process | action,
%% `Request' a map of the request's fields (absent ones take the
%% protocol's defaults). Returns the answer map.
-spec request(processes | process | action, map()) -> map().
request(Kind, Request) when is_map(Request) ->
    gen_server:call(?MODULE, {request, Kind, Request}, ?DEADLINE_MS + 5000).

%% @doc Counters: requests by kind, refusals, answers that hit the mailbox
%% guard (memory or messages not read), actions done and refused.
-spec stats() -> #{atom() => non_neg_integer()}.
stats() ->
    gen_server:call(?MODULE, stats, 5000).

init(Config) ->
    self() ! fetch_ref,
    {ok, #state{config = Config}}.

handle_call({request, Kind, Req}, From, S) ->
    {noreply, start({caller, From}, Kind, <<>>, Req, S)};
%% Suspensions are held by this long-lived process (a process's
%% suspensions end when its suspender exits).
handle_call({suspend, Pid}, _From, S) when is_pid(Pid) ->
    Reply = try erlang:suspend_process(Pid, [unless_suspending]) of
                true -> ok;
                false -> {error, <<"already suspended by the agent">>}
            catch error:badarg -> {error, <<"no such process">>}
            end,
    {reply, Reply, S};
handle_call({resume, Pid}, _From, S) when is_pid(Pid) ->
    Reply = try erlang:resume_process(Pid) of
                true -> ok
            catch error:badarg -> {error, <<"not suspended by the agent (or gone)">>}
            end,
    {reply, Reply, S};
handle_call(stats, _From, S) ->
    {reply, S#state.counts, S};
handle_call(_Other, _From, S) ->
    {reply, {error, unknown_call}, S}.

handle_cast({count, Key}, S) ->
    {noreply, count(Key, S)};
handle_cast(_Msg, S) ->
    {noreply, S}.

handle_info({beamscope_request, Kind, Viewer, Key, Req}, S)
  when is_atom(Kind), is_binary(Viewer), is_binary(Key), is_map(Req) ->
    {noreply, start({viewer, Viewer}, Kind, Key, Req, S)};
handle_info({'DOWN', MRef, process, _Pid, Why}, #state{inflight = In} = S) when is_map_key(MRef, In) ->
    {_, Target, Kind, Req, Timer} = maps:get(MRef, In),
    _ = erlang:cancel_timer(Timer),
    S1 = S#state{inflight = maps:remove(MRef, In)},
    case Why of
        normal -> ok;
        deadline -> answer(Target, Kind, error_answer(Kind, Req, <<"took too long; not answered">>), S1#state.ref);
        _ -> answer(Target, Kind, error_answer(Kind, Req, <<"failed: ",
                                                            (beamscope_tree_walk:print_bounded(Why, 200))/binary>>),
                    S1#state.ref)
    end,
    {noreply, S1};
handle_info({'DOWN', MRef, process, _Pid, _Why}, #state{sampler = MRef} = S) ->
    %% As the pager: hibernate collects the dead sampler's NIF state now.
    erlang:send_after(500, self(), fetch_ref),
    {noreply, S#state{ref = undefined, sampler = undefined}, hibernate};
handle_info({deadline, MRef}, #state{inflight = In} = S) ->
    case maps:find(MRef, In) of
        {ok, {Pid, _, _, _, _}} -> exit(Pid, deadline);
        error -> ok
    end,
    {noreply, S};
handle_info(fetch_ref, S) ->
    {noreply, fetch_ref(S)};
handle_info(_Other, S) ->
    {noreply, S}.

fetch_ref(#state{ref = undefined} = S) ->
    try beamscope_sampler:nif_ref() of
        {ok, Ref, Sampler} ->
            ok = beamscope_nif:inspect_ready(Ref),
            S#state{ref = Ref, sampler = erlang:monitor(process, Sampler)}
    catch _:_ ->
            erlang:send_after(1000, self(), fetch_ref),
            S
    end;
fetch_ref(S) ->
    S.

count(Key, #state{counts = C} = S) ->
    S#state{counts = maps:update_with(Key, fun(N) -> N + 1 end, 1, C)}.

start(Target, Kind, Key, Req, S0) when Kind =:= processes; Kind =:= process; Kind =:= action ->
    S = count(Kind, S0),
    #state{inflight = In, ref = Ref, config = Config} = S,
    if
        Ref =:= undefined ->
            answer(Target, Kind, error_answer(Kind, Req, <<"the agent is starting; try again">>), Ref),
            count(refused, S);
        map_size(In) >= ?MAX_INFLIGHT ->
            answer(Target, Kind, error_answer(Kind, Req, <<"busy: ", (integer_to_binary(?MAX_INFLIGHT))/binary,
                                                            " process requests in progress, try again">>), Ref),
            count(refused, S);
        true ->
            Viewer = case Target of {viewer, V} -> V; _ -> <<"local">> end,
            Ctx = #{ref => Ref, config => Config, viewer => Viewer, viewer_key => Key},
            try spawn_monitor(fun() -> build_and_answer(Target, Kind, Req, Ctx) end) of
                {Pid, MRef} ->
                    Timer = erlang:send_after(?DEADLINE_MS, self(), {deadline, MRef}),
                    S#state{inflight = In#{MRef => {Pid, Target, Kind, Req, Timer}}}
            catch error:system_limit ->
                    answer(Target, Kind, error_answer(Kind, Req, <<"busy: the node is at its process limit">>), Ref),
                    count(refused, S)
            end
    end;
start(Target, Kind, _Key, Req, S) ->
    answer(Target, Kind, error_answer(processes, Req, <<"unknown request kind">>), S#state.ref),
    count(refused, S).

build_and_answer(Target, Kind, Req, Ctx) ->
    T0 = erlang:monotonic_time(microsecond),
    Answer = build(Kind, Req, Ctx),
    answer(Target, Kind, Answer, maps:get(ref, Ctx)),
    beamscope_sampler:charge_requested(erlang:monotonic_time(microsecond) - T0).

build(processes, Req, #{ref := Ref}) -> beamscope_ps:page(Ref, Req);
build(process, Req, Ctx) -> beamscope_proc_detail:answer(Req, Ctx);
build(action, Req, Ctx) -> beamscope_actions:answer(Req, Ctx).

answer({caller, From}, _Kind, Answer, _Ref) ->
    gen_server:reply(From, Answer);
answer({viewer, _}, _Kind, _Answer, undefined) ->
    ok;
answer({viewer, Viewer}, Kind, Answer, Ref) ->
    _ = beamscope_nif:reply_answer(Ref, Viewer, Kind, Answer),
    ok.

%% @doc The error answer of a request of `Kind', echoing what names it.
-spec error_answer(atom(), map(), binary()) -> map().
error_answer(processes, Req, Why) ->
    (maps:with([request_id, offset, sort, ascending], Req))#{error => Why};
error_answer(process, Req, Why) ->
    (maps:with([request_id, pid], Req))#{error => Why};
error_answer(action, Req, Why) ->
    (maps:with([request_id, pid, action], Req))#{error => Why, ok => false}.
