// Shared prelude of the btfgen BPF test programs: the integer typedefs libbpf's helper headers
// expect (normally from vmlinux.h or <linux/types.h>), the helper headers, and a license.
// Each program defines its own local types with preserve_access_index; nothing here is a kernel type.
#pragma once

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define PAI __attribute__((preserve_access_index))

// A sink the optimizer cannot see through, so every relocated value stays in the program.
static __always_inline void sink(unsigned long long v)
{
	asm volatile("" : : "r"(v) : "memory");
}

char LICENSE[] SEC("license") = "GPL";
