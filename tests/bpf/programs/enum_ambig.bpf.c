// ENUMVAL_VALUE ambiguity between an ENUM -1 (sign-extended) and an ENUM64 0xffffffff.
#include "btfgen_test.h"

enum sig {
	SIG_X = -1,
};

SEC("tp/enum_ambig")
int enum_ambig(void *ctx)
{
	sink(bpf_core_enum_value(enum sig, SIG_X));
	return 0;
}
