#!/bin/sh
# Builds the safetensors header fuzzer with clang (libFuzzer + AddressSanitizer + UBSan) outside
# the CMake build and runs it. Usage: tests/fuzz/build_and_run.sh [seconds] [extra libFuzzer args]
# Needs clang and libclang-rt-14-dev (Debian 12: apt-get install clang libclang-rt-14-dev).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${FLOWER_FUZZ_DIR:-$root/build-fuzz}
seconds=${1:-600}
[ $# -gt 0 ] && shift
mkdir -p "$out/corpus"
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$root" "$here/fuzz_safetensors_header.cpp" "$root/core/model/safetensors_header.cpp" \
  "$root/core/util/error.cpp" -o "$out/fuzz_safetensors_header"
# Seeds: the shared fixtures when present (valid files to mutate from).
for f in "$root"/../shared/fixtures/qwen2-tiny-*/*.safetensors; do
  [ -f "$f" ] && cp -f "$f" "$out/corpus/" 2>/dev/null || true
done
chmod -R u+w "$out/corpus"
exec "$out/fuzz_safetensors_header" "$out/corpus" -max_total_time="$seconds" -max_len=4096 \
  -print_final_stats=1 "$@"
