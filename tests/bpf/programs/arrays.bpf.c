// Arrays: a multi-dimensional array element, an array of structs, an index past the target's
// nelems (no match, nothing marked), and an index into a flexible array member.
#include "btfgen_test.h"

struct inner {
	int x;
	int y;
} PAI;

struct grid {
	int cells[3][4];
	struct inner pts[6];
} PAI;

struct task {
	int pid;
	int flex[];
} PAI;

SEC("tp/arrays")
int arrays(void *ctx)
{
	struct grid *g = ctx;
	struct task *t = ctx;

	sink(BPF_CORE_READ(g, cells[2][3]));
	sink(BPF_CORE_READ(g, pts[1].y));
	sink(BPF_CORE_READ(g, pts[5].x));
	sink(BPF_CORE_READ(t, flex[100]));
	return 0;
}
