// Field offset ambiguity (§13 experiment 2): amb.v is at offset 4 in amb and 0 in amb___2.
#include "btfgen_test.h"

struct amb {
	int v;
} PAI;

SEC("tp/ambig_offset")
int ambig_offset(struct amb *a)
{
	sink(BPF_CORE_READ(a, v));
	return 0;
}
