#!/usr/bin/env bash
# Builds btfgen, compiles the bundled example CO-RE program, packs this machine's kernel BTF as a
# one-kernel btfhub-archive, and runs `btfgen build` and `btfgen min` on it (checked against bpftool).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/example-out
build=$root/build
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" btfgen >/dev/null
mkdir -p "$out"
clang-19 -target bpf -g -O2 -I/usr/include/$(gcc -print-multiarch) \
  -c "$root/examples/execsnoop/execsnoop.bpf.c" -o "$out/execsnoop.bpf.o"

# A sample archive in btfhub layout: <ID>/<VERSION_ID>/<arch>/<release>.btf.tar.xz.
vmlinux=/sys/kernel/btf/vmlinux
if [[ ! -r $vmlinux ]]; then
  # No kernel BTF here (a container without /sys/kernel/btf): fall back to a corpus kernel.
  vmlinux=$(find "$root/../shared/corpus/btfhub" -name '*.btf.tar.xz' 2>/dev/null | sort | head -1)
  [[ -n $vmlinux ]] || { echo "example: no /sys/kernel/btf/vmlinux and no ../shared corpus" >&2; exit 1; }
  tmp=$(mktemp -d); tar -xJf "$vmlinux" -C "$tmp"; vmlinux=$(find "$tmp" -name '*.btf' | head -1)
fi
. /etc/os-release
release=$(uname -r); arch=$(uname -m); [[ $arch == aarch64 ]] && arch=arm64
archive=$out/archive
kdir=$archive/$ID/${VERSION_ID:-unknown}/$arch
rm -rf "$archive" "$out/btfs"; mkdir -p "$kdir"
cp "$vmlinux" "$out/$release.btf"
tar -C "$out" -cJf "$kdir/$release.btf.tar.xz" "$release.btf"
rm "$out/$release.btf"

"$build/btfgen" build --archive "$archive" --arch "$arch" --obj "$out/execsnoop.bpf.o" --output "$out/btfs"
min=$out/btfs/$ID/${VERSION_ID:-unknown}/$arch/$release.btf
echo "minimized BTF: $min ($(stat -c %s "$min") bytes, full BTF $(stat -c %s "$vmlinux") bytes)"

"$build/btfgen" min "$kdir/$release.btf.tar.xz" "$out/min.btf" "$out/execsnoop.bpf.o"
if command -v bpftool >/dev/null; then
  bpftool gen min_core_btf "$vmlinux" "$out/bpftool.btf" "$out/execsnoop.bpf.o"
  cmp "$out/bpftool.btf" "$out/min.btf" && cmp "$out/bpftool.btf" "$min" && echo "identical to bpftool gen min_core_btf"
  echo "its types (bpftool btf dump):"; bpftool btf dump file "$min"
fi
