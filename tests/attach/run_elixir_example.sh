#!/usr/bin/env bash
# Runs the Elixir example's ExUnit suite (examples/elixir) against this
# build's agent: a copy of the Mix project in the build dir (so _build
# stays out of the source tree), ERL_LIBS for the agent, free loopback
# ports, and no network: the project has no deps, so mix never asks hex.
# Usage: run_elixir_example.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
for tool in mix elixir; do
  command -v "$tool" > /dev/null || {
    echo "FAIL: $tool not found: install the Debian package elixir (scripts/install-deps.sh)" >&2
    exit 1
  }
done
work=$build/examples/elixir
mkdir -p "$work"
cp -r "$src/mix.exs" "$src/config" "$src/lib" "$src/test" "$work/"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
stream=$(free_port); metrics=$(free_port)
while [ "$metrics" = "$stream" ]; do metrics=$(free_port); done
export MIX_ENV=test HEX_OFFLINE=1 MIX_HOME=$build/examples/elixir-mix-home
export ERL_LIBS=$build/erlang
export BEAMSCOPE_CTL=$build/bin/beamscope-ctl
export BEAMSCOPE_STREAM=tcp://127.0.0.1:$stream BEAMSCOPE_METRICS=127.0.0.1:$metrics
cd "$work"
exec timeout 240 mix test --color=false
