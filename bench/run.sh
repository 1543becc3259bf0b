#!/bin/sh
# Runs the sweep benchmarks (bench/sweep): bench/run.sh BUILD_DIR [--quick]
# Full: 100k and 1M processes (about 10 min). --quick: 20k processes (< 60 s).
set -eu
BUILD=${1:?usage: bench/run.sh BUILD_DIR [--quick]}
NS="[100000, 1000000]"
[ "${2:-}" = "--quick" ] && NS="[20000]"
ERL_LIBS="$BUILD/erlang" exec erl +P 2000000 -noshell -pa "$BUILD/bench/sweep/ebin" \
  -eval "beamscope_bench_sweep:main($NS)"
