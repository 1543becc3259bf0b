#!/bin/sh
# Lints one scrape with `promtool check metrics`. promtool must parse it, and
# may only complain about the prometheus.erl names we keep on purpose for
# dashboard compatibility: each accepted complaint is listed, whole line, in
# promtool_allowed.txt next to this script. Anything else fails the test.
# usage: promtool_check.sh PROMTOOL PROGRAM [ARGS...]   (PROGRAM prints metrics)
set -eu
promtool=$1; shift
command -v "$promtool" > /dev/null 2>&1 || {
  echo "FAIL: promtool not found ($promtool): install the Debian package prometheus (scripts/install-deps.sh)" >&2
  exit 1
}
allowed="$(dirname "$0")/promtool_allowed.txt"
body=$(mktemp); report=$(mktemp)
trap 'rm -f "$body" "$report"' EXIT
"$@" > "$body"
[ -s "$body" ] || { echo "FAIL: no metrics produced by $*" >&2; exit 1; }
rc=0
"$promtool" check metrics < "$body" > "$report" 2>&1 || rc=$?
# 0: clean; 3: lint problems only (checked below); anything else: parse error.
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
  echo "FAIL: promtool could not parse the metrics (exit $rc):" >&2
  cat "$report" >&2
  exit 1
fi
unexpected=$(grep -vxF -f "$allowed" "$report" || true)
if [ -n "$unexpected" ]; then
  echo "FAIL: unexpected promtool complaints:" >&2
  echo "$unexpected" >&2
  exit 1
fi
echo "ok: $(grep -c '^[^#]' "$body") samples; accepted complaints: $(wc -l < "$report")"
