// Owning handles for libbpf's C objects.
#pragma once

#include <memory>

struct btf;
struct btf_ext;

namespace btfgen {

struct BtfDeleter {
  void operator()(struct btf* b) const noexcept;
};
struct BtfExtDeleter {
  void operator()(struct btf_ext* e) const noexcept;
};

using BtfPtr = std::unique_ptr<struct btf, BtfDeleter>;
using BtfExtPtr = std::unique_ptr<struct btf_ext, BtfExtDeleter>;

}  // namespace btfgen
