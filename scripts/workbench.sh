#!/usr/bin/env bash
# Sets up, builds and launches the workbench. With no display it runs the headless demo on the
# embedded synthetic dataset instead.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
build_dir="${FLOWER_BUILD_DIR:-$root/build}"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$build_dir/app/flower-workbench" "$@"
fi
# Headless: until the training demo lands (flower demo), show what the embedded synthetic
# catalogue looks like — the dataset every default experiment starts from.
cache_dir="${FLOWER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flower-workbench}"
demo_dir="$cache_dir/demo-synthetic"
echo "No display: headless demo — synthetic catalogue in $demo_dir"
"$build_dir/app/flower" synth --out "$demo_dir" "$@"
exec "$build_dir/app/flower" dataset-stats --dataset "$demo_dir"
