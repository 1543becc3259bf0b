%% @doc A gen_server whose mailbox fills in bursts and drains slowly: every
%% `burst_interval_ms' it queues `burst_size' messages to itself and then
%% handles them one at a time, `drain_ms_per_message' each. Its mailbox
%% length therefore rises steeply and falls over a few seconds.
-module(beamscope_demo_burster).
-behaviour(gen_server).

-export([start_link/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

-spec start_link() -> {ok, pid()} | {error, term()}.
start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

init([]) ->
    schedule_burst(),
    {ok, #{handled => 0, bursts => 0}}.

handle_call(stats, _From, State) ->
    {reply, State, State}.

handle_cast(_Msg, State) ->
    {noreply, State}.

handle_info(burst, State = #{bursts := B}) ->
    {ok, Size} = application:get_env(beamscope_demo, burst_size),
    Self = self(),
    [Self ! {job, I} || I <- lists:seq(1, Size)],
    schedule_burst(),
    {noreply, State#{bursts := B + 1}};
handle_info({job, _I}, State = #{handled := H}) ->
    {ok, Ms} = application:get_env(beamscope_demo, drain_ms_per_message),
    Ms > 0 andalso timer:sleep(Ms),
    {noreply, State#{handled := H + 1}};
handle_info(_Other, State) ->
    {noreply, State}.

%% The timer message queues behind the backlog, so a new burst never starts
%% before the previous one has drained.
schedule_burst() ->
    {ok, Ms} = application:get_env(beamscope_demo, burst_interval_ms),
    erlang:send_after(Ms, self(), burst).
