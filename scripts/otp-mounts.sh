# Sourced by the otp-*.sh scripts: the kernel file systems a chroot needs
# (package scripts, erl's epmd and -sname nodes, ASan-free builds), mounted
# and unmounted in reverse order. otp_umount is safe to call twice and on a
# half-mounted root (it is the EXIT trap).

_otp_points=(proc sys dev dev/pts dev/shm)

otp_mount() {
  local root=$1 p
  for p in "${_otp_points[@]}"; do mkdir -p "$root/$p"; done
  mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
  # Plain (non-recursive) binds: unmounting them can never reach the host's.
  mountpoint -q "$root/sys" || mount --bind /sys "$root/sys"
  mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
  mountpoint -q "$root/dev/pts" || mount --bind /dev/pts "$root/dev/pts"
  mountpoint -q "$root/dev/shm" || mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
}

otp_umount() {
  local root=$1 i p
  for ((i = ${#_otp_points[@]} - 1; i >= 0; i--)); do
    p=$root/${_otp_points[i]}
    if mountpoint -q "$p"; then
      umount "$p" 2>/dev/null || umount -l "$p" 2>/dev/null || echo "otp-mounts: could not unmount $p" >&2
    fi
  done
}

# True when anything is still mounted at or below ROOT (then it must not be
# deleted: a bound /dev would go with it).
otp_has_mounts() {
  local root
  root=$(realpath -m "$1")
  awk -v r="$root" '$2 == r || index($2, r "/") == 1 { found = 1 } END { exit !found }' /proc/self/mounts
}
