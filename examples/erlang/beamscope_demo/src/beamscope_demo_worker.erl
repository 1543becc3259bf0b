%% @doc A pool worker: wakes up periodically and does a small, uneven
%% amount of work, so reductions and heap sizes differ between workers.
-module(beamscope_demo_worker).
-behaviour(gen_server).

-export([start_link/1]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

-spec start_link(pos_integer()) -> {ok, pid()}.
start_link(N) ->
    gen_server:start_link(?MODULE, N, []).

init(N) ->
    schedule(),
    {ok, #{index => N, done => 0}}.

handle_call(done, _From, State = #{done := D}) ->
    {reply, D, State}.

handle_cast(_Msg, State) ->
    {noreply, State}.

handle_info(work, State = #{index := N, done := D}) ->
    %% Uneven work (reductions differ between workers) that allocates
    %% nothing: a pool of 100,000 workers must stay small in memory.
    _ = sum_to(200 * (1 + (N - 1) rem 20), 0),
    schedule(),
    {noreply, State#{done := D + 1}};
handle_info(_Other, State) ->
    {noreply, State}.

sum_to(0, Acc) -> Acc;
sum_to(K, Acc) -> sum_to(K - 1, Acc + K).

schedule() ->
    {ok, Ms} = application:get_env(beamscope_demo, work_interval_ms),
    erlang:send_after(Ms, self(), work).
