%% @doc Top supervisor (one_for_one) of the demo: three subtrees with
%% different restart strategies, so the inspector has a varied tree to show.
-module(beamscope_demo_sup).
-behaviour(supervisor).

-export([start_link/0, init/1]).

-spec start_link() -> {ok, pid()} | {error, term()}.
start_link() ->
    supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    Flags = #{strategy => one_for_one, intensity => 10, period => 10},
    Children = [sup(beamscope_demo_services_sup), sup(beamscope_demo_chain_sup),
                sup(beamscope_demo_pool_top_sup)],
    {ok, {Flags, Children}}.

sup(Mod) ->
    #{id => Mod, start => {Mod, start_link, []}, type => supervisor, shutdown => infinity}.
