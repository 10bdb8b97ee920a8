// Target "kernel" with several flavors of the same essential name, for candidate narrowing and
// for the ambiguity failures.

// Narrowing (core-semantics §9.4 example): `a` is at the same offset in both, `b` only in foo,
// `c` only in foo___2.
struct foo {
	int a;
	int b;
	int x;
};
struct foo___2 {
	int a;
	int c;
	int x;
};

// Field offset ambiguity: `v` at different offsets (and different struct sizes).
struct amb {
	int pad;
	int v;
};
struct amb___2 {
	int v;
};

// Three flavors of equal size: TYPE_SIZE succeeds and marks the first candidate.
struct eq {
	int e1;
};
struct eq___2 {
	int e2;
};
struct eq___3 {
	unsigned int e3;
};

// ENUMVAL_VALUE ambiguity: -1 in an ENUM against 0xffffffff in an ENUM64.
enum sig {
	SIG_X = -1,
};
enum sig___2 {
	SIG_X___b = 0xffffffffULL,
	SIG_BIG___b = 0x100000000ULL,
};

// The plain task of the base target plus a flavor with `pid` elsewhere.
struct task {
	int pid;
	int tgid;
};
struct task___2 {
	long pad[4];
	int pid;
};

// Names that look like flavors but are not (§1.2 essential names): four underscores, a trailing
// triple underscore, and a double flavor whose essential name keeps the first suffix.
struct quad____x {
	int q;
};
struct trail___ {
	int t;
};
struct multi___b {
	int m;
};
struct multi___b___z {
	int pad;
	int m;
};

struct quad____x g_quad;
struct trail___ g_trail;
struct multi___b g_multi;
struct multi___b___z g_multi_z;
struct foo g_foo;
struct foo___2 g_foo2;
struct amb g_amb;
struct amb___2 g_amb2;
struct eq g_eq;
struct eq___2 g_eq2;
struct eq___3 g_eq3;
enum sig g_sig;
enum sig___2 g_sig2;
struct task g_task;
struct task___2 g_task2;
