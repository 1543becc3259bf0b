#!/usr/bin/env bash
# Installs every Debian 12 package beamscope needs to build, test and run its demo.
# Idempotent: installs only what is missing; apt-get update runs only when needed.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config
  # protocol + transport
  libprotobuf-dev protobuf-compiler libzmq3-dev cppzmq-dev
  # recording (beamscope-collector --record, replay): zstd, and zlib for its CRC-32
  libzstd-dev zlib1g-dev
  # exporters
  prometheus-cpp-dev
  # agent + cli (erl_nif.h, ei.h) and the runtime itself
  erlang-nox erlang-dev erlang-eunit erlang-tools erlang-dialyzer
  # gui
  libimgui-dev libglfw3-dev libstb-dev libgl-dev fonts-dejavu-core
  # flags, logs, json
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus xvfb xauth libgl1-mesa-dri curl procps python3
  # fuzzing (scripts/fuzz.sh): clang, its sanitizer and libFuzzer runtimes
  clang libclang-rt-14-dev libfuzzer-14-dev
  # Elixir embedding example and the third-party server for attach tests
  elixir yaws
  # the Debian package (cpack -G DEB): its checks, the clean root it is
  # installed into, and systemd-analyze for the collector's unit
  lintian debootstrap systemd
  # man pages from each program's --help (packaging/CMakeLists.txt)
  help2man
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
