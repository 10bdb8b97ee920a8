// Target "kernel" with a by-value type cycle through a function prototype (see
// programs/match_cycle.bpf.c), next to an ordinary struct that the same program does not touch.
struct cyc {
	int x;
	void (*fn)(struct cyc c);
};

struct plain {
	int a;
};

struct cyc g_cyc;
struct plain g_plain;
