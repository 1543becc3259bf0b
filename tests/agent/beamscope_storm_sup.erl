%% @doc A restart storm for beamscope_storm_tests: a one_for_one supervisor
%% with an intensity no storm reaches (it must not escalate), and children
%% (proc_lib processes, so each death makes a crash report as well as the
%% supervisor's report) that each exit `Ms' milliseconds after they start,
%% counting their starts in slot 1 of a `counters' array; once slot 2 is
%% set they stay up (the storm is over, the supervisor stays to be read).
-module(beamscope_storm_sup).
-behaviour(supervisor).

-export([start_link/3, crasher/2, crasher_init/3, init/1]).

%% @doc The supervisor with `N' children that each exit `Ms' ms after they start.
-spec start_link(pos_integer(), pos_integer(), counters:counters_ref()) -> {ok, pid()}.
start_link(N, Ms, Counter) ->
    supervisor:start_link(?MODULE, {N, Ms, Counter}).

init({N, Ms, Counter}) ->
    Flags = #{strategy => one_for_one, intensity => 100000000, period => 1},
    Children = [#{id => {crasher, I}, start => {?MODULE, crasher, [Ms, Counter]}, restart => permanent,
                  shutdown => brutal_kill}
                || I <- lists:seq(1, N)],
    {ok, {Flags, Children}}.

-spec crasher(pos_integer(), counters:counters_ref()) -> {ok, pid()}.
crasher(Ms, Counter) ->
    proc_lib:start_link(?MODULE, crasher_init, [self(), Ms, Counter]).

crasher_init(Parent, Ms, Counter) ->
    counters:add(Counter, 1, 1),
    proc_lib:init_ack(Parent, {ok, self()}),
    receive after Ms -> ok end,
    case counters:get(Counter, 2) of
        0 -> exit(storm);
        _ -> receive stop -> ok end
    end.
