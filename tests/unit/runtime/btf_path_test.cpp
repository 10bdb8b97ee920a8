// The loader's entry point (src/runtime/btf_path.c): BTFGEN_BTF_FILE first, then the kernel's own
// BTF, then the lookup over an embedded table or pack, its bytes in a memfd given as
// "/proc/self/fd/N" (or a private temporary file where memfd_create is missing). Every test sets
// the variables it reads and restores them afterwards; the host is given explicitly or through
// BTFGEN_OS_RELEASE / BTFGEN_RELEASE / BTFGEN_MACHINE, never taken from the machine running it.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "btfgen/runtime.h"
#include "test_support.h"

namespace {

using Bytes = std::vector<unsigned char>;

// Sets (or unsets, with nullopt) one environment variable for a scope, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = std::string(old);
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_.c_str(), old_->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// The variables the runtime reads, cleared for a test; it sets what it needs on top.
struct CleanEnv {
  ScopedEnv file{"BTFGEN_BTF_FILE", std::nullopt};
  ScopedEnv ignore{"BTFGEN_IGNORE_KERNEL_BTF", std::nullopt};
  ScopedEnv os{"BTFGEN_OS_RELEASE", std::nullopt};
  ScopedEnv release{"BTFGEN_RELEASE", std::nullopt};
  ScopedEnv machine{"BTFGEN_MACHINE", std::nullopt};
};

const char kRelease[] = "4.18.0-305.el8.x86_64";

// A table as `btfgen pack TREE btfs.c` generates it: sorted paths, each distinct blob once.
const unsigned char kRhel8[] = "rhel 8 minimized BTF";
const unsigned char kCentos7[] = "centos 7 minimized BTF, other bytes";
const unsigned char kUbuntu[] = "ubuntu";
const unsigned char* const kBlobs[] = {kRhel8, kCentos7, kUbuntu};
const size_t kBlobSizes[] = {sizeof kRhel8 - 1, sizeof kCentos7 - 1, sizeof kUbuntu - 1};
const btfgen_table_entry kEntries[] = {
    {"centos/7/x86_64/4.18.0-305.el8.x86_64.btf", 1},
    {"centos/8/x86_64/4.18.0-305.el8.x86_64.btf", 0},  // the same kernel as rhel/8: one blob
    {"rhel/8/x86_64/4.18.0-305.el8.x86_64.btf", 0},
    {"ubuntu/20.04/x86_64/5.4.0-42-generic.btf", 2},
};
const btfgen_table kTable = {kEntries, 4, kBlobs, kBlobSizes, 3};

btfgen_host make_host(const char* id, const char* version_id, const char* machine, const char* release) {
  btfgen_host h{};
  std::snprintf(h.id, sizeof h.id, "%s", id);
  std::snprintf(h.version_id, sizeof h.version_id, "%s", version_id);
  std::snprintf(h.machine, sizeof h.machine, "%s", machine);
  std::snprintf(h.release, sizeof h.release, "%s", release);
  return h;
}

std::string read_path(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string as_string(const unsigned char* bytes, size_t size) {
  return std::string(reinterpret_cast<const char*>(bytes), size);
}

bool fd_is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

// Releases on scope exit, whatever the test asserted.
struct PathGuard {
  btfgen_btf_path path{};
  ~PathGuard() { btfgen_btf_path_release(&path); }
};

TEST(BtfPath, OverrideWinsOverEverything) {
  CleanEnv env;
  ScopedEnv file("BTFGEN_BTF_FILE", "/opt/my/vmlinux.btf"), ignore("BTFGEN_IGNORE_KERNEL_BTF", "1");
  btfgen_source source{&kTable, nullptr};
  btfgen_host host = make_host("rhel", "8.6", "x86_64", kRelease);  // would match rhel/8
  PathGuard g;
  ASSERT_EQ(btfgen_btf_custom_path(&source, &host, &g.path), 0) << g.path.why;
  EXPECT_STREQ(g.path.path, "/opt/my/vmlinux.btf");
  EXPECT_EQ(g.path.fd, -1);
  EXPECT_EQ(g.path.unlink_path, 0);
  EXPECT_NE(std::string(g.path.why).find("BTFGEN_BTF_FILE"), std::string::npos) << g.path.why;
}

TEST(BtfPath, OverrideWinsEvenWithoutAMatch) {
  CleanEnv env;
  ScopedEnv file("BTFGEN_BTF_FILE", "/x.btf"), ignore("BTFGEN_IGNORE_KERNEL_BTF", "1");
  btfgen_source source{&kTable, nullptr};
  btfgen_host host = make_host("arch", "", "riscv64", "6.6.6");
  PathGuard g;
  ASSERT_EQ(btfgen_btf_custom_path(&source, &host, &g.path), 0);
  EXPECT_STREQ(g.path.path, "/x.btf");
}

TEST(BtfPath, KernelWithItsOwnBtfNeedsNoPath) {
  CleanEnv env;
  btfgen_source source{&kTable, nullptr};
  btfgen_host host = make_host("rhel", "8.6", "x86_64", kRelease);
  for (const char* ignore_value : {static_cast<const char*>(nullptr), "0", ""}) {
    std::optional<std::string> value;
    if (ignore_value) value = ignore_value;
    ScopedEnv ignore("BTFGEN_IGNORE_KERNEL_BTF", value);
    PathGuard g;
    ASSERT_EQ(btfgen_btf_custom_path(&source, &host, &g.path), 0) << g.path.why;
    if (::access("/sys/kernel/btf/vmlinux", R_OK) == 0) {
      EXPECT_STREQ(g.path.path, "");
      EXPECT_EQ(g.path.fd, -1);
      EXPECT_NE(std::string(g.path.why).find("/sys/kernel/btf/vmlinux"), std::string::npos) << g.path.why;
    } else {
      EXPECT_EQ(std::string(g.path.path).rfind("/proc/self/fd/", 0), 0u) << g.path.why;
    }
  }
}

TEST(BtfPath, IgnoreKernelBtfForcesTheLookupFromATable) {
  CleanEnv env;
  ScopedEnv ignore("BTFGEN_IGNORE_KERNEL_BTF", "1");
  btfgen_source source{&kTable, nullptr};
  btfgen_host host = make_host("rhel", "8.6", "x86_64", kRelease);
  btfgen_btf_path out;
  ASSERT_EQ(btfgen_btf_custom_path(&source, &host, &out), 0) << out.why;
  const std::string path = out.path;
  ASSERT_EQ(path, "/proc/self/fd/" + std::to_string(out.fd));
  EXPECT_EQ(out.unlink_path, 0);
  const std::string why = out.why;
  EXPECT_NE(why.find("b) ID=rhel, VERSION_ID=8.6 → version 8: rhel/8/x86_64/4.18.0-305.el8.x86_64.btf"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find(path), std::string::npos) << why;
  // libbpf opens the path itself, possibly more than once: each open reads exactly the chosen bytes.
  EXPECT_EQ(read_path(path), as_string(kRhel8, sizeof kRhel8 - 1));
  EXPECT_EQ(read_path(path), as_string(kRhel8, sizeof kRhel8 - 1));
  // The memfd is sealed: nothing can change the bytes before libbpf reads them.
  EXPECT_EQ(::pwrite(out.fd, "x", 1, 0), -1);
  const int fd = out.fd;
  btfgen_btf_path_release(&out);
  EXPECT_FALSE(fd_is_open(fd));
  EXPECT_EQ(out.fd, -1);
  EXPECT_STREQ(out.path, "");
  btfgen_btf_path_release(&out);  // twice is harmless
}

TEST(BtfPath, HostDetectedFromTheEnvironment) {
  CleanEnv env;
  btfgen::test::TempDir dir;
  const std::string os_release = dir.file("os-release");
  std::ofstream(os_release) << "NAME=\"CentOS Linux\"\nID=\"centos\"\nVERSION_ID=\"7\"\n";
  ScopedEnv ignore("BTFGEN_IGNORE_KERNEL_BTF", "1"), os("BTFGEN_OS_RELEASE", os_release),
      rel("BTFGEN_RELEASE", kRelease), mach("BTFGEN_MACHINE", "amd64");
  btfgen_source source{&kTable, nullptr};
  PathGuard g;
  ASSERT_EQ(btfgen_btf_custom_path(&source, nullptr, &g.path), 0) << g.path.why;
  EXPECT_EQ(read_path(g.path.path), as_string(kCentos7, sizeof kCentos7 - 1));
  EXPECT_NE(std::string(g.path.why).find("a) ID=centos, VERSION_ID=7"), std::string::npos) << g.path.why;
}

TEST(BtfPath, NoOsReleaseIsAmbiguousWhenCandidatesDiffer) {
  CleanEnv env;
  btfgen::test::TempDir dir;
  ScopedEnv ignore("BTFGEN_IGNORE_KERNEL_BTF", "1"), os("BTFGEN_OS_RELEASE", dir.file("missing")),
      rel("BTFGEN_RELEASE", kRelease), mach("BTFGEN_MACHINE", "x86_64");
  btfgen_source source{&kTable, nullptr};
  PathGuard g;
  ASSERT_EQ(btfgen_btf_custom_path(&source, nullptr, &g.path), BTFGEN_EAMBIGUOUS) << g.path.why;
  EXPECT_STREQ(g.path.path, "");
  EXPECT_EQ(g.path.fd, -1);
  const std::string why = g.path.why;
  EXPECT_NE(why.find("ambiguous"), std::string::npos) << why;
  EXPECT_NE(why.find("centos/7/x86_64/4.18.0-305.el8.x86_64.btf"), std::string::npos) << why;
  EXPECT_NE(why.find("rhel/8/x86_64/4.18.0-305.el8.x86_64.btf"), std::string::npos) << why;
}

TEST(BtfPath, NotFoundPropagatesWithWhy) {
  CleanEnv env;
  ScopedEnv ignore("BTFGEN_IGNORE_KERNEL_BTF", "1");
  btfgen_source source{&kTable, nullptr};
  btfgen_host host = make_host("ubuntu", "22.04", "aarch64", "5.15.0-1-generic");
  PathGuard g;
  ASSERT_EQ(btfgen_btf_custom_path(&source, &host, &g.path), BTFGEN_ENOTFOUND);
  EXPECT_STREQ(g.path.path, "");
  EXPECT_EQ(g.path.fd, -1);
  const std::string why = g.path.why;
  EXPECT_NE(why.find("not found"), std::string::npos) << why;
  EXPECT_NE(why.find("ID=ubuntu, VERSION_ID=22.04, machine=aarch64, release=5.15.0-1-generic"), std::string::npos)
      << why;
}

Bytes make_targz(const std::vector<std::pair<std::string, std::string>>& members) {
  struct archive* a = archive_write_new();
  std::vector<unsigned char> out(1 << 20);
  size_t used = 0;
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK || archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
      archive_write_open_memory(a, out.data(), out.size(), &used) != ARCHIVE_OK)
    throw std::runtime_error(archive_error_string(a));
  for (const auto& [name, bytes] : members) {
    struct archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
    if (archive_write_header(a, e) != ARCHIVE_OK ||
        archive_write_data(a, bytes.data(), bytes.size()) != static_cast<la_ssize_t>(bytes.size()))
      throw std::runtime_error(archive_error_string(a));
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  out.resize(used);
  return out;
}

TEST(BtfPath, LookupInAPack) {
  CleanEnv env;
  ScopedEnv ignore("BTFGEN_IGNORE_KERNEL_BTF", "1");
  // bcc's layout: `tar c --gz -C min_core_btfs .`, members start with "./".
  std::string arm(5000, 'a'), x86(7000, 'x');
  Bytes image = make_targz(
      {{"./ubuntu/20.04/arm64/5.4.0-42-generic.btf", arm}, {"./ubuntu/20.04/x86_64/5.4.0-42-generic.btf", x86}});
  btfgen_pack* pack = nullptr;
  ASSERT_EQ(btfgen_pack_open(image.data(), image.size(), &pack), 0);
  btfgen_source source{nullptr, pack};
  btfgen_host host = make_host("ubuntu", "20.04", "aarch64", "5.4.0-42-generic");
  PathGuard g;
  EXPECT_EQ(btfgen_btf_custom_path(&source, &host, &g.path), 0) << g.path.why;
  btfgen_pack_close(pack);  // the memfd holds its own copy
  EXPECT_EQ(read_path(g.path.path), arm);
  EXPECT_NE(std::string(g.path.why).find("./ubuntu/20.04/arm64/5.4.0-42-generic.btf"), std::string::npos) << g.path.why;
}

TEST(BtfPath, EmptyChosenFile) {
  CleanEnv env;
  ScopedEnv ignore("BTFGEN_IGNORE_KERNEL_BTF", "1");
  const unsigned char* blobs[] = {nullptr};
  const size_t sizes[] = {0};
  const btfgen_table_entry entries[] = {{"a/1/x86_64/r.btf", 0}};
  const btfgen_table table = {entries, 1, blobs, sizes, 1};
  btfgen_source source{&table, nullptr};
  btfgen_host host = make_host("a", "1", "x86_64", "r");
  PathGuard g;
  ASSERT_EQ(btfgen_btf_custom_path(&source, &host, &g.path), 0) << g.path.why;
  EXPECT_EQ(read_path(g.path.path), "");
}

TEST(BtfPath, InvalidSources) {
  CleanEnv env;
  ScopedEnv ignore("BTFGEN_IGNORE_KERNEL_BTF", "1");
  btfgen_host host = make_host("rhel", "8.6", "x86_64", kRelease);
  btfgen_pack* pack = nullptr;
  Bytes empty_tar(1024, 0);
  ASSERT_EQ(btfgen_pack_open(empty_tar.data(), empty_tar.size(), &pack), 0);
  btfgen_source both{&kTable, pack}, neither{nullptr, nullptr};
  PathGuard g;
  EXPECT_EQ(btfgen_btf_custom_path(&both, &host, &g.path), -EINVAL);
  EXPECT_NE(std::string(g.path.why).find("exactly one"), std::string::npos);
  EXPECT_EQ(btfgen_btf_custom_path(&neither, &host, &g.path), -EINVAL);
  EXPECT_EQ(btfgen_btf_custom_path(nullptr, &host, &g.path), -EINVAL);
  EXPECT_EQ(btfgen_btf_custom_path(&neither, &host, nullptr), -EINVAL);
  btfgen_pack_close(pack);

  const btfgen_table_entry bad_entries[] = {{"rhel/8/x86_64/4.18.0-305.el8.x86_64.btf", 3}};  // blob 3 of 3
  const btfgen_table bad = {bad_entries, 1, kBlobs, kBlobSizes, 3};
  btfgen_source bad_source{&bad, nullptr};
  EXPECT_EQ(btfgen_btf_custom_path(&bad_source, &host, &g.path), -EINVAL);
  EXPECT_NE(std::string(g.path.why).find("blob index"), std::string::npos) << g.path.why;
  EXPECT_EQ(g.path.fd, -1);
}

TEST(BtfPath, EmptyPackIsNotFound) {
  CleanEnv env;
  ScopedEnv ignore("BTFGEN_IGNORE_KERNEL_BTF", "1");
  Bytes empty_tar(1024, 0);
  btfgen_pack* pack = nullptr;
  ASSERT_EQ(btfgen_pack_open(empty_tar.data(), empty_tar.size(), &pack), 0);
  btfgen_source source{nullptr, pack};
  btfgen_host host = make_host("rhel", "8.6", "x86_64", kRelease);
  PathGuard g;
  EXPECT_EQ(btfgen_btf_custom_path(&source, &host, &g.path), BTFGEN_ENOTFOUND);
  btfgen_pack_close(pack);
}

// Makes memfd_create fail with ENOSYS in this process (a seccomp filter, as old kernels and some
// sandboxes behave). Returns false when seccomp is not available here.
bool deny_memfd_create() {
#ifdef __NR_memfd_create
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_memfd_create, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
#else
  return false;
#endif
}

TEST(BtfPath, WithoutMemfdAPrivateTemporaryFile) {
  CleanEnv env;
  btfgen::test::TempDir dir;
  ScopedEnv ignore("BTFGEN_IGNORE_KERNEL_BTF", "1"), tmpdir("TMPDIR", dir.path());
  // In a child: the seccomp filter cannot be lifted. Exit codes say what failed.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (!deny_memfd_create()) ::_exit(77);
    btfgen_source source{&kTable, nullptr};
    btfgen_host host = make_host("rhel", "8.6", "x86_64", kRelease);
    btfgen_btf_path out;
    if (btfgen_btf_custom_path(&source, &host, &out) != 0) ::_exit(10);
    const std::string path = out.path;
    if (path.rfind(dir.path() + "/", 0) != 0) ::_exit(11);
    if (out.unlink_path != 1 || out.fd < 0) ::_exit(12);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 07777) != 0600 || !S_ISREG(st.st_mode)) ::_exit(13);
    std::string bytes;
    try {
      bytes = read_path(path);
    } catch (...) {
      ::_exit(14);
    }
    if (bytes != as_string(kRhel8, sizeof kRhel8 - 1)) ::_exit(15);
    if (std::string(out.why).find("temporary file") == std::string::npos) ::_exit(16);
    btfgen_btf_path_release(&out);
    if (::access(path.c_str(), F_OK) == 0 || errno != ENOENT) ::_exit(17);
    if (out.fd != -1 || out.path[0] != '\0') ::_exit(18);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << WTERMSIG(status);
  if (WEXITSTATUS(status) == 77) {
    BTFGEN_REQUIRE(false, "seccomp filters are not available here");
  }
  EXPECT_EQ(WEXITSTATUS(status), 0) << "see the exit codes in the child";
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));  // nothing left behind
}

TEST(BtfPath, ReleaseOfNothing) {
  btfgen_btf_path_release(nullptr);
  btfgen_btf_path p{};
  p.fd = -1;
  btfgen_btf_path_release(&p);
  EXPECT_EQ(p.fd, -1);
  // A struct only zero-initialised (a loader's error path before the call) holds fd 0: release must
  // not close the caller's stdin. fd 0 is a dup of a pipe here, restored afterwards.
  const int saved = ::dup(0);
  ASSERT_GE(saved, 0);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ASSERT_EQ(::dup2(pipe_fds[0], 0), 0);
  btfgen_btf_path zeroed{};
  btfgen_btf_path_release(&zeroed);
  EXPECT_TRUE(fd_is_open(0));
  ::dup2(saved, 0);
  ::close(saved);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

}  // namespace
