#!/usr/bin/env bash
# Differential fuzzing on real inputs: every libbpf-tools object, rewritten by mutate_kinds.py into
# one variant per relocation kind, against a few corpus kernels, through bpftool and btfgen.
# Outputs must be byte-identical, or both tools must fail with the same exit status.
#   mutated_kinds.sh BTFGEN SHARED_DIR [KERNEL_GLOB...]
set -uo pipefail
btfgen=$1; shared=$2; shift 2
globs=("$@"); [[ ${#globs[@]} -gt 0 ]] || globs=("centos/8/*/*" "debian/12/x86_64/6.1.0-53-amd64*")
here=$(cd "$(dirname "$0")" && pwd)
missing() {
  if [[ ${CI:-} == true ]]; then echo "mutated_kinds: $1 (required when CI=true)" >&2; exit 1; fi
  echo "mutated_kinds: skipped: $1"; exit 77
}
command -v bpftool >/dev/null || missing "bpftool not found"
[[ -d $shared/corpus/btfhub && -d $shared/corpus/objects/libbpf-tools ]] || missing "no corpus in $shared"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/objs" "$work/out"
for o in "$shared"/corpus/objects/libbpf-tools/*.bpf.o; do python3 "$here/mutate_kinds.py" "$o" "$work/objs"; done
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
echo "mutated kinds: kernels=${#kernels[@]} variants=$(ls "$work/objs" | wc -l) comparisons=$((agree + bad)) both-failed=$failed mismatched=$bad"
echo "$agree passed, $bad failed"
[[ $bad -eq 0 && $agree -gt 0 ]]
