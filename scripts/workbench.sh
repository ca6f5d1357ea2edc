#!/usr/bin/env bash
# Sets up, builds and launches the workbench with the demo experiment (RQ1 on a synthetic
# catalogue, experiments/rq1-synthetic.json) in the form, ready to run: press Run (Ctrl+R), or
# switch the method to sft and press Queue to compare both. Extra arguments go to
# flower-workbench (e.g. --store FILE). With no display it runs the headless demo instead.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
build_dir="${FLOWER_BUILD_DIR:-$root/build}"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$build_dir/app/flower-workbench" --experiment "$root/experiments/rq1-synthetic.json" "$@"
fi
# Headless: the embedded RQ1 demo — SFT and Flower fit the title distribution of a synthetic
# catalogue from one fixed prompt, then a table of KL/JS at title and token level. Extra
# arguments go to `flower demo` (e.g. --set max_steps=100, --json).
echo "No display: headless demo (flower demo)"
exec "$build_dir/app/flower" demo "$@"
