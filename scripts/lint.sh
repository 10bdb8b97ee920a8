#!/usr/bin/env bash
# The written conventions, enforced: clang-format (.clang-format) on every C++ file we own, and
# clang-tidy (.clang-tidy: the checks we keep) on the core and the CLI. Exits non-zero on any finding.
#   scripts/lint.sh [BUILD_DIR]    (a configured build directory with compile_commands.json; default build)
#   FIX=1 scripts/lint.sh          reformat in place instead of checking
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
cd "$root"
mapfile -t cxx < <(git ls-files 'src/*.cpp' 'src/*.c' 'src/*.h' 'include/*.h' 'tests/unit/*.cpp' 'tests/cli/*.cpp' \
  'tests/support/*.h' 'fuzz/*.cpp')
if [[ ${FIX:-0} == 1 ]]; then
  clang-format-19 -i "${cxx[@]}"
else
  clang-format-19 --dry-run --Werror "${cxx[@]}"
  echo "lint: clang-format clean (${#cxx[@]} files)"
fi
[[ -f $build/compile_commands.json ]] || { echo "lint: no $build/compile_commands.json (configure first)" >&2; exit 2; }
mapfile -t sources < <(git ls-files 'src/*.cpp' 'src/*.c')
# Two at a time: each file is one clang-tidy process.
printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy-19 -p "$build" --quiet 2>/dev/null
echo "lint: clang-tidy clean (${#sources[@]} files)"
