// How `btfgen min INPUT OUTPUT OBJECT...` writes OUTPUT (write_output_file, src/common/output_file.cpp),
// attacked through the CLI with the kinds of path a user can hand it.
//
// bpftool writes OUTPUT with fopen(OUTPUT, "w"): it writes *through* whatever the path names. btfgen
// must land the same bytes in the same place, so
//   - a device (/dev/null), a FIFO (its reader), a symlink (its target), a hard-linked file (every
//     name) and /dev/stdout are written through, never replaced by a new regular file;
//   - a plain regular file is replaced atomically: it is never left partial, keeps its mode, and a
//     failed run leaves it byte-for-byte as it was, with no ".btfgen-*" temporary file beside it.
// The oracle is bpftool: the bytes that arrive must equal bpftool's output for the same inputs, and
// failures must exit with bpftool's status.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using btfgen::test::CommandResult;
using btfgen::test::find_tool;
using btfgen::test::read_file_bytes;
using btfgen::test::run_command;
using btfgen::test::TempDir;
using Bytes = std::vector<uint8_t>;

const std::string kTarget = BTFGEN_TEST_DATA_DIR "/targets/base.btf";
const std::string kObject = BTFGEN_TEST_DATA_DIR "/fields.bpf.o";

Bytes as_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

struct stat lstat_of(const std::string& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) throw std::runtime_error("lstat " + path + ": " + strerror(errno));
  return st;
}

// The ".btfgen-*" temporary files left in DIR (there must never be any after a run).
std::vector<std::string> temp_leftovers(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with(".btfgen-")) found.push_back(e.path().filename().string());
  return found;
}

// Sets the process umask for the scope (inherited by the spawned btfgen), then restores it.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

// Reads a FIFO from a thread until EOF. finish() returns what arrived; if btfgen never opened the
// FIFO, it unblocks the reader by opening (and closing) the write end itself.
class FifoReader {
 public:
  explicit FifoReader(std::string path) : path_(std::move(path)), thread_([this] { run(); }) {}
  ~FifoReader() { finish(); }

  std::string finish() {
    while (!done_) {
      const int fd = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0) ::close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (thread_.joinable()) thread_.join();
    return received_;
  }

 private:
  void run() {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      char buf[4096];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        received_.append(buf, static_cast<size_t>(n));
      }
      ::close(fd);
    }
    done_ = true;
  }

  std::string path_;
  std::string received_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

class OutputFile : public ::testing::Test {
 protected:
  void SetUp() override {
    bpftool_ = find_tool("bpftool");
    BTFGEN_REQUIRE(!bpftool_.empty(), "bpftool not found in PATH or sbin; it is the oracle");
    const std::string out = oracle_dir_.file("bpftool.btf");
    const CommandResult r = run_command({bpftool_, "gen", "min_core_btf", kTarget, out, kObject});
    ASSERT_EQ(r.exit_code, 0) << "bpftool failed: " << r.err;
    expected_ = read_file_bytes(out);
    ASSERT_FALSE(expected_.empty());
  }

  static CommandResult btfgen_min(const std::string& output, const std::string& object = kObject) {
    return run_command({BTFGEN_BINARY, "min", kTarget, output, object});
  }

  std::string bpftool_;
  TempDir oracle_dir_;
  Bytes expected_;  // bpftool's output for kTarget + kObject
};

// 1. A FIFO: the reader gets the bytes; the FIFO is not replaced by a regular file.
TEST_F(OutputFile, FifoIsWrittenThroughToItsReader) {
  TempDir dir;
  const std::string fifo = dir.file("out.btf");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << strerror(errno);

  FifoReader reader(fifo);
  const CommandResult r = btfgen_min(fifo);
  const std::string received = reader.finish();

  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(as_bytes(received), expected_);
  EXPECT_TRUE(S_ISFIFO(lstat_of(fifo).st_mode));
  EXPECT_TRUE(temp_leftovers(dir.path()).empty());
}

// 2a. A symlink to a regular file in another directory: the link stays, its target gets the bytes.
TEST_F(OutputFile, SymlinkToFileInAnotherDirectoryStaysALink) {
  TempDir link_dir, target_dir;
  const std::string target = target_dir.file("target.btf");
  const std::string link = link_dir.file("out.btf");
  write_text(target, "old content\n");
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0) << strerror(errno);

  const CommandResult r = btfgen_min(link);

  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(S_ISLNK(lstat_of(link).st_mode));
  EXPECT_EQ(fs::read_symlink(link).string(), target);
  EXPECT_TRUE(S_ISREG(lstat_of(target).st_mode));
  EXPECT_EQ(read_file_bytes(target), expected_);
  EXPECT_TRUE(temp_leftovers(link_dir.path()).empty());
  EXPECT_TRUE(temp_leftovers(target_dir.path()).empty());
}

// 2b. A dangling (relative) symlink: its target is created, the link is left as it was.
TEST_F(OutputFile, DanglingSymlinkCreatesItsTarget) {
  TempDir dir;
  fs::create_directory(dir.file("links"));
  fs::create_directory(dir.file("targets"));
  const std::string link = dir.file("links/out.btf");
  const std::string relative_target = "../targets/new.btf";
  ASSERT_EQ(::symlink(relative_target.c_str(), link.c_str()), 0) << strerror(errno);

  const CommandResult r = btfgen_min(link);

  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(S_ISLNK(lstat_of(link).st_mode));
  EXPECT_EQ(fs::read_symlink(link).string(), relative_target);
  ASSERT_TRUE(btfgen::test::file_exists(dir.file("targets/new.btf")));
  EXPECT_EQ(read_file_bytes(dir.file("targets/new.btf")), expected_);
  EXPECT_TRUE(temp_leftovers(dir.file("links")).empty());
  EXPECT_TRUE(temp_leftovers(dir.file("targets")).empty());
}

// 3. A file with a second hard link: both names see the new bytes, still one inode.
TEST_F(OutputFile, HardLinkedFileKeepsBothNamesOnOneInode) {
  TempDir dir;
  const std::string name = dir.file("out.btf");
  const std::string other = dir.file("other-name.btf");
  write_text(name, "old content\n");
  ASSERT_EQ(::link(name.c_str(), other.c_str()), 0) << strerror(errno);
  const ino_t inode = lstat_of(name).st_ino;

  const CommandResult r = btfgen_min(name);

  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file_bytes(name), expected_);
  EXPECT_EQ(read_file_bytes(other), expected_);
  EXPECT_EQ(lstat_of(name).st_ino, inode);
  EXPECT_EQ(lstat_of(other).st_ino, inode);
  EXPECT_EQ(lstat_of(name).st_nlink, 2u);
  EXPECT_TRUE(temp_leftovers(dir.path()).empty());
}

// 4. An existing file keeps its permission bits, whatever the umask (fopen "w" never changes them).
TEST_F(OutputFile, ExistingFileKeepsItsMode) {
  for (const mode_t mask : {mode_t{022}, mode_t{077}}) {
    ScopedUmask umask_for_run(mask);
    for (const mode_t mode : {mode_t{0600}, mode_t{0640}, mode_t{0666}}) {
      SCOPED_TRACE(testing::Message() << "umask 0" << std::oct << mask << ", mode 0" << mode);
      TempDir dir;
      const std::string out = dir.file("out.btf");
      write_text(out, "old content\n");
      ASSERT_EQ(::chmod(out.c_str(), mode), 0) << strerror(errno);

      const CommandResult r = btfgen_min(out);

      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(read_file_bytes(out), expected_);
      EXPECT_EQ(lstat_of(out).st_mode & 07777, mode);
      EXPECT_TRUE(temp_leftovers(dir.path()).empty());
    }
  }
}

// 5. /dev/null itself, in a private mount namespace whose /dev is a fresh tmpfs holding only a new
// "null" device (c 1 3): the real /dev and /dev/null are never reachable, and a wrong rename would
// show as a regular file or a leftover temporary file in that /dev.
TEST_F(OutputFile, DevNullStaysACharacterDevice) {
  BTFGEN_REQUIRE(::geteuid() == 0, "needs root to mount a tmpfs over /dev in a mount namespace");
  const std::string unshare = find_tool("unshare");
  BTFGEN_REQUIRE(!unshare.empty(), "unshare not found");
  const CommandResult probe = run_command({unshare, "-m", "--propagation", "private", "true"});
  BTFGEN_REQUIRE(probe.exit_code == 0, "unshare -m is not permitted here: " + probe.err);

  const std::string script =
      "set -e\n"
      "mount -t tmpfs btfgen-test-dev /dev\n"
      "mknod -m 666 /dev/null c 1 3\n"
      "status=0; \"$0\" min \"$1\" /dev/null \"$2\" || status=$?\n"
      "echo \"exit=$status\"\n"
      "stat -c '%F %t:%T' /dev/null\n"
      "ls -A /dev\n";
  const CommandResult r =
      run_command({unshare, "-m", "--propagation", "private", "sh", "-c", script, BTFGEN_BINARY, kTarget, kObject});

  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "exit=0\ncharacter special file 1:3\nnull\n") << r.err;
}

// 6a. /dev/stdout with stdout a pipe: the pipe carries exactly bpftool's bytes.
TEST_F(OutputFile, DevStdoutPipeReceivesTheBytes) {
  const CommandResult r = btfgen_min("/dev/stdout");

  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(as_bytes(r.out), expected_);
}

// 6b. /dev/stdout redirected by the shell to a regular file: the file holds the bytes.
TEST_F(OutputFile, DevStdoutRedirectedToFileHoldsTheBytes) {
  TempDir dir;
  const std::string file = dir.file("redirected.btf");
  const CommandResult r =
      run_command({"sh", "-c", "\"$0\" min \"$1\" /dev/stdout \"$2\" > \"$3\"", BTFGEN_BINARY, kTarget, kObject, file});

  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file_bytes(file), expected_);
  EXPECT_TRUE(temp_leftovers(dir.path()).empty());
}

// /dev/fd/N reaches /proc only through the directory link /dev/fd -> /proc/self/fd; its own link
// text is "pipe:[N]", which names no path. Bash's >(cmd) hands out such paths.
TEST_F(OutputFile, DevFdPipeReceivesTheBytes) {
  const CommandResult r = btfgen_min("/dev/fd/1");

  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(as_bytes(r.out), expected_);
}

// /proc/self/fd/N on an unlinked file reads as "/dir/f (deleted)": a path that must not be created;
// the bytes go through the descriptor, as with bpftool.
TEST_F(OutputFile, ProcFdOfUnlinkedFileIsWrittenThrough) {
  TempDir dir;
  const std::string file = dir.file("f");
  const CommandResult r = run_command(
      {"sh", "-c", "exec 3>\"$3\"; rm \"$3\"; \"$0\" min \"$1\" /proc/self/fd/3 \"$2\" && cat /proc/self/fd/3",
       BTFGEN_BINARY, kTarget, kObject, file});

  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(as_bytes(r.out), expected_);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// 7. A directory (directly or through a symlink): bpftool's status (EISDIR), directory untouched.
TEST_F(OutputFile, DirectoryFailsWithEisdirAndIsUntouched) {
  TempDir dir;
  const std::string out_dir = dir.file("out.btf");
  fs::create_directory(out_dir);
  write_text(out_dir + "/keep", "keep me\n");
  const std::string link = dir.file("link-to-dir.btf");
  ASSERT_EQ(::symlink(out_dir.c_str(), link.c_str()), 0) << strerror(errno);

  for (const std::string& output : {out_dir, link}) {
    SCOPED_TRACE(output);
    const CommandResult oracle = run_command({bpftool_, "gen", "min_core_btf", kTarget, output, kObject});
    const CommandResult r = btfgen_min(output);

    EXPECT_EQ(oracle.exit_code, btfgen::test::bpftool_status(EISDIR));
    EXPECT_EQ(r.exit_code, oracle.exit_code) << r.err;
    EXPECT_TRUE(S_ISDIR(lstat_of(out_dir).st_mode));
    std::vector<std::string> entries;
    for (const auto& e : fs::directory_iterator(out_dir)) entries.push_back(e.path().filename().string());
    EXPECT_EQ(entries, std::vector<std::string>{"keep"});
    EXPECT_EQ(read_file_bytes(out_dir + "/keep"), as_bytes("keep me\n"));
    EXPECT_TRUE(temp_leftovers(dir.path()).empty());
  }
}

// 8. A file name at and near NAME_MAX: the temporary name must stay short; new and existing files.
TEST_F(OutputFile, LongFileNameWorks) {
  for (const size_t length : {size_t{250}, size_t{255}}) {
    SCOPED_TRACE(length);
    TempDir dir;
    const std::string out = dir.file(std::string(length - 4, 'n') + ".btf");

    const CommandResult created = btfgen_min(out);
    EXPECT_EQ(created.exit_code, 0) << created.err;
    const CommandResult replaced = btfgen_min(out);
    EXPECT_EQ(replaced.exit_code, 0) << replaced.err;

    EXPECT_EQ(read_file_bytes(out), expected_);
    EXPECT_TRUE(temp_leftovers(dir.path()).empty());
  }
}

// 9. A failed run (garbage OBJECT) leaves an existing OUTPUT exactly as it was.
TEST_F(OutputFile, FailureLeavesExistingFileUntouched) {
  TempDir dir;
  const std::string garbage = dir.file("garbage.bpf.o");
  write_text(garbage, "this is not an ELF file\n");
  const std::string out = dir.file("out.btf");
  const std::string old_content = "precious old bytes\n";
  write_text(out, old_content);
  ASSERT_EQ(::chmod(out.c_str(), 0640), 0);
  const struct stat before = lstat_of(out);

  const CommandResult oracle =
      run_command({bpftool_, "gen", "min_core_btf", kTarget, dir.file("bpftool.btf"), garbage});
  const CommandResult r = btfgen_min(out, garbage);

  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.exit_code, oracle.exit_code) << r.err;
  EXPECT_EQ(read_file_bytes(out), as_bytes(old_content));
  const struct stat after = lstat_of(out);
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(after.st_mode, before.st_mode);
  EXPECT_TRUE(temp_leftovers(dir.path()).empty());
}

}  // namespace
