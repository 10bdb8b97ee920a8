// Target "kernel" whose layouts match the test programs' local types (plus members the programs
// never touch, which the minimized BTF must drop). Every type is referenced from a global so that
// clang emits it into .BTF.

struct inner {
	int x;
	int y;
};

enum task_state {
	TS_RUNNING = 0,
	TS_SLEEPING = 1,
	TS_DEAD = -1,
};

// Values above 32 bits make clang emit BTF_KIND_ENUM64.
enum big_flags {
	BF_LOW = 1,
	BF_HIGH = 0x100000000ULL,
	BF_TOP = 0x8000000000000000ULL,
};

struct list_head {
	struct list_head *next;
	struct list_head *prev;
};

struct mm_struct {
	unsigned long start;
	unsigned long end;
};

struct task {
	int pid;
	int tgid;
	unsigned int flags_lo : 3;
	int prio : 5;
	unsigned int unused_bits : 24;
	long utime;
	struct inner arr[4];
	struct {
		union {
			int anon_a;
			long anon_b;
		};
		int anon_c;
	};
	struct mm_struct *mm;
	enum task_state state;
	const char comm[16];
	struct list_head tasks;
	struct task *parent;
	unsigned long long big_bits : 40;
	unsigned long long small_bits : 24;
	int flex[];
};

typedef struct task task_t;
typedef task_t task_alias_t;
typedef enum task_state state_t;

// TYPE_MATCHES: m_bar has one member more than the local definition (still a match).
struct m_foo {
	int q;
	int r;
};
struct m_bar {
	struct m_foo *f;
	long z;
	int extra;
};
// TYPE_MATCHES: the local m_baz has `unsigned int z`: INT names differ, no match.
struct m_baz {
	int z;
};
// TYPE_MATCHES: enums match when every local enumerator has a same-named target enumerator.
enum m_color {
	M_RED,
	M_GREEN,
	M_BLUE,
};

// An unsupported kind for type-based marking: a FWD pointee inside a function-pointer typedef.
struct opaque;
typedef int (*opaque_cb_t)(struct opaque *o, int n);
// A second one: a btf_type_tag in a pointer typedef.
typedef int __attribute__((btf_type_tag("user"))) *uptr_t;
struct tagged_holder {
	int before;
	int __attribute__((btf_type_tag("user"))) *uptr;
};

typedef struct mm_struct *mm_ptr_t;
typedef float sample_t;

// Different nesting of anonymous members than the local definition in nested_anon.bpf.c.
struct nest {
	int head;
	union {
		struct {
			int deep_a;
			struct {
				int deeper_b;
			};
		};
		long alt;
	};
};

// Multi-dimensional and out-of-range arrays.
struct grid {
	int cells[3][4];
	struct inner pts[4];
};

// A bitfield that no 8-byte window covers.
struct __attribute__((packed)) wide_bits {
	unsigned long long lo : 60;
	unsigned long long hi : 20;
};

// String table cases: a member named like a type, an enumerator named like a struct, and names
// that are suffixes of other names (bpftool's string dedup is exact, no suffix sharing).
struct item {
	int item;
	unsigned int count;
	int int_count;
};
enum item_kind {
	item = 1,
	count = 2,
};
struct item_list {
	struct item item;
	enum item_kind kind;
	int count;
};

struct task g_task;
struct item_list g_item_list;
task_alias_t g_task_alias;
state_t g_state;
struct m_foo g_m_foo;
struct m_bar g_m_bar;
struct m_baz g_m_baz;
enum m_color g_m_color;
enum big_flags g_big_flags;
opaque_cb_t g_opaque_cb;
uptr_t g_uptr;
struct tagged_holder g_tagged_holder;
mm_ptr_t g_mm_ptr;
sample_t g_sample;
struct nest g_nest;
struct grid g_grid;
struct wide_bits g_wide_bits;
