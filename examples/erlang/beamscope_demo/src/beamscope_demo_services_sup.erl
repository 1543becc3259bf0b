%% @doc one_for_one supervisor of the two misbehaving servers: the crasher
%% and the bursty mailbox. Its intensity is generous because the crasher
%% dies on purpose and must never take the whole demo down.
-module(beamscope_demo_services_sup).
-behaviour(supervisor).

-export([start_link/0, init/1]).

-spec start_link() -> {ok, pid()} | {error, term()}.
start_link() ->
    supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    Flags = #{strategy => one_for_one, intensity => 1000, period => 1},
    Children = [worker(beamscope_demo_crasher), worker(beamscope_demo_burster)],
    {ok, {Flags, Children}}.

worker(Mod) ->
    #{id => Mod, start => {Mod, start_link, []}, restart => permanent, shutdown => 2000}.
