%% @doc VM-wide gauges and counters: O(1) calls, taken every tick.
%% Scheduler utilization needs the `scheduler_wall_time` system flag. The
%% flag is counted per process by ERTS: the node-wide state stays on while
%% any process that turned it on (and did not turn it off) is alive. So the
%% sampler turns it on once at start and off once at stop: that undoes
%% exactly our own request and never switches off someone else's.
-module(beamscope_gauges).

-export([naming/1, node_name/1, sample/1, enable_wall_time/0, disable_wall_time/0, node_info/1]).
-export_type([wall_time/0, naming/0]).

-type naming() :: {auto, Host :: binary()} | binary().

-type wall_time() :: [{pos_integer(), non_neg_integer(), non_neg_integer()}] | undefined.

%% @doc Adds the calling process's request for scheduler wall-time
%% accounting; returns whether it was already on node-wide. Cost: one
%% system flag.
-spec enable_wall_time() -> boolean().
enable_wall_time() ->
    erlang:system_flag(scheduler_wall_time, true).

%% @doc Withdraws the calling process's request (one enable_wall_time/0).
%% The flag stays on when another process asked for it too; it also goes
%% away by itself when the calling process dies.
-spec disable_wall_time() -> ok.
disable_wall_time() ->
    _ = erlang:system_flag(scheduler_wall_time, false),
    ok.

%% @doc How the node is named, from the config key node_name: a set name,
%% or auto with the host read once (inet:gethostname/0 opens a socket each
%% call: not a thing to do every tick).
-spec naming(auto | binary()) -> naming().
naming(auto) ->
    {ok, Host} = inet:gethostname(),
    {auto, unicode:characters_to_binary(Host)};
naming(Name) when is_binary(Name) ->
    Name.

%% @doc The name the node is known by. auto is node(), except without
%% distribution: every such node is nonode@nohost, so the OS pid and the
%% host tell them apart on a collector and in Prometheus. Read each tick:
%% distribution may start after the agent.
-spec node_name(naming()) -> binary().
node_name({auto, Host}) ->
    case node() of
        nonode@nohost -> iolist_to_binary(["nonode-", os:getpid(), $@, Host]);
        Node -> atom_to_binary(Node, utf8)
    end;
node_name(Name) when is_binary(Name) ->
    Name.

%% @doc Identity of this node, as the NIF's NodeInfo. Cheap (a few
%% system_info calls).
-spec node_info(naming()) -> map().
node_info(Naming) ->
    UptimeUs = uptime(microsecond),
    Vsn = case application:get_key(beamscope, vsn) of
              {ok, V} -> V;
              undefined -> "unknown"
          end,
    #{node => node_name(Naming),
      otp_release => list_to_binary(erlang:system_info(otp_release)),
      erts_version => list_to_binary(erlang:system_info(version)),
      system_version => iolist_to_binary(string:trim(erlang:system_info(system_version))),
      started_at_us => erlang:system_time(microsecond) - UptimeUs,
      agent_version => list_to_binary(Vsn),
      schedulers_online => erlang:system_info(schedulers_online),
      dirty_cpu_schedulers_online => erlang:system_info(dirty_cpu_schedulers_online),
      word_size => erlang:system_info({wordsize, external})}.

%% @doc Takes every gauge. `Prev` is the wall-time sample of the previous
%% tick (undefined at first); returns the gauges map for the NIF and the
%% sample to pass next time. Cost: ~20 statistics/system_info calls, no
%% walk over processes.
-spec sample(wall_time()) -> {map(), wall_time()}.
sample(Prev) ->
    Wall = wall_time(),
    RunQueues = erlang:statistics(run_queue_lengths_all),
    Normal = erlang:system_info(schedulers),
    {NormalQs, Dirty} = lists:split(min(Normal, length(RunQueues)), RunQueues),
    {DirtyCpu, DirtyIo} = case Dirty of
                              [C, I | _] -> {C, I};
                              [C] -> {C, 0};
                              [] -> {0, 0}
                          end,
    {Reds, _} = erlang:statistics(reductions),
    {Gcs, Reclaimed, _} = erlang:statistics(garbage_collection),
    {{input, In}, {output, Out}} = erlang:statistics(io),
    {Switches, _} = erlang:statistics(context_switches),
    Gauges = #{process_count => erlang:system_info(process_count),
               process_limit => erlang:system_info(process_limit),
               port_count => erlang:system_info(port_count),
               port_limit => erlang:system_info(port_limit),
               atom_count => erlang:system_info(atom_count),
               atom_limit => erlang:system_info(atom_limit),
               ets_count => erlang:system_info(ets_count),
               ets_limit => erlang:system_info(ets_limit),
               run_queue_total => lists:sum(NormalQs) + DirtyCpu,
               run_queue_lengths => NormalQs,
               dirty_cpu_run_queue_length => DirtyCpu,
               dirty_io_run_queue_length => DirtyIo,
               memory => maps:from_list(erlang:memory()),
               reductions_total => Reds,
               gc_count_total => Gcs,
               gc_words_reclaimed_total => Reclaimed,
               io_input_bytes_total => In,
               io_output_bytes_total => Out,
               scheduler_util => utilization(Prev, Wall),
               uptime_ms => uptime(millisecond),
               context_switches_total => Switches},
    {Gauges, Wall}.

wall_time() ->
    case erlang:statistics(scheduler_wall_time_all) of
        undefined -> undefined;
        L -> lists:sort(L)
    end.

%% Utilization per scheduler over the last tick: active / total time.
%% Scheduler ids run normal, then dirty CPU, then dirty IO.
utilization(undefined, _) -> [];
utilization(_, undefined) -> [];
utilization(Prev, Now) when length(Prev) =/= length(Now) -> [];
utilization(Prev, Now) ->
    Normal = erlang:system_info(schedulers),
    DirtyCpu = erlang:system_info(dirty_cpu_schedulers),
    [{kind(Id, Normal, DirtyCpu), Id, ratio(A1 - A0, T1 - T0)}
     || {{Id, A0, T0}, {Id, A1, T1}} <- lists:zip(Prev, Now)].

kind(Id, Normal, _) when Id =< Normal -> normal;
kind(Id, Normal, DirtyCpu) when Id =< Normal + DirtyCpu -> dirty_cpu;
kind(_, _, _) -> dirty_io.

ratio(_, Total) when Total =< 0 -> 0.0;
ratio(Active, Total) -> min(1.0, max(0.0, Active / Total)).

uptime(Unit) ->
    Start = erlang:system_info(start_time),
    erlang:convert_time_unit(erlang:monotonic_time() - Start, native, Unit).
