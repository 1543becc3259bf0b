#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz into build-fuzz (clang, the
# libraries instrumented, ASan + UBSan) and runs each for SECONDS (default
# 60) from its committed corpus (tests/fuzz/corpus/<target>/, read only:
# new inputs go to build-fuzz/fuzz-corpus/<target>/). Fails when any target
# crashes, leaks or times out; the inputs that did are kept in
# build-fuzz/fuzz-crashes/<target>/ (replay one: build-fuzz/fuzz/fuzz_<target> FILE).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (targets: decode node_model
# children_page relay keys config). The frame corpora come from
# fuzz_seed_corpus; keys/ and config/ are small text files written by hand
# (a throwaway key pair from beamscope-ctl keygen, command lines, auth files).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
build_dir=build-fuzz

bash scripts/install-deps.sh
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DBEAMSCOPE_FUZZ=ON -DBEAMSCOPE_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link" \
  "-DBEAMSCOPE_SKIP_PARTS=agent;exporters/prometheus;collector;examples;tests;bench" >/dev/null
cmake --build "$build_dir" --target fuzz_all -j "$(nproc)"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for bin in "$build_dir"/fuzz/fuzz_*; do
    name=$(basename "$bin")
    [ "$name" = fuzz_seed_corpus ] || targets+=("${name#fuzz_}")
  done
fi

failed=()
for t in "${targets[@]}"; do
  corpus=tests/fuzz/corpus/$t work=$build_dir/fuzz-corpus/$t crashes=$build_dir/fuzz-crashes/$t
  log=$build_dir/fuzz-logs/$t.log
  mkdir -p "$corpus" "$work" "$crashes" "$(dirname "$log")"
  echo "fuzz: $t for ${seconds}s (corpus $corpus, $(find "$corpus" -type f | wc -l) seeds)"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: unbounded memory is a finding.
  if "$build_dir/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$crashes/" "$work" "$corpus" >"$log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^Done" "$log" | tr '\n' ' ' | sed "s/^/fuzz: $t ok: /"; echo
  else
    echo "fuzz: $t FAILED (log $log, inputs in $crashes):"
    grep -E "ERROR|FUZZ_CHECK|SUMMARY|runtime error" "$log" | head -20 || true
    ls -l "$crashes"
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no crash"
