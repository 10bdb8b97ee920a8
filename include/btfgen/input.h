// Stage "input": the files btfgen reads, turned into what the engine works on.
//
//   object.bpf.o ──BpfObject::load──▶ its BTF + CO-RE relocation records, by program section
//   kernel (.btf / vmlinux / .btf.tar.xz) ──load_kernel_btf──▶ the target BTF
//
// Formats are recognised by content, acceptance is libbpf's btf__parse (bpftool's), and sizes in
// headers are claims checked against a cap while the bytes arrive.
//
// bpf_object.h   a BPF CO-RE object and its records
// kernel_btf.h   a kernel's BTF from a raw file, an ELF or a tarball; the input caps
#pragma once

#include "btfgen/input/bpf_object.h"
#include "btfgen/input/kernel_btf.h"
