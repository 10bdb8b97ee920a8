// Loading a BPF object: libbpf's own parser for acceptance parity with bpftool, then our reader
// for the CO-RE records.
#include "btfgen/input/bpf_object.h"

#include <bpf/btf.h>

#include <cerrno>

#include "btfgen/common/error.h"
#include "common/fd.h"

// libbpf 1.1 declares btf_ext__raw_data in btf.h but its .so exports only the older name.
extern "C" const void* btf_ext__get_raw_data(const struct btf_ext* btf_ext, __u32* size);

namespace btfgen {

BpfObject BpfObject::load(const std::string& path) {
  BpfObject obj;
  obj.path_ = path;
  {
    // libbpf would open a FIFO for a blocking read, and wait for a writer beyond Ctrl-C's reach.
    const Fd probe(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    struct stat st {};
    if (probe && fstat(probe.get(), &st) == 0 && S_ISFIFO(st.st_mode))
      throw Error(EINVAL, path + ": not a usable BPF object: a FIFO, not a file");
  }
  struct btf_ext* ext = nullptr;
  errno = 0;
  struct btf* b = btf__parse(path.c_str(), &ext);
  if (b == nullptr) {
    const int err = errno != 0 ? errno : EINVAL;
    std::string why;
    switch (err) {
      case ENOENT:
        why = "no such file, or no .BTF section (compile with clang -g)";
        break;
      case EIO:
        why = "file is too short to be a BPF object";
        break;
      case kElfFormatError:
        why = "not an ELF file nor raw BTF";
        break;
      case kLibelfError:
        why = "libelf could not read the ELF file";
        break;
      case ENOTSUP:
        why = "unsupported byte order or version in .BTF/.BTF.ext";
        break;
      default:
        why = "invalid .BTF or .BTF.ext section (" + error_text(err) + ")";
    }
    throw Error(err, path + ": not a usable BPF object: " + why);
  }
  obj.btf_.reset(b);
  BtfExtPtr ext_owner(ext);
  if (ext == nullptr)
    throw Error(EINVAL, path + ": not a BPF CO-RE object: section .BTF.ext not found");
  uint32_t size = 0;
  // libbpf 1.1 declares btf_ext__raw_data but exports only its older name.
  const void* raw = btf_ext__get_raw_data(ext, &size);
  obj.sections_ = read_core_relos(static_cast<const uint8_t*>(raw), size, b, path);
  return obj;
}

size_t BpfObject::relo_count() const {
  size_t n = 0;
  for (const auto& s : sections_) n += s.relos.size();
  return n;
}

}  // namespace btfgen
