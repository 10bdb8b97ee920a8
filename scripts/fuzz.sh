#!/usr/bin/env bash
# Runs one libFuzzer target (or all) for a while, on one core, from its seeds and regression seeds,
# and prints the executions done and what was found. New crashes land in build-fuzz/findings/<target>/:
# minimize each, copy it to fuzz/regressions/<target>/, fix, and record it in docs/fuzzing.md.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS] [extra libFuzzer flags...]
#   scripts/fuzz.sh fuzz_kernel_input 7200
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-all}
seconds=${2:-600}
shift $(( $# > 2 ? 2 : $# ))
build=${BTFGEN_FUZZ_BUILD:-$root/build-fuzz}

CC=clang-19 CXX=clang++-19 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBTFGEN_FUZZ=ON >/dev/null
targets=(fuzz_minimize fuzz_btf_ext fuzz_kernel_input fuzz_cache_entry)
[[ $target == all ]] || targets=("$target")
ninja -C "$build" "${targets[@]}" >/dev/null

declare -A seeds=(
  [fuzz_minimize]=$build/tests/bpf/targets
  [fuzz_btf_ext]=$build/fuzz/btf_ext_seeds
  [fuzz_kernel_input]=$build/fuzz/kernel_input_seeds
  [fuzz_cache_entry]=$build/fuzz/cache_entry_seeds
)
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t findings=$build/findings/$t
  mkdir -p "$corpus" "$findings"
  regressions=()
  [[ -d $root/fuzz/regressions/$t ]] && regressions=("$root/fuzz/regressions/$t")
  echo "== $t for ${seconds}s"
  # The first directory is the working corpus (new inputs are added there); seeds are read only.
  "$build/fuzz/$t" -max_total_time="$seconds" -max_len=65536 -timeout=30 -rss_limit_mb=1024 \
    -print_final_stats=1 -artifact_prefix="$findings/" "$@" \
    "$corpus" "${seeds[$t]}" "${regressions[@]}" 2>&1 | tee "$build/$t.log" | grep -E "^#[0-9]+.*(DONE|pulse)|stat::|ERROR|Test unit" || true
  echo "== findings: $(find "$findings" -type f | wc -l) in $findings"
done
