// No CO-RE relocations at all: .BTF.ext has no core_relo records, the output is the 25-byte empty BTF.
#include "btfgen_test.h"

struct plain_value {
	int v;
};

SEC("tp/plain")
int plain(struct plain_value *p)
{
	sink(p->v);
	return 0;
}
