#!/usr/bin/env bash
# Installs what is missing and builds beamscope into BUILD_DIR (default: build).
# Usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
bash scripts/install-deps.sh
cmake -S . -B "$build_dir" -G Ninja "$@"
cmake --build "$build_dir"
