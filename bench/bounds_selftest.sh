#!/bin/sh
# The smoke bounds can fail: a value past its bound makes the Erlang and
# the Python checker exit 1 and name it; values within make them exit 0.
# bench/bounds_selftest.sh EBIN_WITH_beamscope_bench_bounds
set -u
EBIN=${1:?usage: bench/bounds_selftest.sh EBIN}
HERE=$(dirname "$0")
fail=0
expect() {  # expect RC PATTERN OUTPUT RC_GOT WHAT
  if [ "$4" -ne "$1" ] || ! printf '%s\n' "$3" | grep -q "$2"; then
    echo "FAILED $5: exit $4 (want $1), output:"; printf '%s\n' "$3"; fail=1
  else
    echo "ok $5: exit $4, '$2'"
  fi
}
out=$(erl -noshell -pa "$EBIN" -eval "beamscope_bench_bounds:finish([
  beamscope_bench_bounds:check(\"ratio\", 5.5, '=<', 3), beamscope_bench_bounds:check(\"other\", 1, '>=', 0.5)])")
expect 1 "bounds MISSED: ratio$" "$out" $? "erlang, one bound missed"
out=$(erl -noshell -pa "$EBIN" -eval "beamscope_bench_bounds:finish([
  beamscope_bench_bounds:check(\"ratio\", 2.9, '=<', 3), beamscope_bench_bounds:check(\"other\", 0.5, '>=', 0.5)])")
expect 0 "all 2 bounds met" "$out" $? "erlang, bounds met"
out=$(python3 -c "
import sys; sys.path.insert(0, '$HERE'); from bounds import Bounds
b = Bounds(); b.at_most('ratio', 5.5, 3); b.at_least('other', 1, 0.5); sys.exit(b.exit_code())")
expect 1 "bounds MISSED: ratio$" "$out" $? "python, one bound missed"
out=$(python3 -c "
import sys; sys.path.insert(0, '$HERE'); from bounds import Bounds
b = Bounds(); b.at_most('ratio', 2.9, 3); b.at_least('other', 0.5, 0.5); sys.exit(b.exit_code())")
expect 0 "all 2 bounds met" "$out" $? "python, bounds met"
exit $fail
