#!/bin/sh
# Runs the issue-7 benchmarks: bench/run.sh BUILD_DIR [--quick]
#   sweep (1, 2, 4, 6), host_impact (3), agent_cpu (5).
# Full: 100k and 1M processes (about 17 min). --quick: 20k processes (< 60 s).
set -eu
BUILD=${1:?usage: bench/run.sh BUILD_DIR [--quick]}
NS="[100000, 1000000]"; HOST="[1000000, 6000]"; CPU="[1000000, 20000, 60000]"
if [ "${2:-}" = "--quick" ]; then
  NS="[20000]"; HOST="[20000, 1500]"; CPU="[20000, 2000, 4000]"
fi
export ERL_LIBS="$BUILD/erlang"
erl +P 2000000 -noshell -pa "$BUILD/bench/sweep/ebin" -eval "beamscope_bench_sweep:main($NS)"
erl +P 2000000 -noshell -pa "$BUILD/bench/host_impact/ebin" -eval "beamscope_bench_host:main($HOST)"
erl -noshell -pa "$BUILD/bench/agent_cpu/ebin" -eval "beamscope_bench_cpu:main($CPU)"
