#!/usr/bin/env bash
# Makes (or reuses) a cached Debian root: debootstrap --variant=minbase,
# then apt-get install of the PACKAGEs not in it yet. The OTP release
# matrix's roots (scripts/otp-root.sh: build and test packages) and the
# Debian package test's clean root (tests/package: no packages at all) are
# both made here. A root is reused when its stamp matches the suite and
# mirror; packages added to a list since are installed into it, so a longer
# list costs minutes, not a new root. Concurrent callers for one root wait
# for each other (flock on ROOT.lock).
# Prints "debian-root: <suite> debootstrap Ns packages Ns" or "reused".
# Usage: scripts/debian-root.sh SUITE ROOT_DIR [PACKAGE...]     (run as root)
set -euo pipefail
suite=$1 root=$2
shift 2
packages=("$@")
here=$(cd "$(dirname "$0")" && pwd)
mirror=${BEAMSCOPE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" -eq 0 ] || { echo "debian-root: needs root (debootstrap, chroot, mount)" >&2; exit 1; }

# An unstable suite's Release file may carry an expired Valid-Until: accept
# it for that root only.
apt_opts=()
case $suite in sid|unstable) apt_opts=(-o Acquire::Check-Valid-Until=false) ;; esac

# The stamp names what debootstrap made; bump the trailing number to force
# new roots everywhere.
stamp_file=$root/.beamscope-root-stamp
stamp="$suite $mirror minbase 2"

missing_packages() {
  local p
  for p in "${packages[@]}"; do
    chroot "$root" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 HOME=/root "$@"; }

mkdir -p "$(dirname "$root")"
exec 9>"$root.lock"
flock 9

# Mounts for the package scripts; always undone, even on failure.
source "$here/otp-mounts.sh"
trap 'otp_umount "$root"' EXIT

t0=$(date +%s)
made=0
if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ] && [ -x "$root/usr/bin/dpkg" ]; then
  echo "debian-root: $suite found in $root"
else
  command -v debootstrap >/dev/null || {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap
  }
  echo "debian-root: making $suite in $root"
  otp_umount "$root"
  if otp_has_mounts "$root"; then
    echo "debian-root: something is still mounted under $root; not deleting it" >&2; exit 1
  fi
  rm -rf --one-file-system "$root"
  mkdir -p "$root"
  debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
    tail -40 "$root.debootstrap.log"; echo "debian-root: debootstrap $suite failed" >&2; exit 1; }
  # Services never start inside the root (prometheus, yaws postinst).
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod +x "$root/usr/sbin/policy-rc.d"
  printf '127.0.0.1 localhost\n127.0.1.1 %s\n::1 localhost ip6-localhost ip6-loopback\n' \
    "$(hostname)" >"$root/etc/hosts"
  hostname >"$root/etc/hostname"
  if [ ${#apt_opts[@]} -gt 0 ]; then
    echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99beamscope-valid-until"
  fi
  echo "$stamp" >"$stamp_file"
  made=1
fi
t1=$(date +%s)

mapfile -t missing < <(missing_packages)
if [ ${#missing[@]} -eq 0 ]; then
  [ "$made" -eq 1 ] || { echo "debian-root: $suite reused ($root)"; exit 0; }
else
  echo "debian-root: installing into $suite: ${missing[*]}"
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  otp_mount "$root"
  in_root apt-get "${apt_opts[@]}" update -qq
  in_root apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" \
    >"$root.packages.log" 2>&1 || {
    tail -40 "$root.packages.log"; echo "debian-root: packages for $suite failed" >&2; exit 1; }
  in_root apt-get clean
  mapfile -t still < <(missing_packages)
  [ ${#still[@]} -eq 0 ] || { echo "debian-root: still missing in $suite: ${still[*]}" >&2; exit 1; }
fi
t2=$(date +%s)
echo "debian-root: $suite debootstrap $((t1 - t0))s packages $((t2 - t1))s"
