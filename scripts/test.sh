#!/usr/bin/env bash
# Sets up, builds and runs the whole default test suite (every label but slow; benchmarks are
# not tests). Extra arguments go to ctest, e.g. scripts/test.sh -L data
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
build_dir="${FLOWER_BUILD_DIR:-$root/build}"
export OMP_WAIT_POLICY=PASSIVE
ctest --test-dir "$build_dir" --output-on-failure --parallel 2 -LE slow "$@"
