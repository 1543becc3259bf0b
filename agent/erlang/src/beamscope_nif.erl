%% @doc The NIF half of the agent (priv/beamscope_nif.so). Loaded by
%% on_load; when the library cannot be loaded the module does not load,
%% the reason is logged, and beamscope_app refuses to start.
%% Every function here returns in well under 1 ms except start/1 and
%% stop/1, which bind or close sockets and join threads on a dirty I/O
%% scheduler.
-module(beamscope_nif).

-export([start/1, stop/1, sweep_begin/1, sweep_chunk/2, sweep_end/1,
         publish/5, stats/1, publish_tree/3, publish_events/3, tree_snapshot/1]).

-on_load(load/0).

-define(NOT_LOADED, erlang:nif_error({not_loaded, ?MODULE})).

load() ->
    case code:priv_dir(beamscope) of
        {error, bad_name} ->
            logger:error("beamscope: no priv dir for application beamscope (is ERL_LIBS set?)"),
            {error, no_priv_dir};
        Priv ->
            Path = filename:join(Priv, "beamscope_nif"),
            case erlang:load_nif(Path, 0) of
                ok -> ok;
                {error, {Kind, Text}} = Error ->
                    logger:error("beamscope: cannot load ~ts.so: ~p: ~ts", [Path, Kind, Text]),
                    Error
            end
    end.

%% @doc Starts the stream server and the /metrics exposer. `Config` has
%% stream_endpoint (binary), metrics_listen (binary | disabled) and top_k.
%% The error binary names the endpoint that failed. Dirty I/O: binds.
-spec start(map()) -> {ok, reference()} | {error, binary()}.
start(_Config) -> ?NOT_LOADED.

%% @doc Stops threads and closes sockets; idempotent. Dirty I/O: joins threads.
-spec stop(reference()) -> ok.
stop(_Ref) -> ?NOT_LOADED.

%% @doc Starts a sweep of the process table. O(1).
-spec sweep_begin(reference()) -> ok.
sweep_begin(_Ref) -> ?NOT_LOADED.

%% @doc Adds `[{Pid, MessageQueueLen, Reductions, TotalHeapWords}]` to the
%% current sweep. O(length) with small constants; keep chunks ~2,000 long.
-spec sweep_chunk(reference(), [{pid(), non_neg_integer(), non_neg_integer(), non_neg_integer()}]) -> ok.
sweep_chunk(_Ref, _Items) -> ?NOT_LOADED.

%% @doc Ends the sweep; returns the hot set (union of the top-K by mailbox,
%% by reductions since the previous sweep and by total heap). O(K log K).
-spec sweep_end(reference()) -> [pid()].
sweep_end(_Ref) -> ?NOT_LOADED.

%% @doc Builds a keyframe from the maps, keeps it for /metrics and sends a
%% keyframe or a delta on the stream (never blocks; drops are counted).
%% O(hot set).
-spec publish(reference(), map(), map(), [map()], map()) -> ok.
publish(_Ref, _NodeInfo, _Gauges, _Hot, _SweepStats) -> ?NOT_LOADED.

%% @doc The agent's counters and its view of the last sweep (for tests and
%% diagnostics). O(K).
-spec stats(reference()) -> map().
stats(_Ref) -> ?NOT_LOADED.

%% @doc Stores the supervision tree (beamscope_tree's node maps, parents
%% first) and TreeStats; every keyframe published from now on carries
%% them. Dirty CPU: O(nodes), up to 5,000 nodes.
-spec publish_tree(reference(), [map()], map()) -> ok.
publish_tree(_Ref, _Nodes, _Stats) -> ?NOT_LOADED.

%% @doc Stores the latest events (at most 256 are kept) and the monitor
%% counters for the next keyframes. O(events).
-spec publish_events(reference(), [map()], map()) -> ok.
publish_events(_Ref, _Events, _Monitor) -> ?NOT_LOADED.

%% @doc The tree, events and tree stats of the latest published keyframe,
%% decoded back to maps (tests and diagnostics). Dirty CPU: O(tree).
-spec tree_snapshot(reference()) -> map().
tree_snapshot(_Ref) -> ?NOT_LOADED.
