#!/usr/bin/env bash
# Assembles .devkit/ (git-ignored) on this Debian machine: what a lent GPU machine lacks to build
# and test flower there against its own Python's LibTorch. That machine reaches no package
# registry and has no -dev packages, so the headers, CMake packages and shared libraries of
# nlohmann_json, CLI11, SQLite, PCRE2, utf8proc, libcsv and zlib travel with the call, together with
# the fixtures the model tests read and the default tokenizer (for the training smoke run).
# Nothing here is committed: .git/info/exclude lists /.devkit/.
#
#   tests/device/make_devkit.sh        # then run() with carry [".devkit"], see tests/device/README.md
set -euo pipefail
root=$(git rev-parse --show-toplevel)
kit="$root/.devkit"
shared="${FLOWER_SHARED_DIR:-$root/../shared}"
tokenizer="${FLOWER_TOKENIZER:-$HOME/.cache/flower-workbench/tokenizer-qwen3-3.7.2/tokenizer.json}"
grep -qx '/.devkit/' "$root/.git/info/exclude" 2>/dev/null || echo '/.devkit/' >> "$root/.git/info/exclude"
rm -rf "$kit"
mkdir -p "$kit/include" "$kit/lib" "$kit/share/cmake" "$kit/shared/fixtures" "$kit/tokenizer"

cp -r /usr/include/nlohmann /usr/include/CLI "$kit/include/"
cp /usr/include/sqlite3.h /usr/include/sqlite3ext.h /usr/include/pcre2.h /usr/include/utf8proc.h \
   /usr/include/csv.h /usr/include/zlib.h "$kit/include/"
cp /usr/include/x86_64-linux-gnu/zconf.h "$kit/include/" 2>/dev/null || cp /usr/include/zconf.h "$kit/include/"
cp -r /usr/share/cmake/nlohmann_json /usr/share/cmake/CLI11 "$kit/share/cmake/"
# The CMake packages of header-only libraries locate their headers relative to themselves
# (share/cmake/<pkg>/../../../include), which .devkit's layout keeps.
lib=/usr/lib/x86_64-linux-gnu
for so in libsqlite3.so.0 libpcre2-8.so.0 libutf8proc.so.2 libcsv.so.3 libz.so.1; do
    cp -L "$lib/$so" "$kit/lib/$so"
    cp -L "$lib/$so" "$kit/lib/${so%%.so*}.so"  # the link-time name, as a copy: links may not travel
done
for f in qwen2-tiny-f32 qwen2-tiny-bf16-sharded subtb-loss-golden.json; do
    cp -r "$shared/fixtures/$f" "$kit/shared/fixtures/"
done
cp "$tokenizer" "$kit/tokenizer/tokenizer.json"
du -sh "$kit"
