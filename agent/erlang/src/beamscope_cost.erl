%% @doc What a stretch of the agent's Erlang work cost, for the budget
%% (beamscope_pacer). Wall time over-counts whenever the OS runs something
%% else on the core (a busy host: builds, the node's own ports, twenty
%% viewers' clients), and the budget would then starve the sweep exactly
%% when the host is loaded. So a stretch that stayed on one scheduler
%% thread is charged that thread's CPU time (never more than its wall
%% time: the thread may also have run other processes in between, which
%% CPU time cannot tell apart); one that moved between schedulers has
%% only its wall time, charged at most twice its kind's average (charge/3).
%% Pure but for the clocks.
-module(beamscope_cost).

-export([start/0, measure/1, us/1, charge/3, cap_by_best/3]).
-export_type([mark/0, measured/0, average/0, best/0]).

-opaque mark() :: {pos_integer(), non_neg_integer(), integer()}.
%% A stretch's time: its thread's CPU time, or its wall time when it moved.
-type measured() :: {cpu | wall, non_neg_integer()}.
%% CPU microseconds per unit of a kind of work, averaged (undefined: none timed yet).
-type average() :: float() | undefined.
%% Microseconds per unit of a kind of work, the cheapest seen (undefined: none yet).
-type best() :: float() | undefined.

%% @doc Marks the start of a stretch. Cost: one small NIF call.
-spec start() -> mark().
start() ->
    {erlang:system_info(scheduler_id), beamscope_nif:thread_cpu_us(),
     erlang:monotonic_time(microsecond)}.

%% @doc The stretch since `Mark': `{cpu, Us}' when it stayed on one
%% scheduler thread (that thread's CPU time, at most its wall time),
%% `{wall, Us}' when it moved.
-spec measure(mark()) -> measured().
measure({Scheduler, Cpu0, T0}) ->
    Wall = max(0, erlang:monotonic_time(microsecond) - T0),
    case erlang:system_info(scheduler_id) of
        Scheduler -> {cpu, min(Wall, max(0, beamscope_nif:thread_cpu_us() - Cpu0))};
        _ -> {wall, Wall}
    end.

%% @doc Microseconds to charge for the stretch since `Mark', for work too
%% rare to keep an average of: its CPU time, or its wall time when it moved.
-spec us(mark()) -> non_neg_integer().
us(Mark) -> element(2, measure(Mark)).

%% @doc What to charge for `Measured' work of `Units' units (a tick: 1; a
%% sweep chunk: its processes), and the kind's average updated. Work that
%% stayed on one thread is charged its CPU time and teaches the average.
%% Work that moved between scheduler threads has only its wall time, which
%% on a busy node (more runnable processes than schedulers) is mostly the
%% host's own work run in between: charged as is, it used up the budget
%% and stopped the sweep on a node at full load (64 busy pairs on 2
%% schedulers: ticks charged 35-70 ms for 1-3 ms of work, 0 processes swept
%% in 15 s). It is charged at most twice the average, never more than its
%% wall time, and its wall time until the kind has been timed by CPU.
-spec charge(measured(), average(), pos_integer()) -> {non_neg_integer(), average()}.
charge({wall, Wall}, Avg, Units) when is_float(Avg) ->
    {min(Wall, ceil(2 * Avg * Units)), Avg};
charge({wall, Wall}, Avg, _Units) ->
    {Wall, Avg};
charge({cpu, Us}, Avg, Units) ->
    PerUnit = Us / max(Units, 1),
    {Us, case Avg of
             undefined -> PerUnit;
             _ -> 0.8 * Avg + 0.2 * PerUnit
         end}.

%% @doc `Us' charged for work of `Units' units, at most twice the cheapest
%% cost per unit seen of its kind, and that cheapest updated. Even a
%% stretch that stayed on its scheduler thread can take in the host's work:
%% a tick asks process_info of busy processes, and while it waits for an
%% answer its scheduler runs others, whose CPU time its thread's clock
%% counts. Measured: 64 busy pairs on 2 schedulers made ticks of 1.3 ms
%% charge 2-240 ms, their average climbed to 69 ms and the sweep stopped.
%% The cheapest never rises, as a walk's per entry (beamscope_tree): work
%% that really grew per unit is charged at most twice its old cost.
-spec cap_by_best(non_neg_integer(), best(), pos_integer()) -> {non_neg_integer(), best()}.
cap_by_best(Us, undefined, Units) ->
    {Us, Us / max(Units, 1)};
cap_by_best(Us, Best, Units) ->
    {min(Us, ceil(2 * Best * max(Units, 1))), min(Best, Us / max(Units, 1))}.
