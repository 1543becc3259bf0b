#!/usr/bin/env bash
# The demo: start the demo BEAM server (beamscope_demo + the agent on its
# default ports) and open the inspector on it. Without a display, render the
# inspector under Xvfb into a PNG and say where it is. The demo node is
# stopped when the inspector exits, on Ctrl-C, and on any failure.
#
# usage: examples/run-demo.sh BUILD_DIR
#   BEAMSCOPE_SCREENSHOT=FILE.png  where the headless screenshot goes
#                                  (default BUILD_DIR/demo-screenshot.png)
#   BEAMSCOPE_DEMO_FRAMES=N        frames rendered before it (default 120)
set -euo pipefail

build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
endpoint="tcp://127.0.0.1:9755"
metrics="127.0.0.1:9754"
node_log="$build/demo-node.log"
ctl="$build/bin/beamscope-ctl"
inspector="$build/bin/beamscope"

for f in "$ctl" "$inspector" "$build/erlang/beamscope/ebin/beamscope.app" \
         "$build/examples/erlang/beamscope_demo/ebin/beamscope_demo.app"; do
  [ -e "$f" ] || { echo "run-demo: $f is missing; build first (cmake --build $build)" >&2; exit 1; }
done

# A second demo (or anything else) on the agent's port would make the
# agent's start fail; say so plainly instead.
if "$ctl" --connect "$endpoint" --timeout-ms 500 overview --json >/dev/null 2>&1; then
  echo "run-demo: something already answers on $endpoint (another demo?); stop it first" >&2
  exit 1
fi

# The node halts itself when the demo cannot start, so a failure is seen
# as the process exiting, with the reason in its log.
boot='case application:ensure_all_started(beamscope_demo) of
        {ok, _} -> logger:notice("beamscope demo running; agent stream on ~s", ["'"$endpoint"'"]);
        {error, Reason} -> logger:error("beamscope demo failed to start: ~p", [Reason]), timer:sleep(200), halt(1)
      end.'
echo "run-demo: starting the demo node (agent stream $endpoint, /metrics http://$metrics/metrics), log: $node_log"
ERL_LIBS="$build/erlang:$build/examples/erlang${ERL_LIBS:+:$ERL_LIBS}" \
  erl -noshell -sname "beamscope_demo_$$" -eval "$boot" </dev/null >"$node_log" 2>&1 &
node_pid=$!

stop_node() {
  trap - EXIT INT TERM
  if kill -0 "$node_pid" 2>/dev/null; then
    echo "run-demo: stopping the demo node"
    kill -TERM "$node_pid" 2>/dev/null || true   # erts turns SIGTERM into init:stop()
    for _ in $(seq 1 100); do kill -0 "$node_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$node_pid" 2>/dev/null || true
  fi
}
trap stop_node EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Wait (bounded) until the agent has published its first state.
deadline=$((SECONDS + 30))
until "$ctl" --connect "$endpoint" --timeout-ms 1000 overview >/dev/null 2>&1; do
  if ! kill -0 "$node_pid" 2>/dev/null; then
    echo "run-demo: the demo node exited; its log:" >&2; tail -n 40 "$node_log" >&2; exit 1
  fi
  if [ $SECONDS -ge $deadline ]; then
    echo "run-demo: the agent did not answer on $endpoint within 30 s; node log:" >&2
    tail -n 40 "$node_log" >&2; exit 1
  fi
  sleep 0.3
done
"$ctl" --connect "$endpoint" overview | head -n 4 || true

if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  echo "run-demo: opening the inspector; close its window to stop the demo"
  "$inspector" --connect "$endpoint"
else
  shot="${BEAMSCOPE_SCREENSHOT:-$build/demo-screenshot.png}"
  frames="${BEAMSCOPE_DEMO_FRAMES:-120}"
  command -v xvfb-run >/dev/null || { echo "run-demo: no \$DISPLAY and no xvfb-run (apt-get install xvfb)" >&2; exit 1; }
  echo "run-demo: no \$DISPLAY here: rendering the inspector under Xvfb (xvfb-run) instead"
  xvfb-run -a -s "-screen 0 1280x800x24" \
    "$inspector" --connect "$endpoint" --screenshot "$shot" --frames "$frames"
  echo "run-demo: screenshot of the inspector on the demo node: $shot"
fi
