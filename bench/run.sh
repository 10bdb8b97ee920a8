#!/usr/bin/env bash
# bench/run.sh: `btfgen build --jobs 2` against the xz floor and the bpftool loop, in one run.
#
#   bench/run.sh [RESULTS_DIR]        (default: $TMPDIR/btfgen-bench-<UTC timestamp>)
#
# Datasets (all with the 61 libbpf-tools objects merged per kernel):
#   corpus-x86_64   ../shared/corpus/btfhub, --arch x86_64   (25 kernels)
#   corpus-arm64    ../shared/corpus/btfhub, --arch arm64    (45 kernels, arm64 + aarch64 dirs)
#   replica-x86_64  the 25 x86_64 kernels hard-linked 40 times under distinct names (1,000 kernels)
# Commands, timed side by side with hyperfine:
#   btfgen     btfgen build --jobs 2, fresh output dir before every run (no incremental shortcut)
#   xz-floor   ../shared/tools/xz-floor -j 2           (decompression only: the floor)
#   bpftool    ../shared/tools/bpftool-reference -j 1  (the tutorial's serial Makefile loop)
#   unchanged  btfgen build --jobs 2 over an already complete output dir
# Peak RSS of btfgen (--jobs 2, fresh output) with /usr/bin/time -v.
# Run counts: RUNS (default 5) on the corpus, REPLICA_RUNS (default 3) for btfgen/floor on the
# replica, REPLICA_LOOP_RUNS (default 1) for the bpftool loop on the replica (about 6 minutes a run).
# DATASETS (default: all three, space-separated) picks datasets for a quick try.
# Writes hyperfine JSON + markdown per dataset and summary.md (medians, ratios, RSS) to RESULTS_DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
shared=$(cd "$root/../shared" && pwd)
btfgen=${BTFGEN:-$root/build/btfgen}
corpus=$shared/corpus/btfhub
objs=("$shared"/corpus/objects/libbpf-tools/*.bpf.o)
runs=${RUNS:-5}
replica_runs=${REPLICA_RUNS:-3}
replica_loop_runs=${REPLICA_LOOP_RUNS:-1}
results=${1:-${TMPDIR:-/tmp}/btfgen-bench-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$results"; results=$(cd "$results" && pwd)
for tool in hyperfine bpftool xz python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
done
[[ -x $btfgen ]] || { echo "bench: $btfgen not built (cmake -S . -B build -G Ninja && ninja -C build)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/btfgen-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1,000 kernels: the corpus' x86_64 kernels, 40 replicas each, with distinct file names
# (<kernel>-rNN.btf.tar.xz) so every one is a separate kernel for all three tools. Hard links when
# the corpus is on the same file system (no extra disk), copies otherwise.
replica=$work/replica
while IFS= read -r f; do
  rel=${f#"$corpus"/}; dir=$(dirname "$rel"); base=$(basename "$rel" .btf.tar.xz)
  mkdir -p "$replica/$dir"
  for r in $(seq -w 1 40); do
    ln "$f" "$replica/$dir/$base-r$r.btf.tar.xz" 2>/dev/null || cp "$f" "$replica/$dir/$base-r$r.btf.tar.xz"
  done
done < <(find "$corpus" -type f -name '*.btf.tar.xz' | grep -E '/x86_64/[^/]+\.btf\.tar\.xz$' | sort)

{
  echo "# btfgen build benchmark"
  echo
  echo "- date (UTC): $(date -u '+%Y-%m-%d %H:%M:%S')"
  echo "- host: $(nproc) online CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
  echo "- cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "- btfgen: $("$btfgen" --version), $(bpftool version | head -1), $(xz --version | head -1), $(hyperfine --version)"
  echo "- load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
} > "$results/summary.md"

# bench_dataset NAME ARCHIVE ARCH RUNS LOOP_RUNS
bench_dataset() {
  local name=$1 archive=$2 arch=$3 n=$4 loop_n=$5
  local out=$work/out-$name ref=$work/ref-$name keep=$work/keep-$name
  local build_cmd="$btfgen build --archive $archive --arch $arch --output $out --jobs 2 ${objs[*]/#/--obj }"
  local floor_cmd="$shared/tools/xz-floor -j 2 $archive $arch"
  local loop_cmd="$shared/tools/bpftool-reference -j 1 $archive $arch $ref ${objs[*]}"
  local unchanged_cmd="$btfgen build --archive $archive --arch $arch --output $keep --jobs 2 ${objs[*]/#/--obj }"
  echo "== $name" >&2
  $unchanged_cmd >/dev/null  # fills $keep for the unchanged-rebuild timing

  if [[ $n == "$loop_n" ]]; then
    hyperfine --style basic --runs "$n" --export-json "$results/$name.json" --export-markdown "$results/$name.md" \
      -n btfgen --prepare "rm -rf $out" "$build_cmd" \
      -n xz-floor --prepare "true" "$floor_cmd" \
      -n bpftool-loop --prepare "rm -rf $ref" "$loop_cmd" \
      -n unchanged --prepare "true" "$unchanged_cmd"
  else
    hyperfine --style basic --runs "$n" --export-json "$results/$name.json" --export-markdown "$results/$name.md" \
      -n btfgen --prepare "rm -rf $out" "$build_cmd" \
      -n xz-floor --prepare "true" "$floor_cmd" \
      -n unchanged --prepare "true" "$unchanged_cmd"
    hyperfine --style basic --runs "$loop_n" --export-json "$results/$name-loop.json" \
      --export-markdown "$results/$name-loop.md" \
      -n bpftool-loop --prepare "rm -rf $ref" "$loop_cmd"
  fi
  # Correctness of what was timed: the loop's last tree against btfgen's.
  "$shared/tools/compare-trees" "$ref" "$keep" | tail -1 | sed "s/^/$name: /" | tee -a "$results/compare.txt" >&2
  rm -rf "$out" "$ref"
  /usr/bin/time -v $build_cmd 2> "$work/time-$name.txt" >/dev/null
  awk -v n="$name" '/Maximum resident set size/ {print n "\t" $NF}' "$work/time-$name.txt" >> "$results/rss.tsv"
  rm -rf "$out" "$keep"
}

: > "$results/rss.tsv"; : > "$results/compare.txt"
datasets=${DATASETS:-corpus-x86_64 corpus-arm64 replica-x86_64}
for d in $datasets; do
  case $d in
    corpus-x86_64) bench_dataset "$d" "$corpus" x86_64 "$runs" "$runs" ;;
    corpus-arm64) bench_dataset "$d" "$corpus" arm64 "$runs" "$runs" ;;
    replica-x86_64) bench_dataset "$d" "$replica" x86_64 "$replica_runs" "$replica_loop_runs" ;;
    *) echo "bench: unknown dataset $d" >&2; exit 2 ;;
  esac
done

python3 - "$results" >> "$results/summary.md" <<'EOF'
import json, os, sys
res = sys.argv[1]
rss = dict(l.split('\t') for l in open(os.path.join(res, 'rss.tsv')).read().split('\n') if l)
print('| dataset | kernels | btfgen --jobs 2 | xz floor -j 2 | bpftool loop -j 1 | unchanged rebuild | btfgen / floor | loop / btfgen | btfgen peak RSS |')
print('|---|---|---|---|---|---|---|---|---|')
kernels = {'corpus-x86_64': 25, 'corpus-arm64': 45, 'replica-x86_64': 1000}
for name in ['corpus-x86_64', 'corpus-arm64', 'replica-x86_64']:
    if name not in rss:
        continue
    med = {}
    for f in [name + '.json', name + '-loop.json']:
        p = os.path.join(res, f)
        if os.path.exists(p):
            for r in json.load(open(p))['results']:
                med[r['command']] = (r['median'], len(r['times']))
    b, fl, lo, un = (med[k][0] for k in ('btfgen', 'xz-floor', 'bpftool-loop', 'unchanged'))
    runs = {k: v[1] for k, v in med.items()}
    print(f"| {name} | {kernels[name]} | {b:.2f} s (n={runs['btfgen']}) | {fl:.2f} s (n={runs['xz-floor']}) | "
          f"{lo:.2f} s (n={runs['bpftool-loop']}) | {un:.3f} s | {b / fl:.2f}x | {lo / b:.1f}x | "
          f"{int(rss[name]) / 1024:.0f} MiB |")
EOF
echo >> "$results/summary.md"
echo "compare-trees (btfgen vs bpftool on the benchmarked archive):" >> "$results/summary.md"
sed 's/^/    /' "$results/compare.txt" >> "$results/summary.md"
cat "$results/summary.md"
