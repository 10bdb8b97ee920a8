// Errors of the btfgen core: an errno-style code plus a one-line message that says where.
#pragma once

#include <stdexcept>
#include <string>

namespace btfgen {

// Thrown by the core for any failure that stops the current unit of work (one kernel in `build`,
// the whole run in `min`). `code` is a positive errno value in the category bpftool would report
// (EINVAL, ENOENT, EOPNOTSUPP, E2BIG, ...); the CLI turns it into the same exit status as bpftool.
class Error : public std::runtime_error {
 public:
  Error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

// Libbpf's private ELF error codes (libbpf_common.h: LIBBPF_ERRNO__LIBELF, __FORMAT), which
// bpftool reports as exit status 96 and 95.
inline constexpr int kLibelfError = 4000;
inline constexpr int kElfFormatError = 4001;

// Human-readable text for an errno-style code, including libbpf's private codes.
std::string error_text(int code);

}  // namespace btfgen
