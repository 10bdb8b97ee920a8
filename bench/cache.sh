#!/usr/bin/env bash
# bench/cache.sh: the kernel cache (`btfgen build --cache DIR`) against the xz floor, in one run.
#
#   bench/cache.sh [RESULTS_DIR]      (default: $TMPDIR/btfgen-cache-bench-<UTC timestamp>)
#
# Datasets (the 61 libbpf-tools objects merged per kernel, --jobs 2):
#   corpus-x86_64   ../shared/corpus/btfhub, --arch x86_64   (25 kernels)
#   corpus-arm64    ../shared/corpus/btfhub, --arch arm64    (45 kernels)
#   replica-x86_64  the 25 x86_64 kernels in 40 copies of their directories (debian-r01/12/x86_64, ...;
#                   1,000 kernels). Copy r ends with 4*r zero bytes (xz stream padding: the same
#                   BTF, another tarball), so all 1,000 keys differ and every copy of a directory
#                   holds the corpus's siblings: the cache's work and size scale as on a real archive.
# Commands, timed side by side with hyperfine:
#   xz-floor          ../shared/tools/xz-floor -j 2 (decompression only)
#   cold-no-cache     btfgen build --no-cache, fresh output
#   cold-empty-cache  btfgen build --cache C, fresh output and an empty cache before every run
#   warm-obj-change   the rebuild after the object set changed: the output and state of a build with
#                     60 objects (restored before every run), now built with all 61, warm cache
# Peak RSS (/usr/bin/time -v) of cold-empty-cache and warm-obj-change; cache bytes against the
# archive's tarball bytes; the cold-cache and warm trees compared with bpftool's (compare-trees,
# corpus datasets). RUNS (default 5) on the corpus, REPLICA_RUNS (default 2); DATASETS picks.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
shared=$(cd "$root/../shared" && pwd)
btfgen=${BTFGEN:-$root/build/btfgen}
corpus=$shared/corpus/btfhub
objs=("$shared"/corpus/objects/libbpf-tools/*.bpf.o)
runs=${RUNS:-5}
replica_runs=${REPLICA_RUNS:-2}
results=${1:-${TMPDIR:-/tmp}/btfgen-cache-bench-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$results"; results=$(cd "$results" && pwd)
for tool in hyperfine xz python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 2; }
done
[[ -x $btfgen ]] || { echo "bench: $btfgen not built (ninja -C build btfgen)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/btfgen-cache-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

replica=$work/replica
make_replica() {
  while IFS= read -r f; do
    rel=${f#"$corpus"/}; distro=${rel%%/*}; rest=${rel#*/}
    for r in $(seq -w 1 40); do
      mkdir -p "$(dirname "$replica/$distro-r$r/$rest")"
      { cat "$f"; head -c $((4 * 10#$r)) /dev/zero; } > "$replica/$distro-r$r/$rest"
    done
  done < <(find "$corpus" -type f -name '*.btf.tar.xz' | grep -E '/x86_64/[^/]+\.btf\.tar\.xz$' | sort)
}

{
  echo "# btfgen build --cache benchmark"
  echo
  echo "- date (UTC): $(date -u '+%Y-%m-%d %H:%M:%S')"
  echo "- host: $(nproc) online CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
  echo "- btfgen: $("$btfgen" --version), $(xz --version | head -1), $(hyperfine --version)"
  echo "- load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
} > "$results/summary.md"

# archive_bytes ARCHIVE ARCH: bytes of the tarballs the build reads (hard links counted each time).
archive_bytes() {
  local aliases='x86_64|x86|amd64'
  [[ $2 == arm64 ]] && aliases='arm64|aarch64'
  find "$1" -type f -name '*.btf.tar.xz' | grep -E "/($aliases)/[^/]+$" | xargs stat -c %s | awk '{s+=$1} END {print s}'
}

# bench_dataset NAME ARCHIVE ARCH RUNS
bench_dataset() {
  local name=$1 archive=$2 arch=$3 n=$4
  local d=$work/$name
  mkdir -p "$d"
  local rest=("${objs[@]:1}")  # the object set before the change: all but the first
  local all="${objs[*]/#/--obj }" some="${rest[*]/#/--obj }"
  local common="$btfgen build --archive $archive --arch $arch --jobs 2"
  local floor_cmd="$shared/tools/xz-floor -j 2 $archive $arch"
  local cold_cmd="$common --no-cache --output $d/cold $all"
  local fill_cmd="$common --cache $d/fill-cache --output $d/fill $all"
  local warm_cmd="$common --cache $d/cache --output $d/warm --state $d/warm.state $all"
  echo "== $name" >&2
  # The warm cache and the 60-object tree the object change starts from (cache filled by that run).
  $common --cache "$d/cache" --output "$d/base60" --state "$d/base60.state" $some >/dev/null 2>&1
  local restore="rm -rf $d/warm && cp -a $d/base60 $d/warm && cp -a $d/base60.state $d/warm.state"

  hyperfine --style basic --runs "$n" --export-json "$results/$name.json" --export-markdown "$results/$name.md" \
    -n xz-floor --prepare "true" "$floor_cmd" \
    -n cold-no-cache --prepare "rm -rf $d/cold" "$cold_cmd" \
    -n cold-empty-cache --prepare "rm -rf $d/fill $d/fill-cache" "$fill_cmd" \
    -n warm-obj-change --prepare "$restore" "$warm_cmd"

  # Peak RSS, then the trees that were timed against bpftool's.
  rm -rf "$d/fill" "$d/fill-cache"
  /usr/bin/time -v $fill_cmd 2> "$d/time-cold.txt" >/dev/null
  eval "$restore"
  /usr/bin/time -v $warm_cmd 2> "$d/time-warm.txt" >/dev/null
  local rss_cold rss_warm cache_bytes entries arch_bytes
  rss_cold=$(awk '/Maximum resident set size/ {print $NF}' "$d/time-cold.txt")
  rss_warm=$(awk '/Maximum resident set size/ {print $NF}' "$d/time-warm.txt")
  cache_bytes=$(find "$d/fill-cache" -name '*.btfgen-cache' -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
  entries=$(find "$d/fill-cache" -name '*.btfgen-cache' -type f | wc -l)
  arch_bytes=$(archive_bytes "$archive" "$arch")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rss_cold" "$rss_warm" "$cache_bytes" "$entries" "$arch_bytes" >> "$results/sizes.tsv"
  if [[ $name == corpus-* && -x $shared/tools/bpftool-reference ]]; then
    "$shared/tools/bpftool-reference" -j 2 "$archive" "$arch" "$d/ref" "${objs[@]}" >/dev/null 2>&1 || true
    for tree in fill warm; do
      "$shared/tools/compare-trees" "$d/ref" "$d/$tree" | tail -1 | sed "s/^/$name $tree: /" | tee -a "$results/compare.txt" >&2
    done
  fi
  rm -rf "$d"
}

: > "$results/sizes.tsv"; : > "$results/compare.txt"
datasets=${DATASETS:-corpus-x86_64 corpus-arm64 replica-x86_64}
for ds in $datasets; do
  case $ds in
    corpus-x86_64) bench_dataset "$ds" "$corpus" x86_64 "$runs" ;;
    corpus-arm64) bench_dataset "$ds" "$corpus" arm64 "$runs" ;;
    replica-x86_64) make_replica; bench_dataset "$ds" "$replica" x86_64 "$replica_runs" ;;
    *) echo "bench: unknown dataset $ds" >&2; exit 2 ;;
  esac
done
echo "- load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$results/summary.md"
echo >> "$results/summary.md"

python3 - "$results" >> "$results/summary.md" <<'PY'
import json, os, sys
res = sys.argv[1]
sizes = {l.split('\t')[0]: l.split('\t')[1:] for l in open(os.path.join(res, 'sizes.tsv')).read().split('\n') if l}
kernels = {'corpus-x86_64': 25, 'corpus-arm64': 45, 'replica-x86_64': 1000}
print('| dataset | kernels | xz floor -j 2 | cold, no cache | cold, empty cache | rebuild after object change, warm cache | cold cache / floor | warm / floor | peak RSS cold / warm | cache entries | cache bytes / archive bytes |')
print('|---|---|---|---|---|---|---|---|---|---|---|')
for name in ['corpus-x86_64', 'corpus-arm64', 'replica-x86_64']:
    p = os.path.join(res, name + '.json')
    if not os.path.exists(p) or name not in sizes:
        continue
    med = {r['command']: (r['median'], len(r['times'])) for r in json.load(open(p))['results']}
    fl, co, cc, wa = (med[k][0] for k in ('xz-floor', 'cold-no-cache', 'cold-empty-cache', 'warm-obj-change'))
    n = med['xz-floor'][1]
    rss_c, rss_w, cache, entries, arch = sizes[name]
    print(f"| {name} | {kernels[name]} | {fl:.2f} s | {co:.2f} s | {cc:.2f} s | {wa:.2f} s | **{cc / fl:.2f}x** | "
          f"**{wa / fl:.2f}x** | {int(rss_c) / 1024:.0f} / {int(rss_w) / 1024:.0f} MiB | {entries} | "
          f"{int(cache) / 1e6:.1f} MB / {int(arch) / 1e6:.1f} MB = **{int(cache) / int(arch):.2f}x** |")
print()
print(f"Medians of n runs each (n = {', '.join(str(len(json.load(open(os.path.join(res, n + '.json')))['results'][0]['times'])) + ' ' + n for n in ['corpus-x86_64', 'corpus-arm64', 'replica-x86_64'] if os.path.exists(os.path.join(res, n + '.json')))}).")
PY
echo >> "$results/summary.md"
echo "compare-trees (btfgen with the cache vs bpftool):" >> "$results/summary.md"
sed 's/^/    /' "$results/compare.txt" >> "$results/summary.md"
cat "$results/summary.md"
