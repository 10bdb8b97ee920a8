#include "btfgen/common/btf_handle.h"

#include <bpf/btf.h>

namespace btfgen {

void BtfDeleter::operator()(struct btf* b) const noexcept { btf__free(b); }
void BtfExtDeleter::operator()(struct btf_ext* e) const noexcept { btf_ext__free(e); }

}  // namespace btfgen
