#!/usr/bin/env bash
# Builds btfgen and runs the whole test suite (unit, crafted differential, corpus differential
# against bpftool), then the whole suite again under AddressSanitizer + UBSan (about 10 minutes
# each on 2 cores). BTFGEN_SKIP_SANITIZE=1 skips the sanitizer pass; BTFGEN_ASAN_CTEST_ARGS passes
# extra ctest arguments to it (e.g. "-E corpus_differential_single"). Last, the libFuzzer targets
# (fuzz/, built with clang-19) each take a fixed-seed smoke run; BTFGEN_SKIP_FUZZ=1 skips it.
# clang-format and clang-tidy (scripts/lint.sh) run before the tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)

cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
ninja -C "$root/build"
# Conventions first: a format or clang-tidy finding fails the run (scripts/lint.sh).
bash "$root/scripts/lint.sh" "$root/build"
(cd "$root/build" && ctest --output-on-failure -j "$jobs")

if [[ ${BTFGEN_SKIP_SANITIZE:-0} != 1 ]]; then
  cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBTFGEN_SANITIZE=ON
  ninja -C "$root/build-asan"
  # The browser and libbpf checks of the report (report_html, report_vs_libbpf) spend their time in
  # chromium and libbpf, not in btfgen: the sanitizers add nothing there but minutes.
  (cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j "$jobs" \
    ${BTFGEN_ASAN_CTEST_ARGS:--E ^(report_html|report_vs_libbpf)$})
fi

if [[ ${BTFGEN_SKIP_FUZZ:-0} != 1 ]]; then
  CC=clang-19 CXX=clang++-19 cmake -S "$root" -B "$root/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBTFGEN_FUZZ=ON
  ninja -C "$root/build-fuzz" fuzz_minimize fuzz_btf_ext fuzz_kernel_input fuzz_cache_entry
  (cd "$root/build-fuzz" && ctest --output-on-failure -L fuzz)
fi

# The attack tests run as root: they must have left the host's devices as they found them.
[[ -L /dev/stdout && -L /dev/stderr && -c /dev/null ]] || { echo "test.sh: a test damaged /dev" >&2; exit 1; }
