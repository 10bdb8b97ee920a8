// The base.c types with their layouts changed, as between two kernel versions: fields moved,
// renamed (so missing), resized, re-nested; arrays shrunk; bitfields shifted and widened; an enum
// turned ENUM64 and an ENUM64 turned ENUM; a TYPE_MATCHES struct with a resized member.

struct inner {
	int y; // swapped with x
	int x;
};

enum task_state {
	TS_SLEEPING = 2, // renumbered
	TS_RUNNING = 0,
	TS_PARKED = 0x200000000ULL, // makes this an ENUM64; TS_DEAD is gone
};

enum big_flags {
	BF_LOW = 1,
	BF_HIGH = 2, // now fits 32 bits: a plain ENUM
};

struct list_head {
	struct list_head *next;
	struct list_head *prev;
};

struct mm_struct {
	unsigned long vm_start; // renamed: mm->start no longer resolves
	unsigned long start_brk;
};

struct task {
	long utime; // int -> long is not an issue, moved first
	int tgid_renamed;
	int pid; // moved after tgid
	unsigned int flags_lo : 9; // widened
	unsigned int pad_bits : 2;
	int prio : 7; // moved and widened
	struct inner arr[2]; // shrunk: arr[2] is out of range
	long anon_b; // no longer inside an anonymous struct/union
	const char comm[32]; // resized
	struct mm_struct *mm;
	enum task_state state;
	struct list_head tasks;
	unsigned long long big_bits : 33; // narrowed, different offset
};

typedef struct task task_t;
typedef task_t task_alias_t;

struct m_foo {
	int q;
};
struct m_bar {
	struct m_foo *f;
	int z; // was long: TYPE_MATCHES fails on the INT name/size
};
enum m_color {
	M_RED,
	M_BLUE,
};

struct nest {
	int head;
	struct {
		int deeper_b;
		int deep_a;
	};
};

struct grid {
	int cells[2][2];
	struct inner pts[8];
};

struct tagged_holder {
	int *uptr;
};

typedef struct mm_struct *mm_ptr_t;

struct task g_task;
task_alias_t g_task_alias;
struct m_bar g_m_bar;
struct m_foo g_m_foo;
enum m_color g_m_color;
enum big_flags g_big_flags;
struct nest g_nest;
struct grid g_grid;
struct tagged_holder g_tagged_holder;
mm_ptr_t g_mm_ptr;
