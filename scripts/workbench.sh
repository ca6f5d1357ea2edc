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
echo "No display: running the headless demo (flower demo)."
exec "$build_dir/app/flower" demo "$@"
