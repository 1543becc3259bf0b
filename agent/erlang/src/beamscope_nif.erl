%% @doc The NIF half of the agent (priv/beamscope_nif.so). Loaded by
%% on_load; when the library cannot be loaded the module does not load,
%% the reason is logged, and beamscope_app refuses to start.
%% Every function here returns in well under 1 ms except start/1 and
%% stop/1, which bind or close sockets and join threads on a dirty I/O
%% scheduler, and the O(N) ones marked dirty CPU.
-module(beamscope_nif).

-export([start/1, stop/1, sweep_begin/2, sweep_chunk/2, sweep_grow/2, sweep_end/1,
         sweep_load/2, sweep_stage/2, sweep_load_staged/1, sweep_next/2,
         sweep_hot/1, sweep_stats/1,
         publish/5, stats/1, publish_tree/3, publish_events/3, tree_snapshot/1,
         reply_page/3, pager_ready/1, thread_cpu_us/0,
         processes_page/2, mailbox_outlook/3, tree_entry/2, reply_answer/4, inspect_ready/1, sweep_wants_gcs/1,
         action_refusal/1, stream_identity/1, set_peer_agents/2]).

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

%% @doc Starts a sweep of the process table. `Masters` are the running
%% applications' masters (`[{Pid, NameBinary}]`, see
%% beamscope_sweep:app_masters/0); empty: this sweep counts no
%% applications. O(applications): the table is not cleared, dead entries
%% are purged a few slots per chunk.
-spec sweep_begin(reference(), [{pid(), binary()}]) -> ok.
sweep_begin(_Ref, _Masters) -> ?NOT_LOADED.

%% @doc Adds the last sweep_next/2 chunk to the current sweep: `Infos` is
%% what `process_info(Pid, message_queue_len)` (fast tier) or
%% `process_info(Pid, [message_queue_len, reductions, heap_size,
%% group_leader])` (slow tier) returned for each of its pids, in order;
%% `undefined` and malformed items are skipped, more items than pids is
%% badarg. O(length), a few tens of ns an item. Returns `grow` when the
%% table wants sweep_grow/2, and the scheduler thread's CPU time in us
%% since sweep_next/2 (`wall` when the process moved between threads).
-spec sweep_chunk(reference(), list()) -> {ok | grow, non_neg_integer() | wall}.
sweep_chunk(_Ref, _Infos) -> ?NOT_LOADED.

%% @doc Grows the table to hold `Expected` processes (no-op when it
%% does). Dirty CPU: O(N); its CPU time is counted in stats/1's
%% thread_cpu_us.
-spec sweep_grow(reference(), non_neg_integer()) -> ok.
sweep_grow(_Ref, _Expected) -> ?NOT_LOADED.

%% @doc Copies the sweep's pid list (erlang:processes/0, in its order)
%% into the NIF, 8 bytes a process, replacing the previous one, and finds
%% the pids the last complete sweep did not see (handed out first by
%% sweep_next/2); returns how many pids it holds and its own CPU time in
%% us. Non-pids are skipped. Dirty CPU: O(N).
-spec sweep_load(reference(), [pid()]) -> {non_neg_integer(), non_neg_integer()}.
sweep_load(_Ref, _Pids) -> ?NOT_LOADED.

%% @doc Appends up to 20,000 pids (non-pids skipped) to a list built in
%% parts (OTP 28+: paged through erlang:processes_next/1, so no Erlang
%% heap holds the whole list); the first part after a load starts a new
%% one. O(length), a few ns a pid.
-spec sweep_stage(reference(), [pid()]) -> ok.
sweep_stage(_Ref, _Pids) -> ?NOT_LOADED.

%% @doc Loads the list built by sweep_stage/2 as sweep_load/2 loads its
%% argument; same result. Dirty CPU: O(N).
-spec sweep_load_staged(reference()) -> {non_neg_integer(), non_neg_integer()}.
sweep_load_staged(_Ref) -> ?NOT_LOADED.

%% @doc The next `N` (1..20,000) pids of the loaded list, in order, how
%% many, and whether the list is now exhausted; sweep_chunk/2 takes their
%% process_info/2 results. O(N), a few ns a pid.
-spec sweep_next(reference(), pos_integer()) -> {[pid()], non_neg_integer(), boolean()}.
sweep_next(_Ref, _N) -> ?NOT_LOADED.

%% @doc Ends the sweep and swaps its results in; returns the hot set
%% (union of the top-K by mailbox, by mailbox growth, by reductions since
%% the previous sweep and by heap). O(K log K).
-spec sweep_end(reference()) -> [pid()].
sweep_end(_Ref) -> ?NOT_LOADED.

%% @doc The last complete sweep's hot set followed by the sweep under
%% way's top mailboxes. O(K).
-spec sweep_hot(reference()) -> [pid()].
sweep_hot(_Ref) -> ?NOT_LOADED.

%% @doc The table (tracked_processes, table_bytes, bytes_per_process),
%% progress of the sweep under way, and the last sweep's rankings and
%% application totals. O(K + applications).
-spec sweep_stats(reference()) -> map().
sweep_stats(_Ref) -> ?NOT_LOADED.

%% @doc Builds a keyframe from the maps, keeps it for /metrics and sends a
%% keyframe or a delta on the stream (never blocks; drops are counted).
%% O(hot set). `{error, Text}` when the maps cannot be encoded.
-spec publish(reference(), map(), map(), [map()], map()) -> ok | {error, binary()}.
publish(_Ref, _NodeInfo, _Gauges, _Hot, _SweepStats) -> ?NOT_LOADED.

%% @doc The agent's counters and its view of the last sweep (for tests and
%% diagnostics), and `thread_cpu_us`: the CPU time of the NIF's own
%% threads (stream I/O, /metrics) since start/1. O(K).
-spec stats(reference()) -> map().
stats(_Ref) -> ?NOT_LOADED.

%% @doc The CPU time of the scheduler thread running the caller, in
%% microseconds (beamscope_cost). O(1).
-spec thread_cpu_us() -> non_neg_integer().
thread_cpu_us() -> ?NOT_LOADED.

%% @doc Stores the supervision tree (beamscope_tree's node maps, parents
%% first) and TreeStats; every keyframe published from now on carries
%% them. Dirty CPU: O(nodes), up to 5,000 nodes. `{error, Text}` when
%% the tree cannot be encoded.
-spec publish_tree(reference(), [map()], map()) -> ok | {error, binary()}.
publish_tree(_Ref, _Nodes, _Stats) -> ?NOT_LOADED.

%% @doc Stores the latest events (at most 256 are kept) and the monitor
%% counters for the next keyframes. O(events). `{error, Text}` when the
%% events cannot be encoded.
-spec publish_events(reference(), [map()], map()) -> ok | {error, binary()}.
publish_events(_Ref, _Events, _Monitor) -> ?NOT_LOADED.

%% @doc The tree, events and tree stats of the latest published keyframe,
%% decoded back to maps (tests and diagnostics). Dirty CPU: O(tree).
-spec tree_snapshot(reference()) -> map().
tree_snapshot(_Ref) -> ?NOT_LOADED.

%% @doc Answers a children request the NIF forwarded to beamscope_pager
%% (`{beamscope_children_request, Viewer, Request}`): sends `Page`
%% (#{request_id, supervisor_id, offset, total, order, children => [NodeMap]}
%% or with `error => Binary`) to that viewer. At most 1,000 children are
%% read. Dirty CPU: O(children).
-spec reply_page(reference(), binary(), map()) -> ok | {error, binary()}.
reply_page(_Ref, _Viewer, _Page) -> ?NOT_LOADED.

%% @doc Tells the NIF a (new) pager serves requests: requests forwarded to
%% an earlier one no longer count against the in-flight bound. O(1).
-spec pager_ready(reference()) -> ok.
pager_ready(_Ref) -> ?NOT_LOADED.

%% @doc One page of every process (protocol 1.3): `Request' a
%% ProcessesRequest map (sort, ascending, name_filter, application,
%% min_mailbox, offset, limit), sorted and filtered over the last complete
%% sweep's table. Rows are `{Pid, Name, App, Mailbox, GrowthPerS,
%% MemoryBytes, RedsPerS, MinorGcs | undefined, SlowKnown, SlowAgeMs}'.
%% Dirty CPU: O(N) without the agent's lock (tens of ms at 1M processes).
-spec processes_page(reference(), map()) -> map() | {error, binary()}.
processes_page(_Ref, _Request) -> ?NOT_LOADED.

%% @doc A process's mailbox growth (messages/s) as the hot set's history
%% has it when the last tick read the process, else as the last complete
%% sweep has it; the seconds until `Mailbox' reaches mailbox_alarm at that
%% growth (0: not growing, or there already); the reading's age in ms.
%% undefined when neither has read it. Dirty CPU: a linear search of the
%% table when the process is not hot.
-spec mailbox_outlook(reference(), pid(), non_neg_integer()) ->
          {float(), float(), non_neg_integer()} | undefined.
mailbox_outlook(_Ref, _Pid, _Mailbox) -> ?NOT_LOADED.

%% @doc The latest tree's entry (a TreeNode map) of the process printed as
%% `PidText', or undefined. Dirty CPU: a scan of the tree.
-spec tree_entry(reference(), binary()) -> map() | undefined.
tree_entry(_Ref, _PidText) -> ?NOT_LOADED.

%% @doc Sends the answer to a forwarded process request to `Viewer':
%% `Kind' processes | process | action, `Answer' a ProcessesPage,
%% ProcessDetail or ActionResult map. Dirty CPU: up to 256 KiB.
-spec reply_answer(reference(), binary(), processes | process | action, map()) -> ok | {error, binary()}.
reply_answer(_Ref, _Viewer, _Kind, _Answer) -> ?NOT_LOADED.

%% @doc Tells the NIF a (new) beamscope_inspect serves process requests. O(1).
-spec inspect_ready(reference()) -> ok.
inspect_ready(_Ref) -> ?NOT_LOADED.

%% @doc Whether a page by minor GCs was asked for lately (the next slow
%% sweep then reads garbage_collection too). O(1).
-spec sweep_wants_gcs(reference()) -> boolean().
sweep_wants_gcs(_Ref) -> ?NOT_LOADED.

%% @doc The refusal of an action that allow_actions does not name, in the
%% protocol's words (it names the setting). O(1).
-spec action_refusal(atom()) -> binary().
action_refusal(_Action) -> ?NOT_LOADED.

%% @doc How a viewer reaches this agent's stream: the endpoint bound (<<>>
%% when it only dials collectors) and its CURVE public key (<<>>:
%% plaintext). O(1).
-spec stream_identity(reference()) -> #{endpoint := binary(), public_key := binary()}.
stream_identity(_Ref) -> ?NOT_LOADED.

%% @doc The agents of the other nodes of the cluster, `{Node, Endpoint,
%% PublicKey}' binaries (beamscope_peers), sent in the stream's AgentStats
%% from the next tick on for a collector's --discover. O(peers), at most 256 kept.
-spec set_peer_agents(reference(), [{binary(), binary(), binary()}]) -> ok.
set_peer_agents(_Ref, _Peers) -> ?NOT_LOADED.
