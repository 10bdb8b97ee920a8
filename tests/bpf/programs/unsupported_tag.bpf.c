// TYPE_EXISTS on a pointer typedef whose target pointee carries a btf_type_tag: the types are
// compatible (tags are stripped like modifiers) but marking reaches the TYPE_TAG and fails with
// "unsupported kind: type_tag" (§13 experiment 8).
#include "btfgen_test.h"

typedef int *uptr_t;

SEC("tp/unsupported_tag")
int unsupported_tag(void *ctx)
{
	sink(bpf_core_type_exists(uptr_t));
	return 0;
}
