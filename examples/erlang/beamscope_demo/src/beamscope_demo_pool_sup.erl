%% @doc simple_one_for_one pool of identical workers.
-module(beamscope_demo_pool_sup).
-behaviour(supervisor).

-export([start_link/0, start_worker/1, init/1]).

-spec start_link() -> {ok, pid()} | {error, term()}.
start_link() ->
    supervisor:start_link({local, ?MODULE}, ?MODULE, []).

%% @doc Adds one worker with index `N' to the pool.
-spec start_worker(pos_integer()) -> {ok, pid()} | {error, term()}.
start_worker(N) ->
    supervisor:start_child(?MODULE, [N]).

init([]) ->
    Flags = #{strategy => simple_one_for_one, intensity => 10, period => 10},
    Worker = #{id => beamscope_demo_worker, start => {beamscope_demo_worker, start_link, []},
               restart => permanent, shutdown => 1000},
    {ok, {Flags, [Worker]}}.
