#!/bin/sh
# The beamscope-collector program itself: exit codes for bad input and taken
# ports, a real fleet /metrics over HTTP (linted by promtool), and a clean
# exit on SIGTERM and SIGINT.
# usage: collector_cli_test.sh COLLECTOR PROMTOOL
set -u
bin=$1
promtool=${2:?usage: collector_cli_test.sh COLLECTOR PROMTOOL}
command -v "$promtool" > /dev/null 2>&1 || {
  echo "FAIL: promtool not found ($promtool): install the Debian package prometheus (scripts/install-deps.sh)" >&2
  exit 1
}
dir=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$dir"/*.log; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; } >&2; done; exit 1; }

# A free TCP port on loopback (asks the kernel, then releases it).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

expect_exit() {  # CODE ARGS...: runs the collector, expects that exit code within 10 s
  want=$1; shift
  timeout 10 "$bin" "$@" > "$dir/run.log" 2>&1
  got=$?
  [ "$got" -eq "$want" ] || fail "expected exit $want, got $got for: $*"
  [ -s "$dir/run.log" ] || fail "no message for: $*"
}

agent="tcp://127.0.0.1:$(free_port)"
listen_port=$(free_port); metrics_port=$(free_port)

expect_exit 2 --agent nonsense
expect_exit 2 --agent "$agent" --listen "tcp://127.0.0.1:notaport"
expect_exit 2 --agent "$agent" --metrics "localhost"
expect_exit 2

"$bin" --agent "$agent" --listen "tcp://127.0.0.1:$listen_port" --metrics "127.0.0.1:$metrics_port" \
  > "$dir/main.log" 2>&1 &
main=$!; pids="$main"
for i in $(seq 50); do grep -q "serving fleet /metrics" "$dir/main.log" && break; sleep 0.1; done
kill -0 "$main" 2>/dev/null || fail "collector did not start"

# Both ports are now taken: a second collector must say so and exit non-zero.
timeout 10 "$bin" --agent "$agent" --listen "tcp://127.0.0.1:$listen_port" --metrics none > "$dir/busy1.log" 2>&1
[ $? -ne 0 ] || fail "listen port in use but exit 0"
grep -qi "in use" "$dir/busy1.log" || fail "no 'in use' message for the listen port"
other=$(free_port)
timeout 10 "$bin" --agent "$agent" --listen "tcp://127.0.0.1:$other" --metrics "127.0.0.1:$metrics_port" \
  > "$dir/busy2.log" 2>&1
[ $? -ne 0 ] || fail "metrics port in use but exit 0"
grep -q "cannot serve /metrics" "$dir/busy2.log" || fail "no message for the metrics port"

python3 - "$metrics_port" > "$dir/metrics.txt" <<'PY' || fail "GET /metrics failed"
import sys, urllib.request
print(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=5).read().decode(), end="")
PY
grep -q '^beamscope_collector_agents_connected 0' "$dir/metrics.txt" || fail "collector metrics missing"
grep -q "^beamscope_collector_frames_received_total{agent=\"$agent\"} 0" "$dir/metrics.txt" || fail "per-agent series missing"
"$promtool" check metrics < "$dir/metrics.txt" > "$dir/promtool.log" 2>&1 || fail "promtool: $(cat "$dir/promtool.log")"

kill -TERM "$main"
timeout 10 sh -c "while kill -0 $main 2>/dev/null; do sleep 0.1; done" || fail "no exit within 10 s of SIGTERM"
wait "$main"; rc=$?
[ "$rc" -eq 0 ] || fail "exit $rc after SIGTERM"
grep -q "SIGTERM received" "$dir/main.log" || fail "SIGTERM not logged"

"$bin" --agent "$agent" --listen "tcp://127.0.0.1:$listen_port" --metrics none > "$dir/int.log" 2>&1 &
second=$!; pids="$second"
for i in $(seq 50); do grep -q "serving viewers" "$dir/int.log" && break; sleep 0.1; done
kill -INT "$second"
wait "$second"; rc=$?
[ "$rc" -eq 0 ] || fail "exit $rc after SIGINT"
echo ok
