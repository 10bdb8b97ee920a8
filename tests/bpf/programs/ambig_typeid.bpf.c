// TYPE_ID_TARGET with two compatible flavors always fails: the ids differ (§13 experiment 5).
#include "btfgen_test.h"

struct foo {
	int a;
} PAI;

SEC("tp/ambig_typeid")
int ambig_typeid(void *ctx)
{
	sink(bpf_core_type_id_kernel(struct foo));
	return 0;
}
