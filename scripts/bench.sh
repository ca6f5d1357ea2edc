#!/usr/bin/env bash
# Builds and runs every benchmark under tests/bench, one after another (they need both cores:
# run nothing else meanwhile). Usage: scripts/bench.sh [name-filter]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
build_dir="${FLOWER_BUILD_DIR:-$root/build}"
for b in $(find "$build_dir/tests/bench" -maxdepth 2 -type f -name 'bench_*' -perm -u+x | sort); do
  case "$(basename "$b")" in *"${1:-}"*) ;; *) continue ;; esac
  echo "=== $(basename "$b")"
  (cd "$root" && "$b")
done
