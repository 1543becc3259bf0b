#!/usr/bin/env bash
# The README's second command (and CI's): set up, build from scratch, run
# every test: units, EUnit, integration with real nodes and Prometheus tools,
# the GUI under Xvfb, benchmark smoke runs; then the agent's NIF and the
# units again under AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash scripts/build.sh build
(cd build && ctest --output-on-failure --timeout 600 -j "$jobs")

# Sanitized build: no GUI, no benchmarks; the NIF is loaded into erl with the
# ASan runtime preloaded (see tests/agent).
bash scripts/build.sh build-asan -DBEAMSCOPE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
  "-DBEAMSCOPE_SKIP_PARTS=gui;bench"
(cd build-asan && ASAN_OPTIONS=detect_leaks=0 ctest --output-on-failure --timeout 600 -j "$jobs" -L sanitize)

# libFuzzer targets (tests/fuzz) under ASan + UBSan, 60 s each.
bash scripts/fuzz.sh 60
