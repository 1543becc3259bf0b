%% @doc The smoke bounds of the Erlang benchmarks: a ratio far past its
%% goal (a generous bound, several times the goal, so a noisy shared host
%% does not trip it) fails the run. Each check prints one line with the
%% measured value and the bound, met or not; finish/1 halts with 1 when
%% any was missed. Compiled into each benchmark's ebin (bench/*/CMakeLists.txt).
-module(beamscope_bench_bounds).

-export([check/4, finish/1]).
-export_type([result/0]).

-type result() :: ok | {missed, string()}.

%% @doc Checks `Value Op Limit` and prints
%% `bound WHAT: VALUE OP LIMIT (met|MISSED)`.
-spec check(iodata(), number(), '=<' | '>=', number()) -> result().
check(What, Value, Op, Limit) ->
    Met = case Op of
              '=<' -> Value =< Limit;
              '>=' -> Value >= Limit
          end,
    Name = lists:flatten(io_lib:format("~ts", [What])),
    io:format("bound ~ts: ~.3f ~s ~.3f (~s)~n",
              [Name, float(Value), Op, float(Limit), case Met of true -> "met"; false -> "MISSED" end]),
    case Met of
        true -> ok;
        false -> {missed, Name}
    end.

%% @doc Halts: 0 when every bound was met, 1 (naming the missed ones) if not.
-spec finish([result()]) -> no_return().
finish(Results) ->
    case [Name || {missed, Name} <- Results] of
        [] ->
            io:format("all ~b bounds met~n", [length(Results)]),
            halt(0);
        Missed ->
            io:format("bounds MISSED: ~ts~n", [lists:join(", ", Missed)]),
            halt(1)
    end.
