// Three programs reading a, then c, then b of struct foo, against targets/narrowing.c: the
// decision bpftool's minimized BTF changes (c: resolved on the full BTF, poisoned on its output).
#include "btfgen_test.h"

struct foo {
	int a;
	int b;
	long c;
} PAI;

SEC("tp/p1")
int read_a(struct foo *f)
{
	sink(BPF_CORE_READ(f, a));
	return 0;
}

SEC("tp/p2")
int read_c(struct foo *f)
{
	sink(BPF_CORE_READ(f, c));
	return 0;
}

SEC("tp/p3")
int read_b(struct foo *f)
{
	sink(BPF_CORE_READ(f, b));
	return 0;
}
