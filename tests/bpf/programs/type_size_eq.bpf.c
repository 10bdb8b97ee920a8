// TYPE_SIZE over three flavors of equal size: success, only the first candidate (eq) is marked,
// as an empty struct (§13 experiment 12).
#include "btfgen_test.h"

struct eq {
	int e1;
} PAI;

SEC("tp/type_size_eq")
int type_size_eq(void *ctx)
{
	sink(bpf_core_type_size(struct eq));
	return 0;
}
