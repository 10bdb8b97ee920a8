// TYPE_EXISTS on a function-pointer typedef whose parameter points to a forward-declared struct:
// marking follows the FUNC_PROTO parameters to the FWD and fails with "unsupported kind: fwd"
// (§13 experiment 8).
#include "btfgen_test.h"

struct opaque;
typedef int (*opaque_cb_t)(struct opaque *o, int n);

SEC("tp/unsupported_fwd")
int unsupported_fwd(void *ctx)
{
	sink(bpf_core_type_exists(opaque_cb_t));
	return 0;
}
