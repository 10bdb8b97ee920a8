// Second half of narrow.bpf.c's records (field_size(a), field_exists(b), type_exists(foo)).
// Alone against flavors.c: foo{a,b} (foo is the first candidate and the only one with b).
#include "btfgen_test.h"

struct foo {
	int a;
	int b;
	int c;
} PAI;

SEC("tp/q1")
int q1_size_a(struct foo *f)
{
	sink(bpf_core_field_size(f->a));
	return 0;
}

SEC("tp/q2")
int q2_exists_b(struct foo *f)
{
	sink(bpf_core_field_exists(f->b));
	return 0;
}

SEC("tp/q3")
int q3_type_exists(struct foo *f)
{
	sink(bpf_core_type_exists(struct foo));
	return 0;
}
