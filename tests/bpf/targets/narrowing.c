// The narrowing hazard of issue 9, as a target "kernel": three flavors of foo with `a` at offset 0
// in each, `b` in v1 and v3, `c` (at 8) in v2 and v3. Read a, then c, then b (narrow_three.bpf.c):
// libbpf on this BTF resolves all three (the list narrows to [v1,v2,v3], then [v2,v3], then [v3]);
// bpftool marks only the first match each time (v1.a, v2.c, v3.b), so on its output reading `a`
// narrows the list to [v1] and `c` is poisoned. (The literal example, with v3's `a` at 8,
// fails on the full BTF itself: field offset ambiguity, in libbpf and in btfgen.)
struct foo___v1 {
	int a;
	int b;
};
struct foo___v2 {
	int a;
	long c;
};
struct foo___v3 {
	int a;
	int b;
	long c;
};

struct foo___v1 g_v1;
struct foo___v2 g_v2;
struct foo___v3 g_v3;
