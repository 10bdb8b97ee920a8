// A field relocation whose local root is an anonymous struct: bpftool fails with EOPNOTSUPP
// ("relocation doesn't support anonymous types", §13 experiment 7), whatever the target holds.
#include "btfgen_test.h"

SEC("tp/anon_root")
int anon_root(void *ctx)
{
	struct {
		int pid;
		int tgid;
	} PAI *t = ctx;

	sink(t->tgid);
	return 0;
}
