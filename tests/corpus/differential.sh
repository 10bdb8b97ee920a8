#!/usr/bin/env bash
# differential.sh: `btfgen min` against `bpftool gen min_core_btf` over the shared corpus.
#
#   differential.sh [--btfgen PATH] [--corpus DIR] [--sets merged|single|all]
#                   [--arch x86_64|arm64|all] [--kernels REGEX] [--exclude-kernels REGEX]
#                   [--jobs N] [--keep DIR]
#
# For every kernel tarball under CORPUS/btfhub whose arch directory matches ARCH (x86_64 also
# matches x86/amd64, arm64 also matches aarch64) and whose path relative to btfhub/ matches the
# --kernels extended regex and not --exclude-kernels, the tarball is decompressed once (xz -dc).
# Then, for every object set, bpftool minimizes the decompressed .btf while btfgen is given the
# TARBALL itself, so that its in-memory decompression is what is tested. Object sets: "merged" is
# all objects of CORPUS/objects/libbpf-tools in one run, "single" is each object alone.
# --keep DIR saves both outputs and both logs of every mismatch under DIR.
#
# A comparison agrees when both outputs are byte-identical, or when both tools fail (and btfgen
# left no output file). Anything else is a mismatch, reported with a `bpftool btf dump` diff.
# Differing exit statuses on a common failure are reported but do not fail the run.
#
# Output ends with
#   corpus differential: kernels=K object-sets=S comparisons=N identical=I both-failed=F mismatched=M ...
#   P passed, M failed
# Exit status: 0 when nothing mismatched, 1 on any mismatch or setup error, 77 (CTest skip) when
# bpftool, xz or the corpus is missing, unless CI=true, where that is an error (1) too.
# Environment: BPFTOOL (default: bpftool from PATH or /usr/sbin/bpftool), BTFGEN_DIFF_TIMEOUT
# (seconds per tool run, default 300).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# ---------------------------------------------------------------------------------------------
# Worker: one kernel, every object set. Called through xargs as `differential.sh --worker TARBALL`
# with the run's settings in the environment. Writes one TSV line per comparison to its own file.
# ---------------------------------------------------------------------------------------------
run_kernel() {
  local tarball=$1 rel kdir kbtf result set_label
  rel=${tarball#"$DIFF_CORPUS/btfhub/"}
  rel=${rel%.tar.xz}
  kdir=$(mktemp -d "$DIFF_WORK/kernel.XXXXXX")
  result="$DIFF_WORK/results/$(printf '%s' "$rel" | tr '/' '_').tsv"
  : > "$result"

  if ! xz -dc -- "$tarball" | tar -x -C "$kdir" 2> "$kdir/.tar.err"; then
    printf 'setup-error\t%s\t-\tdecompression failed: %s\n' "$rel" "$(head -1 "$kdir/.tar.err")" >> "$result"
    rm -rf "$kdir"
    return 0
  fi
  kbtf=$(find "$kdir" -type f -name '*.btf' | sort | head -1)
  if [[ -z $kbtf ]]; then
    printf 'setup-error\t%s\t-\tno .btf member in the tarball\n' "$rel" >> "$result"
    rm -rf "$kdir"
    return 0
  fi

  local -a objects
  while IFS= read -r set_label; do
    if [[ $set_label == merged ]]; then
      mapfile -t objects < "$DIFF_WORK/objects.list"
    else
      objects=("$set_label")
    fi
    compare_one "$tarball" "$rel" "$kbtf" "$kdir" "$result" "$(basename "$set_label")" "${objects[@]}"
  done < "$DIFF_WORK/sets.list"
  rm -rf "$kdir"
}

first_line() { grep -m1 -v '^[[:space:]]*$' "$1" 2>/dev/null | tr '\t' ' ' || true; }

compare_one() {
  local tarball=$1 rel=$2 kbtf=$3 kdir=$4 result=$5 label=$6
  shift 6
  local ref="$kdir/ref.btf" out="$kdir/out.btf" ref_rc=0 out_rc=0 status detail
  rm -f "$ref" "$out"
  timeout "$DIFF_TIMEOUT" "$BPFTOOL" gen min_core_btf "$kbtf" "$ref" "$@" \
    > "$kdir/ref.log" 2>&1 || ref_rc=$?
  timeout "$DIFF_TIMEOUT" "$DIFF_BTFGEN" min "$tarball" "$out" "$@" \
    > "$kdir/out.log" 2>&1 || out_rc=$?

  if (( ref_rc == 124 || out_rc == 124 )); then
    status=mismatch
    detail="timeout after ${DIFF_TIMEOUT}s (bpftool status $ref_rc, btfgen status $out_rc)"
  elif (( ref_rc == 0 && out_rc == 0 )); then
    if cmp -s "$ref" "$out"; then
      status=identical; detail="$(stat -c %s "$ref") bytes"
    else
      status=mismatch
      detail="outputs differ: bpftool $(stat -c %s "$ref") bytes, btfgen $(stat -c %s "$out") bytes"
    fi
  elif (( ref_rc != 0 && out_rc != 0 )); then
    if [[ -e $out ]]; then
      status=mismatch; detail="btfgen failed (status $out_rc) but left $out behind"
    else
      status=both-failed
      detail="status bpftool=$ref_rc btfgen=$out_rc; bpftool: $(first_line "$kdir/ref.log"); btfgen: $(first_line "$kdir/out.log")"
    fi
  elif (( ref_rc != 0 )); then
    status=mismatch
    detail="bpftool failed (status $ref_rc: $(first_line "$kdir/ref.log")) but btfgen succeeded"
  else
    status=mismatch
    detail="btfgen failed (status $out_rc: $(first_line "$kdir/out.log")) but bpftool succeeded"
  fi
  if [[ $status == mismatch ]]; then
    printf 'MISMATCH %s [%s]: %s\n' "$rel" "$label" "$detail" >&2
    if [[ -f $ref && -f $out ]]; then report_difference "$rel" "$label" "$ref" "$out" "$kdir"; fi
    keep_files "$rel" "$label" "$ref" "$out" "$kdir"
  fi
  printf '%s\t%s\t%s\t%s\n' "$status" "$rel" "$label" "$detail" >> "$result"
}

report_difference() {
  local rel=$1 label=$2 ref=$3 out=$4 kdir=$5
  "$BPFTOOL" btf dump file "$ref" > "$kdir/ref.dump" 2>&1 || true
  "$BPFTOOL" btf dump file "$out" > "$kdir/out.dump" 2>&1 || true
  {
    echo "  bpftool btf dump of both outputs (- bpftool, + btfgen), first 40 lines of the diff:"
    if cmp -s "$kdir/ref.dump" "$kdir/out.dump"; then
      echo "  (dumps are identical: the bytes differ elsewhere, e.g. string order, header or trailing data)"
      cmp "$ref" "$out" 2>&1 | head -1 | sed 's/^/  /' || true
    else
      diff -u "$kdir/ref.dump" "$kdir/out.dump" | head -40 || true
    fi
  } >&2
}

keep_files() {
  local rel=$1 label=$2 ref=$3 out=$4 kdir=$5 dest
  if [[ -z ${DIFF_KEEP:-} ]]; then return 0; fi
  dest="$DIFF_KEEP/$rel/$label"
  mkdir -p "$dest"
  cp -f "$ref" "$dest/bpftool.btf" 2>/dev/null || true
  cp -f "$out" "$dest/btfgen.btf" 2>/dev/null || true
  cp -f "$kdir/ref.log" "$dest/bpftool.log" 2>/dev/null || true
  cp -f "$kdir/out.log" "$dest/btfgen.log" 2>/dev/null || true
}

if [[ ${1:-} == --worker ]]; then
  run_kernel "$2"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
# Driver.
# ---------------------------------------------------------------------------------------------
btfgen="$script_dir/../../build/btfgen"
corpus="$script_dir/../../../shared/corpus"
sets=all
arch=all
jobs=2
keep=
include='.'
exclude=
while [[ $# -gt 0 ]]; do
  case $1 in
    --btfgen) btfgen=$2; shift 2 ;;
    --corpus) corpus=$2; shift 2 ;;
    --sets) sets=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    --kernels) include=$2; shift 2 ;;
    --exclude-kernels) exclude=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "differential.sh: unknown argument '$1' (see --help)" >&2; exit 1 ;;
  esac
done
case $sets in merged|single|all) ;; *) echo "differential.sh: --sets must be merged, single or all" >&2; exit 1 ;; esac
case $arch in
  x86_64|x86|amd64) arch_pattern='x86_64|x86|amd64' ;;
  arm64|aarch64) arch_pattern='arm64|aarch64' ;;
  all) arch_pattern='[^/]+' ;;
  *) echo "differential.sh: --arch must be x86_64, arm64 or all" >&2; exit 1 ;;
esac

# Missing prerequisites: a skip locally, an error in CI.
unavailable() {
  if [[ ${CI:-} == true ]]; then
    echo "corpus differential: ERROR: $1 (CI=true, so this is a failure, not a skip)" >&2
    exit 1
  fi
  echo "corpus differential: SKIPPED: $1"
  exit 77
}

BPFTOOL=${BPFTOOL:-$(command -v bpftool || true)}
[[ -n $BPFTOOL ]] || { [[ -x /usr/sbin/bpftool ]] && BPFTOOL=/usr/sbin/bpftool; }
[[ -n $BPFTOOL && -x $BPFTOOL ]] || unavailable "bpftool not found (apt-get install bpftool)"
command -v xz > /dev/null || unavailable "xz not found (apt-get install xz-utils)"
command -v tar > /dev/null || unavailable "tar not found"
[[ -d $corpus/btfhub && -d $corpus/objects/libbpf-tools ]] \
  || unavailable "corpus not found at $corpus (expected btfhub/ and objects/libbpf-tools/)"
if [[ ! -x $btfgen ]]; then
  echo "corpus differential: ERROR: btfgen binary not found at $btfgen (build it first)" >&2
  exit 1
fi
corpus=$(cd "$corpus" && pwd)
btfgen=$(cd "$(dirname "$btfgen")" && pwd)/$(basename "$btfgen")

work=$(mktemp -d "${TMPDIR:-/tmp}/btfgen-differential.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/results"

find "$corpus/objects/libbpf-tools" -maxdepth 1 -type f -name '*.o' | sort > "$work/objects.list"
mapfile -t kernels < <(find "$corpus/btfhub" -type f -name '*.btf.tar.xz' | sort \
  | grep -E "/($arch_pattern)/[^/]+\.btf\.tar\.xz$" \
  | while IFS= read -r k; do
      rel=${k#"$corpus/btfhub/"}
      if [[ $rel =~ $include ]] && { [[ -z $exclude ]] || ! [[ $rel =~ $exclude ]]; }; then
        printf '%s\n' "$k"
      fi
    done)
object_count=$(wc -l < "$work/objects.list")
(( object_count > 0 )) || unavailable "no objects in $corpus/objects/libbpf-tools"
if (( ${#kernels[@]} == 0 )); then
  echo "corpus differential: ERROR: no kernel tarballs for arch '$arch' (kernels '$include'," \
    "excluding '$exclude') under $corpus/btfhub" >&2
  exit 1
fi

: > "$work/sets.list"
[[ $sets == merged || $sets == all ]] && echo merged >> "$work/sets.list"
[[ $sets == single || $sets == all ]] && cat "$work/objects.list" >> "$work/sets.list"
set_count=$(wc -l < "$work/sets.list")

echo "corpus differential: $("$BPFTOOL" --version 2>/dev/null | head -1) vs $btfgen"
echo "corpus differential: ${#kernels[@]} kernels (arch $arch) x $set_count object sets ($sets; $object_count objects), $jobs jobs"

export DIFF_CORPUS=$corpus DIFF_WORK=$work DIFF_BTFGEN=$btfgen DIFF_KEEP=$keep BPFTOOL
export DIFF_TIMEOUT=${BTFGEN_DIFF_TIMEOUT:-300}
printf '%s\n' "${kernels[@]}" | xargs -d '\n' -n 1 -P "$jobs" "$script_dir/differential.sh" --worker

cat "$work"/results/*.tsv > "$work/all.tsv" 2>/dev/null || true
count() { awk -F '\t' -v s="$1" '$1 == s' "$work/all.tsv" | wc -l; }
identical=$(count identical)
both_failed=$(count both-failed)
mismatched=$(count mismatch)
setup_errors=$(count setup-error)
comparisons=$((identical + both_failed + mismatched))
expected=$(( ${#kernels[@]} * set_count ))
status_differs=$(awk -F '\t' '$1 == "both-failed"' "$work/all.tsv" \
  | sed -n 's/^.*status bpftool=\([0-9]*\) btfgen=\([0-9]*\);.*$/\1 \2/p' | awk '$1 != $2' | wc -l)

if (( both_failed > 0 )); then
  echo "both failed (bpftool and btfgen agree that these inputs are rejected):"
  awk -F '\t' '$1 == "both-failed" { printf "  %s [%s]: %s\n", $2, $3, $4 }' "$work/all.tsv"
fi
if (( status_differs > 0 )); then
  echo "note: $status_differs common failures exit with a different status (see 'status bpftool=... btfgen=...' above)"
fi
if (( setup_errors > 0 )); then
  echo "setup errors:" >&2
  awk -F '\t' '$1 == "setup-error" { printf "  %s: %s\n", $2, $4 }' "$work/all.tsv" >&2
fi
if (( mismatched > 0 )); then
  echo "mismatches:" >&2
  awk -F '\t' '$1 == "mismatch" { printf "  %s [%s]: %s\n", $2, $3, $4 }' "$work/all.tsv" >&2
fi

echo "corpus differential: kernels=${#kernels[@]} object-sets=$set_count comparisons=$comparisons" \
  "identical=$identical both-failed=$both_failed mismatched=$mismatched" \
  "exit-status-differs=$status_differs setup-errors=$setup_errors"
agreed=$((identical + both_failed))
if (( comparisons + setup_errors * set_count != expected )); then
  echo "corpus differential: ERROR: expected $expected comparisons, got $comparisons" \
    "(+ $setup_errors kernels that could not be set up)" >&2
fi
echo "$agreed passed, $((expected - agreed)) failed"
(( agreed == expected ))
