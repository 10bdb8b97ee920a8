// Type-based relocations: type id local/target, type exists (present, missing, a pointer typedef
// that is followed to its pointee, a float typedef that never matches), type size of a struct and
// of a typedef root.
#include "btfgen_test.h"

struct inner {
	int x;
} PAI;

struct mm_struct {
	unsigned long start;
} PAI;

struct task {
	int pid;
} PAI;

struct not_in_any_target {
	int nothing;
} PAI;

typedef struct task task_t;
typedef struct mm_struct *mm_ptr_t;
typedef float sample_t;

SEC("tp/types")
int types(void *ctx)
{
	sink(bpf_core_type_id_local(struct task));
	sink(bpf_core_type_id_kernel(struct task));
	sink(bpf_core_type_exists(struct task));
	sink(bpf_core_type_exists(struct not_in_any_target));
	sink(bpf_core_type_exists(mm_ptr_t));
	sink(bpf_core_type_exists(sample_t));
	sink(bpf_core_type_size(struct inner));
	sink(bpf_core_type_size(task_t));
	return 0;
}
