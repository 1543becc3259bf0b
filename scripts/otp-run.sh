#!/usr/bin/env bash
# Builds and tests the source copied into ROOT/beamscope-src inside ROOT,
# run by scripts/otp-matrix.sh under `unshare --mount --net --pid --fork`:
# the root's mounts live in this private mount namespace (and are undone by
# the trap, or by the kernel if this is killed), its epmd and test ports in
# a network namespace of its own (loopback only: nothing clashes with the
# host's tests), and every process it starts ends with it.
# Prints the OTP and Elixir versions and "otp-run: <suite> build Ns tests Ns".
# Usage: scripts/otp-run.sh SUITE ROOT
set -euo pipefail
suite=$1 root=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$here/otp-mounts.sh"
trap 'otp_umount "$root"' EXIT

ip link set lo up
# -sname nodes resolve the host name: it is this machine's, not the one the
# root was made on.
printf '127.0.0.1 localhost\n127.0.1.1 %s\n::1 localhost ip6-localhost ip6-loopback\n' \
  "$(hostname)" >"$root/etc/hosts"
otp_mount "$root"

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  LC_ALL=C.UTF-8 HOME=/root TERM=dumb "$@"; }

otp=$(cat "$root"/usr/lib/erlang/releases/*/OTP_VERSION)
erts=$(in_root erl -noshell -eval 'io:format("~s", [erlang:system_info(version)]), halt().')
elixir=$(in_root elixir --version 2>/dev/null | sed -n 's/^Elixir \([^ ]*\).*/\1/p')
echo "otp-run: $suite OTP $otp (erts $erts), Elixir ${elixir:-none}"

t0=$(date +%s)
in_root cmake -S /beamscope-src -B /beamscope-build -G Ninja "-DBEAMSCOPE_SKIP_PARTS=gui;bench" \
  >"$root/beamscope-configure.log" 2>&1 || { cat "$root/beamscope-configure.log"; exit 1; }
in_root cmake --build /beamscope-build -j 2 >"$root/beamscope-build.log" 2>&1 || {
  tail -n 60 "$root/beamscope-build.log"; echo "otp-run: $suite build failed" >&2; exit 1; }
t1=$(date +%s)
echo "otp-run: $suite build $((t1 - t0))s"

# Everything the build has but the GUI (not built) and the benchmarks (not
# built): agent, ctl (cli), collector, exporters, protocol, transport,
# attach (yaws, the Elixir example), integration and Prometheus suites;
# not the long load and fault tests (label soak): they test no release-specific
# path and run once, on the native release; nor the Debian package's (label
# package: a Debian 12 package, tested from the native build). A test that fails is run once
# more (the roots' builds and tests share 2 cores with nothing else, but
# timing-bound integration tests still flake under load): ctest prints both
# runs, and a release-specific failure fails twice.
rc=0
in_root ctest --test-dir /beamscope-build --output-on-failure --timeout 600 -j 2 -LE 'gui|bench|soak|package' --repeat until-pass:2 || rc=$?
t2=$(date +%s)
echo "otp-run: $suite tests $((t2 - t1))s"
exit $rc
