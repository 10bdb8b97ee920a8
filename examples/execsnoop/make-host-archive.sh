#!/usr/bin/env bash
# A one-kernel btfhub-archive from this machine's own BTF: OUT/<ID>/<VERSION_ID>/<arch>/<uname -r>.btf.tar.xz,
# laid out as btfhub lays out its kernels. Used by the example (scripts/example.sh, examples/execsnoop).
#   make-host-archive.sh OUT [VMLINUX]     (VMLINUX: default /sys/kernel/btf/vmlinux)
set -euo pipefail
out=$1
vmlinux=${2:-/sys/kernel/btf/vmlinux}
[[ -r $vmlinux ]] || { echo "make-host-archive: $vmlinux is not readable (a kernel without BTF, or a container?)" >&2; exit 77; }
ID=unknown VERSION_ID=unknown
[[ -r /etc/os-release ]] && . /etc/os-release
release=$(uname -r)
arch=$(uname -m)
[[ $arch == aarch64 ]] && arch=arm64  # btfhub's spelling
dir=$out/${ID:-unknown}/${VERSION_ID:-unknown}/$arch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dir"
cp "$vmlinux" "$work/$release.btf"
tar -C "$work" -cJf "$dir/$release.btf.tar.xz.tmp" "$release.btf"
mv "$dir/$release.btf.tar.xz.tmp" "$dir/$release.btf.tar.xz"
echo "$dir/$release.btf.tar.xz"
