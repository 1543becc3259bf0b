%% @doc A gen_server that crashes on purpose every `crash_interval_ms', so
%% its supervisor restarts it and the restart counters and crash reports
%% have something to show. `crash_interval_ms' = 0 disables the crashes.
-module(beamscope_demo_crasher).
-behaviour(gen_server).

-export([start_link/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

-spec start_link() -> {ok, pid()} | {error, term()}.
start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

init([]) ->
    {ok, Ms} = application:get_env(beamscope_demo, crash_interval_ms),
    Ms > 0 andalso erlang:send_after(Ms, self(), crash),
    {ok, #{started_at => erlang:monotonic_time(millisecond)}}.

handle_call(uptime_ms, _From, State = #{started_at := T}) ->
    {reply, erlang:monotonic_time(millisecond) - T, State}.

handle_cast(_Msg, State) ->
    {noreply, State}.

handle_info(crash, _State) ->
    %% A deliberate failure, reported through the supervisor's crash report.
    exit(deliberate_demo_crash);
handle_info(_Other, State) ->
    {noreply, State}.
