#!/bin/sh
# Seeds for fuzz_kernel_input: each test target as raw BTF and as ELF, alone and packed in a tar
# (plain, gzip, xz, zstd), the way btfhub and its forks ship kernels. Usage: TARGETS_DIR OUT_DIR.
set -eu
targets=$1 out=$2
rm -rf "$out" && mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in base flavors moved; do
  cp "$targets/$t.btf" "$out/$t.btf"
  cp "$targets/$t.o" "$out/$t.elf"
  cp "$targets/$t.btf" "$work/$t.btf"
  tar -C "$work" -cf "$out/$t.btf.tar" "$t.btf"
  tar -C "$work" -czf "$out/$t.btf.tar.gz" "$t.btf"
  tar -C "$work" -cJf "$out/$t.btf.tar.xz" "$t.btf"
  zstd -q -c "$out/$t.btf.tar" > "$out/$t.btf.tar.zst"
  cp "$targets/$t.o" "$work/$t-elf.btf"
  tar -C "$work" -cJf "$out/$t-elf.btf.tar.xz" "$t-elf.btf"
done
