// A flavored local root (task___old) resolving to the target's plain `task`.
#include "btfgen_test.h"

struct task___old {
	int pid;
	int tgid;
	long utime;
} PAI;

SEC("tp/flavors")
int flavors(void *ctx)
{
	struct task___old *t = ctx;

	sink(BPF_CORE_READ(t, pid));
	sink(bpf_core_field_exists(t->tgid));
	sink(bpf_core_field_size(t->utime));
	return 0;
}
