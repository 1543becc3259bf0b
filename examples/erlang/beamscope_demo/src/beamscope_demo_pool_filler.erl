%% @doc Starts `pool_size' workers in the pool at init, then idles. Exists
%% as a process (not a call in the application start) so that the
%% rest_for_one parent refills the pool after the pool supervisor restarts.
-module(beamscope_demo_pool_filler).
-behaviour(gen_server).

-export([start_link/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

-spec start_link() -> {ok, pid()} | {error, term()}.
start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

init([]) ->
    {ok, Size} = application:get_env(beamscope_demo, pool_size),
    [{ok, _} = beamscope_demo_pool_sup:start_worker(N) || N <- lists:seq(1, Size)],
    logger:info("beamscope_demo pool filled with ~b workers", [Size]),
    {ok, Size}.

handle_call(size, _From, Size) ->
    {reply, Size, Size}.

handle_cast(_Msg, State) ->
    {noreply, State}.

handle_info(_Msg, State) ->
    {noreply, State}.
