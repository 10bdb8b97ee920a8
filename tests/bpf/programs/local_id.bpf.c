// TYPE_ID_LOCAL only, on a named and on an anonymous struct: never searches candidates, marks
// nothing, and the anonymous root is no error for this kind (§13 experiment 15): the output is
// the 25-byte empty BTF.
#include "btfgen_test.h"

struct task {
	int pid;
} PAI;

SEC("tp/local_id")
int local_id(void *ctx)
{
	struct {
		int anon_member;
	} PAI *a = ctx;

	sink(bpf_core_type_id_local(struct task));
	sink(bpf_core_type_id_local(*a));
	return 0;
}
