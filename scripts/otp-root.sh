#!/usr/bin/env bash
# Makes (or reuses) a Debian root for the OTP release matrix: debootstrap
# --variant=minbase, then one apt-get install of the build/test packages
# (scripts/install-deps.sh's list less the GUI's). A root is reused only when
# its stamp matches the suite, this script and the package list; otherwise it
# is made anew. Prints "otp-root: <suite> debootstrap Ns packages Ns".
# Usage: scripts/otp-root.sh SUITE ROOT_DIR     (run as root)
set -euo pipefail
suite=$1 root=$2
here=$(cd "$(dirname "$0")" && pwd)
mirror=${BEAMSCOPE_DEBIAN_MIRROR:-http://deb.debian.org/debian}

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libprotobuf-dev protobuf-compiler libzmq3-dev cppzmq-dev
  prometheus-cpp-dev
  erlang-nox erlang-dev erlang-eunit erlang-tools
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus curl procps python3 ca-certificates
  elixir yaws
)

# An unstable suite's Release file may carry an expired Valid-Until: accept
# it for that root only.
apt_opts=()
case $suite in sid|unstable) apt_opts=(-o Acquire::Check-Valid-Until=false) ;; esac

stamp_file=$root/.beamscope-root-stamp
stamp=$( { echo "$suite $mirror"; printf '%s\n' "${PACKAGES[@]}"; cat "$0"; } | sha256sum | cut -d' ' -f1)

# Intact: the stamp of a finished set-up, and dpkg says every package is
# installed (a half-removed root is made anew).
intact() {
  [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ] || return 1
  local status
  status=$(chroot "$root" dpkg-query -W -f='${Status}\n' "${PACKAGES[@]}" 2>/dev/null) || return 1
  [ "$(grep -c 'install ok installed' <<<"$status")" -eq ${#PACKAGES[@]} ]
}
if intact; then
  echo "otp-root: $suite reused ($root)"
  exit 0
fi

command -v debootstrap >/dev/null || {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap
}

# Mounts for the package scripts; always undone, even on failure.
source "$here/otp-mounts.sh"
trap 'otp_umount "$root"' EXIT

echo "otp-root: making $suite in $root"
otp_umount "$root"
if otp_has_mounts "$root"; then
  echo "otp-root: something is still mounted under $root; not deleting it" >&2; exit 1
fi
rm -rf --one-file-system "$root"
mkdir -p "$root"
t0=$(date +%s)
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
  tail -40 "$root.debootstrap.log"; echo "otp-root: debootstrap $suite failed" >&2; exit 1; }
t1=$(date +%s)

# Services never start inside the root (prometheus, yaws postinst).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
printf '127.0.0.1 localhost\n127.0.1.1 %s\n::1 localhost ip6-localhost ip6-loopback\n' \
  "$(hostname)" >"$root/etc/hosts"
hostname >"$root/etc/hostname"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
if [ ${#apt_opts[@]} -gt 0 ]; then
  echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99beamscope-valid-until"
fi

otp_mount "$root"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 HOME=/root "$@"; }
in_root apt-get "${apt_opts[@]}" update -qq
in_root apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${PACKAGES[@]}" \
  >"$root.packages.log" 2>&1 || {
  tail -40 "$root.packages.log"; echo "otp-root: packages for $suite failed" >&2; exit 1; }
in_root apt-get clean
t2=$(date +%s)

echo "$stamp" >"$stamp_file"
echo "otp-root: $suite debootstrap $((t1 - t0))s packages $((t2 - t1))s"
