// TYPE_MATCHES on a struct that holds a pointer to a function taking the struct by value. Marking
// (spec §10.4) resets behind_ptr at the function prototype, so bpftool recurses forever and crashes;
// btfgen must fail cleanly instead. Matching itself terminates (the struct behind the pointer).
#include "btfgen_test.h"

struct cyc {
	int x;
	void (*fn)(struct cyc c);
} PAI;

SEC("tp/match_cycle")
int match_cycle(void *ctx)
{
	sink(bpf_core_type_matches(struct cyc));
	return 0;
}
