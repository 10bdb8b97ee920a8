#!/usr/bin/env bash
# Objects x kernels, each object alone, through bpftool and btfgen: outputs must be byte-identical,
# or both tools must fail with the same exit status.
#   object_matrix.sh BTFGEN SHARED_DIR OBJECTS [KERNEL_GLOB...]
# OBJECTS is `mutated` (every libbpf-tools object rewritten by mutate_kinds.py into one variant per
# relocation kind: differential fuzzing on real inputs) or a directory of .bpf.o files (the crafted
# test programs, against real kernels). Kernels: corpus tarballs matching the globs.
set -uo pipefail
btfgen=$1; shared=$2; objects=$3; shift 3
globs=("$@"); [[ ${#globs[@]} -gt 0 ]] || globs=("centos/8/*/*" "debian/12/x86_64/6.1.0-53-amd64*")
here=$(cd "$(dirname "$0")" && pwd)
missing() {
  if [[ ${CI:-} == true ]]; then echo "object_matrix: $1 (required when CI=true)" >&2; exit 1; fi
  echo "object_matrix: skipped: $1"; exit 77
}
command -v bpftool >/dev/null || missing "bpftool not found"
[[ -d $shared/corpus/btfhub && -d $shared/corpus/objects/libbpf-tools ]] || missing "no corpus in $shared"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/objs" "$work/out"
if [[ $objects == mutated ]]; then
  for o in "$shared"/corpus/objects/libbpf-tools/*.bpf.o; do python3 "$here/mutate_kinds.py" "$o" "$work/objs"; done
else
  cp "$objects"/*.bpf.o "$work/objs/" || { echo "object_matrix: no .bpf.o in $objects" >&2; exit 1; }
fi
kernels=()
for g in "${globs[@]}"; do
  for f in "$shared"/corpus/btfhub/$g.btf.tar.xz; do [[ -f $f ]] && kernels+=("$f"); done
done
[[ ${#kernels[@]} -gt 0 ]] || missing "no kernel matches ${globs[*]}"
for k in "${kernels[@]}"; do xz -dc "$k" | tar -xO > "$work/$(basename "$k" .tar.xz)"; done
one() {
  local k=$1 o=$2 b rr ro
  b=$(basename "$o" .o)-$(basename "$k")
  bpftool gen min_core_btf "$k" "$work/out/r-$b" "$o" >/dev/null 2>&1; rr=$?
  "$btfgen" min "$k" "$work/out/o-$b" "$o" >/dev/null 2>&1; ro=$?
  if [[ $rr -ne $ro ]]; then echo "MISMATCH exit $b bpftool=$rr btfgen=$ro"
  elif [[ $rr -ne 0 ]]; then echo "AGREE both-failed $b"
  elif cmp -s "$work/out/r-$b" "$work/out/o-$b"; then echo "AGREE identical $b"
  else echo "MISMATCH bytes $b"; fi
  rm -f "$work/out/r-$b" "$work/out/o-$b"
}
export -f one; export work btfgen
for k in "${kernels[@]}"; do for o in "$work"/objs/*.o; do printf '%s\n%s\n' "$work/$(basename "$k" .tar.xz)" "$o"; done; done \
  | xargs -n 2 -P "$(nproc)" bash -c 'one "$@"' _ > "$work/results.txt"
grep MISMATCH "$work/results.txt"
agree=$(grep -c '^AGREE' "$work/results.txt"); bad=$(grep -c '^MISMATCH' "$work/results.txt")
failed=$(grep -c 'both-failed' "$work/results.txt")
echo "object matrix ($objects): kernels=${#kernels[@]} objects=$(ls "$work/objs" | wc -l) comparisons=$((agree + bad)) both-failed=$failed mismatched=$bad"
echo "$agree passed, $bad failed"
[[ $bad -eq 0 && $agree -gt 0 ]]
