// Bitfield relocations: BPF_CORE_READ_BITFIELD_PROBED (byte offset, byte size, lshift, signed,
// rshift) on an unsigned and a signed bitfield, and BPF_CORE_READ_BITFIELD on a 40-bit bitfield of
// an unsigned long long. The local layout differs from every target on purpose.
#include "btfgen_test.h"

struct task {
	int pid;
	int prio : 5;
	unsigned int flags_lo : 3;
	unsigned long long big_bits : 40;
} PAI;

SEC("tp/bitfields")
int bitfields(void *ctx)
{
	struct task *t = ctx;

	sink(BPF_CORE_READ_BITFIELD_PROBED(t, flags_lo));
	sink(BPF_CORE_READ_BITFIELD_PROBED(t, prio));
	sink(BPF_CORE_READ_BITFIELD(t, big_bits));
	return 0;
}
