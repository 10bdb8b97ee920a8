// FIELD_EXISTS is subject to the offset-ambiguity check too (§13 experiment 12).
#include "btfgen_test.h"

struct amb {
	int v;
} PAI;

SEC("tp/ambig_exists")
int ambig_exists(struct amb *a)
{
	sink(bpf_core_field_exists(a->v));
	return 0;
}
