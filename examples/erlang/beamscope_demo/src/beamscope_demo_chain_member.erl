%% @doc A registered gen_server in the rest_for_one chain. Each member
%% periodically asks its upstream for a value, so the chain does a little
%% real message passing and accumulates reductions.
-module(beamscope_demo_chain_member).
-behaviour(gen_server).

-export([start_link/2, read/1]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

-spec start_link(atom(), atom() | undefined) -> {ok, pid()} | {error, term()}.
start_link(Name, Upstream) ->
    gen_server:start_link({local, Name}, ?MODULE, {Name, Upstream}, []).

%% @doc The member's current counter; a cheap call with a timeout.
-spec read(atom()) -> non_neg_integer().
read(Name) ->
    gen_server:call(Name, get, 1000).

init({Name, Upstream}) ->
    schedule(),
    {ok, #{name => Name, upstream => Upstream, value => 0}}.

handle_call(get, _From, State = #{value := V}) ->
    {reply, V, State}.

handle_cast(_Msg, State) ->
    {noreply, State}.

handle_info(tick, State = #{upstream := undefined, value := V}) ->
    schedule(),
    {noreply, State#{value := V + 1}};
handle_info(tick, State = #{upstream := Up}) ->
    schedule(),
    %% The upstream may be restarting; a missed read is not an error here.
    V = try read(Up) catch exit:_ -> 0 end,
    {noreply, State#{value := V}};
handle_info(_Other, State) ->
    {noreply, State}.

schedule() ->
    {ok, Ms} = application:get_env(beamscope_demo, work_interval_ms),
    erlang:send_after(Ms, self(), tick).
