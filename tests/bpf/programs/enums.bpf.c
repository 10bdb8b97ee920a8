// Enumerator relocations on ENUM and ENUM64: exists (present and missing), value (negative ENUM
// value, 64-bit ENUM64 value), a local ENUM against a target ENUM64 through flavored enum and
// enumerator names, and a typedef-to-enum root.
#include "btfgen_test.h"

enum task_state {
	TS_RUNNING,
	TS_SLEEPING,
	TS_DEAD = -1,
	TS_ZOMBIE = 7, // absent from every target
};

enum big_flags {
	BF_LOW = 1,
	BF_HIGH = 0x100000000ULL,
};

// Local ENUM (values fit 32 bits) whose essential name is the target's ENUM64 big_flags.
enum big_flags___small {
	BF_LOW___s = 1,
};

enum m_color___v2 {
	M_GREEN___v2 = 5,
};

typedef enum task_state state_t;

SEC("tp/enums")
int enums(void *ctx)
{
	sink(bpf_core_enum_value_exists(enum task_state, TS_SLEEPING));
	sink(bpf_core_enum_value(enum task_state, TS_DEAD));
	sink(bpf_core_enum_value_exists(enum task_state, TS_ZOMBIE));
	sink(bpf_core_enum_value(enum big_flags, BF_HIGH));
	sink(bpf_core_enum_value(enum big_flags___small, BF_LOW___s));
	sink(bpf_core_enum_value_exists(enum m_color___v2, M_GREEN___v2));
	sink(bpf_core_enum_value(state_t, TS_RUNNING));
	return 0;
}
