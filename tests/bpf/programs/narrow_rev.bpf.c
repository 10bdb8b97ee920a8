// The records of narrow.bpf.c in another order: read c first narrows the candidates to foo___2
// before anything else is recorded, so foo itself is never marked. Order matters within an object.
#include "btfgen_test.h"

struct foo {
	int a;
	int b;
	int c;
} PAI;

SEC("tp/r1")
int r1_read_c(struct foo *f)
{
	sink(BPF_CORE_READ(f, c));
	return 0;
}

SEC("tp/r2")
int r2_read_a(struct foo *f)
{
	sink(BPF_CORE_READ(f, a));
	return 0;
}

SEC("tp/r3")
int r3_exists_b(struct foo *f)
{
	sink(bpf_core_field_exists(f->b));
	return 0;
}

SEC("tp/r4")
int r4_type_exists(struct foo *f)
{
	sink(bpf_core_type_exists(struct foo));
	return 0;
}
