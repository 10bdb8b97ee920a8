// First half of narrow.bpf.c's records (read a, read c). With narrow_part2.bpf.o in the same run
// the candidate cache is per object, so part2 starts again from {foo, foo___2}.
#include "btfgen_test.h"

struct foo {
	int a;
	int b;
	int c;
} PAI;

SEC("tp/p1")
int p1_read_a(struct foo *f)
{
	sink(BPF_CORE_READ(f, a));
	return 0;
}

SEC("tp/p2")
int p2_read_c(struct foo *f)
{
	sink(BPF_CORE_READ(f, c));
	return 0;
}
