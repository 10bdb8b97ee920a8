#!/usr/bin/env bash
# Builds btfgen and runs the whole test suite (unit, crafted differential, corpus differential
# against bpftool), then again under AddressSanitizer + UBSan. To fit CI's time budget the
# sanitizer pass leaves out the three one-object-at-a-time corpus tests (4,270 bpftool runs, whose
# code paths the merged corpus test and the mutated-kinds fuzzing also cover); run them with
# BTFGEN_ASAN_CTEST_ARGS= (empty). BTFGEN_SKIP_SANITIZE=1 skips the sanitizer pass.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)

cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
ninja -C "$root/build"
(cd "$root/build" && ctest --output-on-failure -j "$jobs")

if [[ ${BTFGEN_SKIP_SANITIZE:-0} != 1 ]]; then
  cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBTFGEN_SANITIZE=ON
  ninja -C "$root/build-asan"
  (cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j "$jobs" ${BTFGEN_ASAN_CTEST_ARGS--E corpus_differential_single})
fi
