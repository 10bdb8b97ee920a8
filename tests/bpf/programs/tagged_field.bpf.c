// A field relocation on a member whose type is a type-tagged pointer: field marking does not follow
// the pointer, so the tag is never reached and the run succeeds (contrast unsupported_tag).
#include "btfgen_test.h"

struct tagged_holder {
	int before;
	int *uptr;
} PAI;

SEC("tp/tagged_field")
int tagged_field(struct tagged_holder *h)
{
	sink((unsigned long long)BPF_CORE_READ(h, uptr));
	return 0;
}
