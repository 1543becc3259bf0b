%% @doc Top supervisor of the agent: the sampler, the event ring, the
%% children pager, the tree server and the cluster's peer agents. The configuration is read and
%% validated once (beamscope_config:read/0, by beamscope_app) and handed to
%% each of them here; no worker reads the application env itself.
-module(beamscope_sup).
-behaviour(supervisor).

-export([start_link/1]).
-export([init/1]).

%% @doc Starts the supervisor with a validated config (beamscope_config:read/0).
-spec start_link(beamscope_config:config()) -> supervisor:startlink_ret().
start_link(Config) ->
    supervisor:start_link({local, ?MODULE}, ?MODULE, Config).

%% A sampler that keeps crashing gives up after 3 restarts in 60 s: the
%% application (temporary) then stops and the host node carries on.
init(Config) ->
    Flags = #{strategy => one_for_one, intensity => 3, period => 60},
    Sampler = #{id => beamscope_sampler,
                start => {beamscope_sampler, start_link, [Config]},
                restart => permanent,
                shutdown => 5000,
                type => worker,
                modules => [beamscope_sampler]},
    %% After the sampler (they publish through it), stopped before it.
    Events = #{id => beamscope_events, start => {beamscope_events, start_link, [Config]},
               restart => permanent, shutdown => 5000, type => worker,
               modules => [beamscope_events, beamscope_restarts]},
    Tree = #{id => beamscope_tree, start => {beamscope_tree, start_link, [Config]},
             restart => permanent, shutdown => 5000, type => worker,
             modules => [beamscope_tree, beamscope_tree_walk, beamscope_tree_proc, beamscope_tree_state]},
    %% Before the tree server, which sends it every walk it publishes.
    Pager = #{id => beamscope_pager, start => {beamscope_pager, start_link, [Config]},
              restart => permanent, shutdown => 5000, type => worker,
              modules => [beamscope_pager, beamscope_page]},
    %% Process pages, detail and actions (protocol 1.3).
    Inspect = #{id => beamscope_inspect, start => {beamscope_inspect, start_link, [Config]},
                restart => permanent, shutdown => 5000, type => worker,
                modules => [beamscope_inspect, beamscope_ps, beamscope_proc_detail, beamscope_actions]},
    %% The agents of the other nodes of the cluster, for --discover.
    Peers = #{id => beamscope_peers, start => {beamscope_peers, start_link, [Config]},
              restart => permanent, shutdown => 5000, type => worker, modules => [beamscope_peers]},
    {ok, {Flags, [Sampler, Events, Pager, Inspect, Tree, Peers]}}.
