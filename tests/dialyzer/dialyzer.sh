#!/bin/sh
# dialyzer over the agent's compiled modules (built with debug_info), with
# no warnings allowed. The PLT of erts, kernel and stdlib is built once and
# cached in the build dir (a few minutes on a fresh machine); a PLT that
# fails dialyzer's own check (another OTP, a damaged file) is rebuilt.
# usage: dialyzer.sh PLT EBIN
set -u
plt=${1:?usage: dialyzer.sh PLT EBIN}
ebin=${2:?usage: dialyzer.sh PLT EBIN}
command -v dialyzer > /dev/null || {
  echo "FAIL: dialyzer not found: install the Debian package erlang-dialyzer (scripts/install-deps.sh)" >&2
  exit 1
}
if [ ! -s "$plt" ] || ! dialyzer --check_plt --plt "$plt" > /dev/null 2>&1; then
  mkdir -p "$(dirname "$plt")"
  rm -f "$plt" "$plt.tmp"
  echo "dialyzer: building the PLT of erts, kernel, stdlib in $plt"
  start=$(date +%s)
  # Exit 2 means warnings inside OTP itself: not ours, the PLT is fine.
  dialyzer --build_plt --output_plt "$plt.tmp" --apps erts kernel stdlib > "$plt.log" 2>&1
  rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
    echo "FAIL: dialyzer could not build the PLT (exit $rc):" >&2
    cat "$plt.log" >&2
    exit 1
  fi
  mv "$plt.tmp" "$plt"
  echo "dialyzer: PLT built in $(( $(date +%s) - start )) s"
fi
start=$(date +%s)
dialyzer --no_check_plt --plt "$plt" -Wunmatched_returns "$ebin"
rc=$?
echo "dialyzer: analysis in $(( $(date +%s) - start )) s, exit $rc"
[ "$rc" -eq 0 ] || { echo "FAIL: dialyzer warnings (above) in $ebin" >&2; exit 1; }
