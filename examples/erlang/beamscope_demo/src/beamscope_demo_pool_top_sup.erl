%% @doc rest_for_one supervisor of the worker pool and its filler: if the
%% pool supervisor restarts (and loses its workers), the filler restarts
%% after it and starts the workers again.
-module(beamscope_demo_pool_top_sup).
-behaviour(supervisor).

-export([start_link/0, init/1]).

-spec start_link() -> {ok, pid()} | {error, term()}.
start_link() ->
    supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    Flags = #{strategy => rest_for_one, intensity => 10, period => 10},
    Children = [#{id => beamscope_demo_pool_sup, start => {beamscope_demo_pool_sup, start_link, []},
                  type => supervisor, shutdown => infinity},
                #{id => beamscope_demo_pool_filler, start => {beamscope_demo_pool_filler, start_link, []},
                  restart => permanent, shutdown => 2000}],
    {ok, {Flags, Children}}.
