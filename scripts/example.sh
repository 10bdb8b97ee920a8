#!/usr/bin/env bash
# The whole path on this machine: builds btfgen, compiles the bundled CO-RE program, packs this
# machine's kernel BTF as a one-kernel btfhub-archive, runs `btfgen build` (checked against bpftool),
# packs the tree, looks up this host's file, and, as root, loads the example loader (built with
# btfgen_embed()) into the running kernel with the embedded BTF.
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
  tarball=$(find "$root/../shared/corpus/btfhub" -name '*.btf.tar.xz' 2>/dev/null | sort | head -1)
  [[ -n $tarball ]] || { echo "example: no /sys/kernel/btf/vmlinux and no ../shared corpus" >&2; exit 1; }
  tmp=$(mktemp -d); tar -xJf "$tarball" -C "$tmp"; vmlinux=$(find "$tmp" -name '*.btf' | head -1)
fi
archive=$out/archive
rm -rf "$archive" "$out/btfs" "$out/btfs.btfgen-state-"*
kernel=$(bash "$root/examples/execsnoop/make-host-archive.sh" "$archive" "$vmlinux")
arch=$(basename "$(dirname "$kernel")")

"$build/btfgen" build --archive "$archive" --arch "$arch" --obj "$out/execsnoop.bpf.o" --output "$out/btfs" \
  --pack "$out/btfs.tar.gz"
min=$(find "$out/btfs" -name '*.btf')
echo "minimized BTF: $min ($(stat -c %s "$min") bytes, full BTF $(stat -c %s "$vmlinux") bytes)"
echo "pack: $out/btfs.tar.gz; this host needs: $("$build/btfgen" lookup --pack "$out/btfs.tar.gz" -v)"

"$build/btfgen" min "$kernel" "$out/min.btf" "$out/execsnoop.bpf.o"
if command -v bpftool >/dev/null; then
  bpftool gen min_core_btf "$vmlinux" "$out/bpftool.btf" "$out/execsnoop.bpf.o"
  cmp "$out/bpftool.btf" "$out/min.btf" && cmp "$out/bpftool.btf" "$min" && echo "identical to bpftool gen min_core_btf"
  echo "its types (bpftool btf dump):"; bpftool btf dump file "$min"
fi

# The loader with the minimized BTF compiled in (examples/execsnoop, btfgen_embed()).
if [[ $(id -u) == 0 && -r /sys/kernel/btf/vmlinux ]] && ninja -C "$build" execsnoop_loader >/dev/null 2>&1; then
  echo "loading the example into the running kernel with the embedded BTF:"
  BTFGEN_IGNORE_KERNEL_BTF=1 "$build/examples/execsnoop/execsnoop_loader" "$build/examples/execsnoop/execsnoop.bpf.o"
fi
