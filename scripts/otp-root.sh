#!/usr/bin/env bash
# Makes (or reuses) a Debian root for the OTP release matrix: a cached
# minbase root (scripts/debian-root.sh) with the build/test packages
# (scripts/install-deps.sh's list less the GUI's and the fuzzers').
# Prints "debian-root: <suite> debootstrap Ns packages Ns" or "reused".
# Usage: scripts/otp-root.sh SUITE ROOT_DIR     (run as root)
set -euo pipefail
suite=$1 root=$2
here=$(cd "$(dirname "$0")" && pwd)

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libprotobuf-dev protobuf-compiler libzmq3-dev cppzmq-dev
  prometheus-cpp-dev
  erlang-nox erlang-dev erlang-eunit erlang-tools erlang-dialyzer
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus curl procps python3 python3-zmq ca-certificates openssl
  elixir yaws
)

exec bash "$here/debian-root.sh" "$suite" "$root" "${PACKAGES[@]}"
