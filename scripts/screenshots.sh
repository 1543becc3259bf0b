#!/usr/bin/env bash
# Regenerates the README's pictures (docs/images/) from the GUI tests: they
# run the real inspector under Xvfb against real demo nodes, check what each
# picture shows, and leave it in BUILD/tests/gui/gui_screenshots/.
#   bash scripts/screenshots.sh [BUILD]    (default: build; built already)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shots="$build/tests/gui/gui_screenshots"
(cd "$build" && ctest --output-on-failure -R '^(gui_screenshot|gui_inspect)$')
mkdir -p docs/images
# picture in the test run -> name in docs/images (what the README shows)
while read -r from to; do
  cp "$shots/$from" "docs/images/$to"
  echo "docs/images/$to <- $shots/$from"
done <<'LIST'
inspect_alerts.png overview-alerts.png
tree.png tree-restarts.png
processes.png processes.png
paging.png huge-supervisor.png
inspect_light.png light-theme.png
LIST
