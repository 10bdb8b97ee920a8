// TYPE_SIZE over two flavors of different sizes: relocation decision ambiguity.
#include "btfgen_test.h"

struct amb {
	int v;
} PAI;

SEC("tp/type_size_diff")
int type_size_diff(void *ctx)
{
	sink(bpf_core_type_size(struct amb));
	return 0;
}
