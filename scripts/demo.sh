#!/usr/bin/env bash
# The README's first command: set up, build, start the demo BEAM server with
# the agent, and open the inspector on it (under Xvfb when there is no display).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh build
exec bash examples/run-demo.sh build
