#!/usr/bin/env bash
# The OTP release matrix (CI's, after the machine's own release): for each
# Debian suite, a root made or reused by scripts/otp-root.sh (debootstrap,
# cached in $BEAMSCOPE_ROOT_CACHE, default /var/cache/beamscope/roots), the
# source copied in, built without GUI and benchmarks and tested there
# (scripts/otp-run.sh). Prints each root's OTP/Elixir versions and times;
# exits non-zero when any root fails to set up, build or pass.
# Default suites: trixie (Debian 13: OTP 27, Elixir 1.18) and sid (Debian
# unstable: the newest OTP and Elixir). Runs as root.
# Usage: scripts/otp-matrix.sh [SUITE...]
set -uo pipefail
cd "$(dirname "$0")/.."
cache=${BEAMSCOPE_ROOT_CACHE:-/var/cache/beamscope/roots}
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(trixie sid)
[ "$(id -u)" -eq 0 ] || { echo "otp-matrix: needs root (debootstrap, chroot, mount)" >&2; exit 1; }
mkdir -p "$cache"

summary=() failed=()
for suite in "${suites[@]}"; do
  root=$cache/$suite
  echo "=== otp-matrix: $suite ==="
  # BEAMSCOPE_MATRIX_DEADLINE (epoch s, set by scripts/test.sh under CI):
  # a root needs up to 20 minutes; one that cannot finish in time is skipped.
  if [ -n "${BEAMSCOPE_MATRIX_DEADLINE:-}" ] && [ $(($(date +%s) + 1200)) -gt "$BEAMSCOPE_MATRIX_DEADLINE" ]; then
    echo "otp-matrix: SKIPPED $suite: less than 20 minutes left of the run's time budget" >&2
    summary+=("$suite: SKIPPED (time budget)"); continue
  fi
  t0=$(date +%s)
  bash scripts/otp-root.sh "$suite" "$root" 2>&1 | tee "$cache/$suite.root.log"
  if [ "${PIPESTATUS[0]}" -ne 0 ]; then
    failed+=("$suite (root)"); summary+=("$suite: root set-up failed"); continue
  fi
  t1=$(date +%s)

  # A fresh copy of the source (no build dirs, no .git) and a fresh build dir.
  rm -rf --one-file-system "$root/beamscope-src" "$root/beamscope-build"
  mkdir -p "$root/beamscope-src"
  tar -C . --exclude='./build*' --exclude=./.git --exclude='./examples/elixir/_build' -cf - . |
    tar -C "$root/beamscope-src" -xf -

  log=$cache/$suite.run.log
  unshare --mount --net --pid --fork --kill-child --propagation private \
    bash scripts/otp-run.sh "$suite" "$root" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  t2=$(date +%s)
  [ "$rc" -eq 0 ] || failed+=("$suite")
  made=$(grep -o 'debootstrap [0-9]*s packages [0-9]*s\|reused' "$cache/$suite.root.log" | head -n1)
  summary+=("$suite: $(grep -m1 -o 'OTP .*' "$log" || echo 'OTP ?') | root $((t1 - t0))s (${made:-?}) | $(grep -o 'build [0-9]\+s' "$log" | head -n1) | $(grep -o 'tests [0-9]\+s' "$log" | head -n1) | total $((t2 - t0))s | $([ "$rc" -eq 0 ] && echo passed || echo FAILED)")
done

echo "=== otp-matrix summary ==="
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "otp-matrix: failed: ${failed[*]}" >&2
  exit 1
fi
skipped=$(printf '%s\n' "${summary[@]}" | grep -c SKIPPED || true)
echo "otp-matrix: $((${#suites[@]} - skipped)) of ${#suites[@]} roots passed, $skipped skipped"
