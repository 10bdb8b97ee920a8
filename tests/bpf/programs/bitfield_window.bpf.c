// A 20-bit bitfield that the target (base.c) packs at bit 60: no aligned 8-byte window covers it
// there, so computing the target value fails with E2BIG ("can't be satisfied for bitfield").
// The local struct is not packed (clang itself refuses the packed layout).
#include "btfgen_test.h"

struct wide_bits {
	unsigned long long lo : 60;
	unsigned long long hi : 20;
} PAI;

SEC("tp/bitfield_window")
int bitfield_window(struct wide_bits *w)
{
	sink(bpf_core_field_size(w->hi));
	return 0;
}
