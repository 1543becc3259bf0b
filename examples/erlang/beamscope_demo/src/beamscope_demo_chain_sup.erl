%% @doc rest_for_one supervisor of a small dependency chain
%% store -> cache -> frontend: if the store dies, the cache and frontend
%% that depend on it restart too, which shows up as grouped restarts.
-module(beamscope_demo_chain_sup).
-behaviour(supervisor).

-export([start_link/0, init/1]).

-spec start_link() -> {ok, pid()} | {error, term()}.
start_link() ->
    supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    Flags = #{strategy => rest_for_one, intensity => 10, period => 10},
    Children = [member(demo_store, undefined), member(demo_cache, demo_store),
                member(demo_frontend, demo_cache)],
    {ok, {Flags, Children}}.

member(Name, Upstream) ->
    #{id => Name, start => {beamscope_demo_chain_member, start_link, [Name, Upstream]},
      restart => permanent, shutdown => 2000}.
