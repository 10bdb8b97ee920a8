#!/usr/bin/env bash
# bench/min.sh: `btfgen min` against `bpftool gen min_core_btf` on the same inputs, side by side in
# one hyperfine run: one kernel (decompressed .btf, as bpftool needs it) with all 61 libbpf-tools
# objects, and the same kernel read straight from its .btf.tar.xz by btfgen vs `xz -dc` + bpftool.
#   bench/min.sh [BTFGEN] [KERNEL.btf.tar.xz]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
btfgen=${1:-$root/build/btfgen}
kernel=${2:-$root/../shared/corpus/btfhub/debian/12/x86_64/6.1.0-53-amd64.btf.tar.xz}
objs=$(ls "$root"/../shared/corpus/objects/libbpf-tools/*.bpf.o)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
xz -dc "$kernel" | tar -xO > "$tmp/k.btf"
hyperfine -N --warmup 3 --runs 30 --export-markdown "$tmp/raw.md" \
  -n "bpftool gen min_core_btf (raw .btf)" "bpftool gen min_core_btf $tmp/k.btf $tmp/a.btf $(echo $objs)" \
  -n "btfgen min (raw .btf)" "$btfgen min $tmp/k.btf $tmp/b.btf $(echo $objs)"
hyperfine --warmup 3 --runs 20 --export-markdown "$tmp/xz.md" \
  -n "xz -dc | tar + bpftool" "xz -dc $kernel | tar -xO > $tmp/k2.btf && bpftool gen min_core_btf $tmp/k2.btf $tmp/c.btf $(echo $objs)" \
  -n "btfgen min (.btf.tar.xz)" "$btfgen min $kernel $tmp/d.btf $(echo $objs)"
cmp "$tmp/a.btf" "$tmp/b.btf" && cmp "$tmp/a.btf" "$tmp/d.btf" && echo "outputs identical"
cat "$tmp/raw.md" "$tmp/xz.md"
