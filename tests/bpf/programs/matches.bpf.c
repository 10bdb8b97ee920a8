// TYPE_MATCHES: a struct with a pointer member (the target pointee is emitted empty and the target's
// extra member is kept), an INT name mismatch (no match, nothing marked), and an enum whose local
// enumerators are a subset of the target's.
#include "btfgen_test.h"

struct m_foo {
	int q;
} PAI;

struct m_bar {
	struct m_foo *f;
	long z;
} PAI;

struct m_baz {
	unsigned int z;
} PAI;

enum m_color {
	M_RED,
	M_BLUE,
};

SEC("tp/matches")
int matches(void *ctx)
{
	sink(bpf_core_type_matches(struct m_bar));
	sink(bpf_core_type_matches(struct m_baz));
	sink(bpf_core_type_matches(enum m_color));
	return 0;
}
