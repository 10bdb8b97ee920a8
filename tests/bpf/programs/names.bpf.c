// Essential-name edge cases against flavors.c: `quad` does not match `quad____x` (four
// underscores are no flavor), `trail` does not match `trail___` but `trail___` matches itself,
// and `multi___b___c` (essential `multi___b`) matches `multi___b___z` but not `multi___b`.
#include "btfgen_test.h"

struct quad {
	int q;
} PAI;

struct trail {
	int t;
} PAI;

struct trail___ {
	int t;
} PAI;

struct multi___b___c {
	int m;
} PAI;

SEC("tp/names")
int names(void *ctx)
{
	struct quad *q = ctx;
	struct trail *t = ctx;
	struct trail___ *t3 = ctx;
	struct multi___b___c *m = ctx;

	sink(BPF_CORE_READ(q, q));
	sink(BPF_CORE_READ(t, t));
	sink(BPF_CORE_READ(t3, t));
	sink(BPF_CORE_READ(m, m));
	return 0;
}
