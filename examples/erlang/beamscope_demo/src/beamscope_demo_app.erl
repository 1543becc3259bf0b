%% @doc Application callback of the demo server: starts the top supervisor.
-module(beamscope_demo_app).
-behaviour(application).

-export([start/2, stop/1]).

-spec start(application:start_type(), term()) -> {ok, pid()} | {error, term()}.
start(_Type, _Args) ->
    logger:notice("beamscope_demo starting on ~p", [node()]),
    beamscope_demo_sup:start_link().

-spec stop(term()) -> ok.
stop(_State) ->
    ok.
