// Field relocations: byte offset and size, exists (present and missing), arrays of structs, an
// anonymous struct -> union path, a pointer member followed to its pointee, an enum member, a
// const array member, an embedded struct, a typedef -> typedef -> struct root, and a root index
// other than 0 (p[3].x, access string "3:0").
#include "btfgen_test.h"

struct inner {
	int x;
	int y;
} PAI;

enum task_state { TS_RUNNING, TS_SLEEPING };

struct list_head {
	struct list_head *next, *prev;
} PAI;

struct mm_struct {
	unsigned long start;
} PAI;

struct task {
	int pid;
	int tgid;
	struct inner arr[4];
	struct {
		union {
			int anon_a;
			long anon_b;
		};
	};
	struct mm_struct *mm;
	enum task_state state;
	const char comm[16];
	struct list_head tasks;
	int missing_field; // absent from every target
} PAI;

typedef struct task task_t;
typedef task_t task_alias_t;

SEC("tp/fields")
int fields(void *ctx)
{
	struct task *t = ctx;
	task_alias_t *alias = ctx;
	struct inner *in = ctx;

	sink(BPF_CORE_READ(t, pid));
	sink(BPF_CORE_READ(t, arr[2].y));
	sink(BPF_CORE_READ(t, anon_b));
	sink(BPF_CORE_READ(t, mm, start));
	sink(BPF_CORE_READ(t, state));
	sink(bpf_core_field_size(t->comm));
	sink(bpf_core_field_size(t->tasks));
	sink(bpf_core_field_exists(t->missing_field));
	sink(bpf_core_field_exists(t->tgid));
	sink(BPF_CORE_READ(alias, tgid));
	sink(BPF_CORE_READ(&in[3], x));
	return 0;
}
