%% @doc What a stretch of the agent's Erlang work cost, for the budget
%% (beamscope_pacer). Wall time over-counts whenever the OS runs something
%% else on the core (a busy host: builds, the node's own ports, twenty
%% viewers' clients), and the budget would then starve the sweep exactly
%% when the host is loaded. So a stretch that stayed on one scheduler
%% thread is charged that thread's CPU time (never more than its wall
%% time: the thread may also have run other processes in between, which
%% CPU time cannot tell apart); one that moved between schedulers is
%% charged its wall time. Pure but for the clocks.
-module(beamscope_cost).

-export([start/0, us/1]).
-export_type([mark/0]).

-opaque mark() :: {pos_integer(), non_neg_integer(), integer()}.

%% @doc Marks the start of a stretch. Cost: one small NIF call.
-spec start() -> mark().
start() ->
    {erlang:system_info(scheduler_id), beamscope_nif:thread_cpu_us(),
     erlang:monotonic_time(microsecond)}.

%% @doc Microseconds to charge for the stretch since `Mark'.
-spec us(mark()) -> non_neg_integer().
us({Scheduler, Cpu0, T0}) ->
    Wall = max(0, erlang:monotonic_time(microsecond) - T0),
    case erlang:system_info(scheduler_id) of
        Scheduler -> min(Wall, max(0, beamscope_nif:thread_cpu_us() - Cpu0));
        _ -> Wall
    end.
