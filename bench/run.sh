#!/bin/sh
# Runs the issue-7 benchmarks: bench/run.sh BUILD_DIR [--quick] [sweep|host_impact|agent_cpu ...]
#   sweep (1, 2, 4, 6), host_impact (3), agent_cpu (5); all three by default;
#   ps_page (issue 14: a page of every process per sort key, 1M; --quick 50k);
#   proc_detail (issue 14: the process detail with 1M queued messages; --quick 150k).
# Full: 100k and 1M processes (about 20 min). --quick: 20k processes, the
# smoke runs (ctest -L bench), under a minute each.
# Prints the commit, date and load average first (every published number
# names its run), runs every benchmark asked for even when one fails, and
# exits 1 if any failed (a crash or a ratio past its bound).
set -u
BUILD=${1:?usage: bench/run.sh BUILD_DIR [--quick] [sweep|host_impact|agent_cpu ...]}
shift
NS="[100000, 1000000]"; HOST="[1000000, 6000, 7]"; CPU="[1000000, 20000, 60000]"; PS="[1000000]"; DETAIL="[1000000]"
if [ "${1:-}" = "--quick" ]; then
  shift
  NS="[20000]"; HOST="[20000, 1000, 5]"; CPU="[20000, 2000, 4000]"; PS="[50000]"; DETAIL="[150000]"
fi
[ $# -gt 0 ] || set -- sweep host_impact agent_cpu
SRC=$(dirname "$0")
echo "run: commit $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)," \
  "$(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "$(nproc) cores, OTP $(erl -noshell -eval 'io:put_chars(erlang:system_info(otp_release)), halt().')"
export ERL_LIBS="$BUILD/erlang"
rc=0
for b in "$@"; do
  echo "== $b (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  case $b in
    sweep) erl +P 2000000 -noshell -pa "$BUILD/bench/sweep/ebin" -eval "beamscope_bench_sweep:main($NS)" ;;
    host_impact) erl +P 2000000 -noshell -pa "$BUILD/bench/host_impact/ebin" -eval "beamscope_bench_host:main($HOST)" ;;
    agent_cpu) erl -noshell -pa "$BUILD/bench/agent_cpu/ebin" -eval "beamscope_bench_cpu:main($CPU)" ;;
    ps_page) erl +P 2000000 -noshell -pa "$BUILD/bench/ps_page/ebin" -eval "beamscope_bench_ps:main($PS)" ;;
    proc_detail) erl -noshell -pa "$BUILD/bench/proc_detail/ebin" -eval "beamscope_bench_detail:main($DETAIL)" ;;
    *) echo "unknown benchmark: $b (sweep, host_impact, agent_cpu, ps_page, proc_detail)" >&2; false ;;
  esac || { echo "== $b FAILED"; rc=1; }
done
exit $rc
