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
# Headless: the embedded RQ1 demo — SFT and Flower fit the title distribution of a synthetic
# catalogue from one fixed prompt, then a table of KL/JS at title and token level. Extra
# arguments go to `flower demo` (e.g. --set max_steps=100, --json).
echo "No display: headless demo (flower demo)"
exec "$build_dir/app/flower" demo "$@"
