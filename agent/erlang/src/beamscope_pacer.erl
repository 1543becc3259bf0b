%% @doc The agent's CPU budget as a token bucket. Credit (microseconds of
%% scheduler time) accrues at `budget x schedulers_online` per microsecond
%% of wall time, capped at one second's worth; every piece of agent work
%% is charged: a sweep chunk and a tick by their scheduler thread's CPU
%% time (wall time when they moved between threads, capped at twice their
%% kind's average: beamscope_cost:charge/3), the sweep's pid list by its
%% wall time capped at twice its cheapest per-process cost, dirty NIFs and
%% the NIF's own threads (stream I/O, /metrics) by their CPU time (at most
%% a share: beamscope_sampler), events publishing by its thread's CPU time,
%% a tree walk (capped at twice its cheapest time per entry) and a children
%% page by their wall time (they wait on supervisors). Not charged: the idle spin of a scheduler
%% after the agent's work, kept small by waking rarely (beamscope_sampler).
%% The sweep runs only on positive credit, so the sweep period follows
%% from N and the budget. Pure data: no process, no side effects.
-module(beamscope_pacer).

-export([new/2, refill/2, charge/2, credit/1, delay_ms/2, cost_ratio/1, budget/1, charged_total/1]).
-export_type([pacer/0]).

-record(pacer, {budget :: float(),
                rate :: float(),              % credit us per wall us
                credit :: float(),
                cap :: float(),
                last_us :: integer(),
                win_start_us :: integer(),
                win_spent_us = 0 :: non_neg_integer(),
                total_us = 0 :: non_neg_integer(),     % charged since new/2
                cost_ratio = 0.0 :: float()}).
-opaque pacer() :: #pacer{}.

%% Cost ratios are measured over windows of this length.
-define(WINDOW_US, 10000000).

%% @doc A bucket for `Budget` (share of total scheduler capacity, e.g.
%% 0.01) on `Schedulers` online schedulers, starting empty at `NowUs`.
-spec new(float(), pos_integer()) -> pacer().
new(Budget, Schedulers) ->
    Now = erlang:monotonic_time(microsecond),
    Rate = Budget * Schedulers,
    #pacer{budget = Budget, rate = Rate, credit = 0.0, cap = Rate * 1.0e6,
           last_us = Now, win_start_us = Now}.

%% @doc Adds the credit earned since the last refill. Cost: O(1).
-spec refill(pacer(), integer()) -> pacer().
refill(#pacer{last_us = Last, rate = Rate, credit = C, cap = Cap} = P, NowUs) when NowUs > Last ->
    window(P#pacer{credit = min(Cap, C + (NowUs - Last) * Rate), last_us = NowUs}, NowUs);
refill(P, _NowUs) ->
    P.

%% @doc Charges `Us` microseconds of agent work (may leave a debt).
-spec charge(pacer(), non_neg_integer()) -> pacer().
charge(#pacer{credit = C, win_spent_us = W, total_us = T} = P, Us) ->
    P#pacer{credit = C - Us, win_spent_us = W + Us, total_us = T + Us}.

%% @doc Credit left, in microseconds (negative: a debt).
-spec credit(pacer()) -> float().
credit(#pacer{credit = C}) -> C.

%% @doc Milliseconds until the credit covers `NeedUs` (at least 1).
-spec delay_ms(pacer(), non_neg_integer()) -> pos_integer().
delay_ms(#pacer{credit = C, rate = Rate}, NeedUs) ->
    max(1, ceil((NeedUs - C) / Rate / 1000)).

%% @doc Share of total scheduler capacity the agent used over the last
%% complete window (10 s), as measured by charge/2.
-spec cost_ratio(pacer()) -> float().
cost_ratio(#pacer{cost_ratio = R}) -> R.

%% @doc Microseconds charged since new/2 (benchmarks: the agent's own
%% accounting over any window).
-spec charged_total(pacer()) -> non_neg_integer().
charged_total(#pacer{total_us = T}) -> T.

-spec budget(pacer()) -> float().
budget(#pacer{budget = B}) -> B.

window(#pacer{win_start_us = S, win_spent_us = W, rate = Rate, budget = B} = P, Now)
  when Now - S >= ?WINDOW_US ->
    Schedulers = Rate / B,
    P#pacer{cost_ratio = W / ((Now - S) * Schedulers), win_start_us = Now, win_spent_us = 0};
window(P, _Now) ->
    P.
