// String-table layout of the output: a member named like its struct's type (item.item), an
// enumerator named like a struct (item), names that are suffixes of others (int_count/count,
// int/unsigned int). Only the byte comparison with bpftool pins the layout.
#include "btfgen_test.h"

struct item {
	int item;
	unsigned int count;
	int int_count;
} PAI;

enum item_kind {
	item = 1,
};

struct item_list {
	struct item item;
	enum item_kind kind;
	int count;
} PAI;

SEC("tp/strings")
int strings(struct item_list *l)
{
	sink(BPF_CORE_READ(l, item.count));
	sink(BPF_CORE_READ(l, item.item));
	sink(BPF_CORE_READ(l, item.int_count));
	sink(BPF_CORE_READ(l, kind));
	sink(BPF_CORE_READ(l, count));
	return 0;
}
