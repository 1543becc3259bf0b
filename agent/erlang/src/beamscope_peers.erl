%% @doc Finds the agents on the other nodes of this node's distributed
%% cluster (nodes()), so that a collector started with --discover, given
%% one node, follows them all: they travel in the stream's
%% AgentStats.peer_agents.
%%
%% At start, a second after any node connects (its agent may start just
%% after), and every 30 s, one worker process asks every connected node
%% (at most 256) with one erpc:multicall/5 and a 2 s timeout; a node
%% without the agent answers with an error and is left out. Nothing here
%% runs in a user's process or blocks the sampler: the worker's answer is
%% cast to the sampler, which hands it to the NIF.
-module(beamscope_peers).
-behaviour(gen_server).

-export([start_link/1, identity/0, reachable/2]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

-define(INTERVAL_MS, 30000).
-define(NODEUP_DELAY_MS, 1000).
-define(CALL_TIMEOUT_MS, 2000).
-define(MAX_PEERS, 256).

-record(state, {timer :: reference() | undefined,
                worker :: pid() | undefined,
                again = false :: boolean()}).   % a check was asked for while one ran

-spec start_link(beamscope_config:config()) -> {ok, pid()} | {error, term()}.
start_link(_Config) ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

%% @doc This node's agent stream as another node's agent asks for it (over
%% erpc): `none' when no agent runs here.
-spec identity() -> #{node := binary(), endpoint := binary(), public_key := binary()} | none.
identity() ->
    try gen_server:call(beamscope_sampler, stream_identity, ?CALL_TIMEOUT_MS div 2) of
        #{endpoint := E} = Id -> Id#{endpoint := reachable(E, node())}
    catch
        exit:_ -> none
    end.

%% @doc An endpoint bound on every interface names no host a collector can
%% dial: the node's own host stands in (`web@10.0.0.7', `tcp://*:9755' ->
%% `tcp://10.0.0.7:9755').
-spec reachable(binary(), node()) -> binary().
reachable(<<"tcp://", Rest/binary>> = Endpoint, Node) ->
    case string:split(Rest, ":", trailing) of
        [Wild, Port] when Wild =:= <<"*">>; Wild =:= <<"0.0.0.0">>; Wild =:= <<"[::]">> ->
            case string:split(atom_to_binary(Node, utf8), "@") of
                [_, Host] when Host =/= <<"nohost">> -> <<"tcp://", Host/binary, ":", Port/binary>>;
                _ -> Endpoint
            end;
        _ -> Endpoint
    end;
reachable(Endpoint, _Node) ->
    Endpoint.

init([]) ->
    %% Fails on a node that is not distributed (yet): the periodic check
    %% still finds peers once it is.
    _ = (catch net_kernel:monitor_nodes(true)),
    {ok, schedule(#state{}, ?NODEUP_DELAY_MS)}.

handle_call(_Request, _From, S) ->
    {reply, {error, unknown_call}, S}.

handle_cast(_Msg, S) ->
    {noreply, S}.

handle_info(check, #state{worker = undefined} = S) ->
    Self = self(),
    {Pid, _} = spawn_monitor(fun() -> Self ! {peers, self(), ask(lists:sublist(nodes(), ?MAX_PEERS))} end),
    {noreply, schedule(S#state{worker = Pid, timer = undefined}, ?INTERVAL_MS)};
handle_info(check, S) ->
    {noreply, S#state{again = true, timer = undefined}};
handle_info({peers, Pid, Peers}, #state{worker = Pid} = S) ->
    gen_server:cast(beamscope_sampler, {peer_agents, Peers}),
    {noreply, S};
handle_info({'DOWN', _, process, Pid, _}, #state{worker = Pid, again = Again} = S) ->
    S1 = S#state{worker = undefined, again = false},
    {noreply, case Again of true -> schedule(S1, 0); false -> S1 end};
handle_info({nodeup, _Node}, S) ->
    {noreply, schedule(S, ?NODEUP_DELAY_MS)};
handle_info({nodedown, _Node}, S) ->
    {noreply, schedule(S, 0)};
handle_info(_Other, S) ->
    {noreply, S}.

%% The next check in `AfterMs' (an earlier one already due stays).
schedule(#state{timer = T} = S, AfterMs) ->
    case T =/= undefined andalso erlang:read_timer(T) of
        Left when is_integer(Left), Left =< AfterMs -> S;
        _ ->
            _ = T =/= undefined andalso erlang:cancel_timer(T),
            S#state{timer = erlang:send_after(AfterMs, self(), check)}
    end.

ask([]) ->
    [];
ask(Nodes) ->
    Answers = erpc:multicall(Nodes, ?MODULE, identity, [], ?CALL_TIMEOUT_MS),
    [{Node, Endpoint, Key} || {ok, #{node := Node, endpoint := Endpoint, public_key := Key}} <- Answers].
