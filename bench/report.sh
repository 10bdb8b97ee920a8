#!/usr/bin/env bash
# bench/report.sh: what a report costs, in one run, side by side (hyperfine, medians):
#   build          btfgen build --jobs 2 (fresh output dir every run)
#   build+report   the same with --report-json (decisions + hazards from the same pass)
#   report         btfgen report --jobs 2 --json (no output tree)
#   old-build      BTFGEN_OLD (optional): the same build by another btfgen binary, for A/B checks that
#                  a refactoring kept the speed (issue 7: fe6f28a vs now)
#   xz-floor       ../shared/tools/xz-floor -j 2
# on the corpus for x86_64 and arm64, all 61 libbpf-tools objects.
#
#   bench/report.sh [RESULTS_DIR]     RUNS (default 7), BTFGEN (default build/btfgen), BTFGEN_OLD
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
shared=$(cd "$root/../shared" && pwd)
btfgen=${BTFGEN:-$root/build/btfgen}
old=${BTFGEN_OLD:-}
corpus=$shared/corpus/btfhub
objs=("$shared"/corpus/objects/libbpf-tools/*.bpf.o)
runs=${RUNS:-7}
results=${1:-${TMPDIR:-/tmp}/btfgen-bench-report-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$results"; results=$(cd "$results" && pwd)
command -v hyperfine >/dev/null || { echo "bench: hyperfine is required" >&2; exit 2; }
[[ -x $btfgen ]] || { echo "bench: $btfgen not built" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/btfgen-bench-report.XXXXXX")
trap 'rm -rf "$work"' EXIT

{
  echo "- date (UTC): $(date -u '+%Y-%m-%d %H:%M:%S'); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- $("$btfgen" --version)${old:+; old: $old}"
} > "$results/summary.md"

for arch in x86_64 arm64; do
  obj_args="${objs[*]/#/--obj }"
  build="$btfgen build --archive $corpus --arch $arch --output $work/out --jobs 2 $obj_args"
  cmds=(-n build --prepare "rm -rf $work/out" "$build"
        -n build+report --prepare "rm -rf $work/out" "$build --report-json $work/r.json"
        -n report --prepare "true" "$btfgen report --archive $corpus --arch $arch --jobs 2 --json $work/r2.json $obj_args"
        -n xz-floor --prepare "true" "$shared/tools/xz-floor -j 2 $corpus $arch")
  if [[ -n $old ]]; then
    cmds+=(-n old-build --prepare "rm -rf $work/out-old" "$old build --archive $corpus --arch $arch --output $work/out-old --jobs 2 $obj_args")
  fi
  hyperfine --style basic --runs "$runs" --export-json "$results/$arch.json" "${cmds[@]}" >&2
done

python3 - "$results" >> "$results/summary.md" <<'PY'
import json, os, sys
res = sys.argv[1]
print()
print("| arch | build | build --report-json | report --json | old build | xz floor | report-json / build | build / floor | build / old |")
print("|---|---|---|---|---|---|---|---|---|")
for arch in ("x86_64", "arm64"):
    m = {r["command"]: r["median"] for r in json.load(open(os.path.join(res, arch + ".json")))["results"]}
    old = m.get("old-build")
    print(f"| {arch} | {m['build']:.2f} s | {m['build+report']:.2f} s | {m['report']:.2f} s | "
          f"{'%.2f s' % old if old else '-'} | {m['xz-floor']:.2f} s | {m['build+report'] / m['build']:.3f}x | "
          f"{m['build'] / m['xz-floor']:.2f}x | {'%.3f' % (m['build'] / old) + 'x' if old else '-'} |")
PY
cat "$results/summary.md"
