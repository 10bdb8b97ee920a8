// Anonymous members nested differently in the local type and in the target (base.c: union ->
// struct -> struct): only names matter, and every anonymous level the target walks is kept.
#include "btfgen_test.h"

struct nest {
	int head;
	struct {
		int deep_a;
		int deeper_b;
	};
} PAI;

SEC("tp/nested_anon")
int nested_anon(struct nest *n)
{
	sink(BPF_CORE_READ(n, deep_a));
	sink(BPF_CORE_READ(n, deeper_b));
	return 0;
}
