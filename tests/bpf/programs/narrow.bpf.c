// Candidate narrowing inside one object, across sections (core-semantics §9.4 example and §13
// experiment 3). One relocation per section so that the record order is the section order:
//   read a (foo and foo___2 match: foo.a), read c (only foo___2: the list narrows to foo___2),
//   field_size(a) (foo___2.a), field_exists(b) (no candidate left has b), type_exists(foo)
//   (foo___2). Against flavors.c: foo{a}, foo___2{a,c}.
#include "btfgen_test.h"

struct foo {
	int a;
	int b;
	int c;
} PAI;

SEC("tp/n1")
int n1_read_a(struct foo *f)
{
	sink(BPF_CORE_READ(f, a));
	return 0;
}

SEC("tp/n2")
int n2_read_c(struct foo *f)
{
	sink(BPF_CORE_READ(f, c));
	return 0;
}

SEC("tp/n3")
int n3_size_a(struct foo *f)
{
	sink(bpf_core_field_size(f->a));
	return 0;
}

SEC("tp/n4")
int n4_exists_b(struct foo *f)
{
	sink(bpf_core_field_exists(f->b));
	return 0;
}

SEC("tp/n5")
int n5_type_exists(struct foo *f)
{
	sink(bpf_core_type_exists(struct foo));
	return 0;
}
