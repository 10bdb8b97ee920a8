// Loading a BPF object: read once (its bytes are hashed for the build state and parsed from
// memory), accepted exactly as libbpf's btf__parse accepts it, then our reader for the CO-RE records.
#include "btfgen/input/bpf_object.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "btfgen/common/error.h"
#include "btfgen/input/kernel_btf.h"
#include "common/fd.h"
#include "common/sha256.h"
#include "input/btf_ext_reader.h"
#include "input/btf_image.h"
#include "input/elf_symbols.h"

namespace btfgen {

namespace {

[[noreturn]] void unusable(int code, const std::string& path, const std::string& why) {
  throw Error(code, path + ": not a usable BPF object: " + why);
}

// The whole file, refusing what would block (a FIFO) and what libbpf would not read as a file.
std::vector<uint8_t> read_object(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) unusable(errno, path, errno == ENOENT ? "no such file" : std::strerror(errno));
  struct stat st{};
  if (fstat(fd.get(), &st) != 0) unusable(errno, path, std::strerror(errno));
  if (S_ISFIFO(st.st_mode)) unusable(EINVAL, path, "a FIFO, not a file");
  std::vector<uint8_t> bytes;
  if (!S_ISREG(st.st_mode)) {
    // A directory or a device: libbpf reads two bytes, finds too few or no ELF.
    uint8_t two[2];
    const ssize_t n = read(fd.get(), two, sizeof(two));
    if (n < 2) unusable(EIO, path, "file is too short to be a BPF object");
    unusable(kElfFormatError, path, "not an ELF file nor raw BTF");
  }
  if (static_cast<uint64_t>(st.st_size) > kDefaultMaxInputSize)
    unusable(EFBIG, path, std::to_string(st.st_size) + " bytes is not a BPF object's size");
  bytes.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = pread(fd.get(), bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0) unusable(errno, path, std::strerror(errno));
    if (n == 0) break;  // it shrank while we read: parse what is there
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

}  // namespace

BpfObject BpfObject::load(const std::string& path) {
  const std::vector<uint8_t> bytes = read_object(path);
  Result<BtfImage> image = parse_btf_bytes(bytes, true, kDefaultMaxInputSize);
  if (!image) {
    const Failure& f = image.failure();
    unusable(f.code, path, f.code == EIO ? "file is too short to be a BPF object" : f.message);
  }
  if (!image->ext) throw Error(EINVAL, path + ": not a BPF CO-RE object: section .BTF.ext not found");
  BpfObject obj;
  obj.path_ = path;
  obj.btf_ = std::move(image->btf);
  obj.sections_ = read_core_relos(image->ext_bytes.data(), image->ext_bytes.size(), obj.btf_.get(), path);
  obj.sha256_ = sha256_hex(bytes);
  obj.size_ = bytes.size();
  for (FunctionSymbol& f : read_function_symbols(bytes))
    obj.functions_.push_back(
        {.section = std::move(f.section), .name = std::move(f.name), .offset = f.offset, .size = f.size});
  return obj;
}

std::string BpfObject::program_at(const std::string& section, uint32_t insn_off) const {
  // The last function of SECTION starting at or before the instruction, if it covers it.
  const Function* best = nullptr;
  for (const Function& f : functions_) {
    if (f.section != section || f.offset > insn_off) continue;
    if (insn_off < f.offset + std::max<uint64_t>(f.size, 1) && (best == nullptr || f.offset >= best->offset)) best = &f;
  }
  return best != nullptr ? best->name : section;
}

size_t BpfObject::relo_count() const {
  size_t n = 0;
  for (const auto& s : sections_) n += s.relos.size();
  return n;
}

}  // namespace btfgen
