// What btfgen's tests share: running a command (or a child to signal), files, a temporary
// directory, the paths of the shared corpus, bpftool's exit-status arithmetic, and the one rule for
// tests that need something the machine may lack (a tool, the corpus, root): SKIPPED elsewhere,
// FAILED under CI=true, never passed silently. Header-only.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace btfgen::test {

struct CommandResult {
  int exit_code = -1;  // the exit status; 128 + signal number when killed by a signal
  std::string out;
  std::string err;
  long max_rss_kb = 0;  // peak resident set size of the process (wait4's ru_maxrss)
};

// Runs ARGV[0] (searched in PATH when it has no '/') with ARGV, without a shell, and captures its
// stdout and stderr. Throws std::runtime_error only when the process cannot be started.
inline CommandResult run_command(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::runtime_error("run_command: empty argv");
  int out_pipe[2];
  int err_pipe[2];
  if (pipe(out_pipe) != 0) throw std::runtime_error("pipe: " + std::string(strerror(errno)));
  if (pipe(err_pipe) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    throw std::runtime_error("pipe: " + std::string(strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, out_pipe[1]);
  posix_spawn_file_actions_addclose(&actions, err_pipe[1]);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    throw std::runtime_error("cannot start " + argv[0] + ": " + strerror(rc));
  }

  CommandResult result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);

  int status = 0;
  struct rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  result.max_rss_kb = usage.ru_maxrss;
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.exit_code = 128 + WTERMSIG(status);
  return result;
}

// The whole content of PATH. Throws std::runtime_error when it cannot be read.
inline std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/btfgen-test-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp: " + std::string(strerror(errno)));
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Full path of an executable NAME found in PATH or in the sbin directories (bpftool lives in
// /usr/sbin, which a non-root PATH often lacks); empty when there is none.
inline std::string find_tool(const std::string& name) {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream ss(path);
    std::string dir;
    while (std::getline(ss, dir, ':'))
      if (!dir.empty()) dirs.push_back(dir);
  }
  for (const char* d : {"/usr/sbin", "/sbin", "/usr/local/sbin"}) dirs.emplace_back(d);
  for (const auto& dir : dirs) {
    std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

// The exit status bpftool uses for an errno-style CODE: the negative code truncated to 8 bits
// (EINVAL gives 234, libbpf's ELF format error 4001 gives 95).
inline int bpftool_status(int code) { return static_cast<int>(static_cast<unsigned>(-code) & 0xffU); }

// ../shared, with the btfhub corpus and the libbpf-tools objects.
inline const std::string kSharedDir = BTFGEN_SHARED_DIR;
inline const std::string kCorpusDir = kSharedDir + "/corpus/btfhub";
inline const std::string kObjectDir = kSharedDir + "/corpus/objects/libbpf-tools";

// The 61 libbpf-tools objects, sorted.
inline std::vector<std::string> corpus_objects() {
  std::vector<std::string> objects;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(kObjectDir, ec))
    if (e.path().string().ends_with(".bpf.o")) objects.push_back(e.path().string());
  std::sort(objects.begin(), objects.end());
  return objects;
}

inline bool corpus_present() { return std::filesystem::is_directory(kCorpusDir) && corpus_objects().size() == 61; }

// Starts ARGV (no shell) with stdout and stderr sent to the files named (or /dev/null when empty)
// and returns its pid, for tests that signal a running btfgen. Throws when it cannot start.
inline pid_t spawn(const std::vector<std::string>& argv, const std::string& out_path = {},
                   const std::string& err_path = {}) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.empty() ? "/dev/null" : out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.empty() ? "/dev/null" : err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + strerror(rc));
  return pid;
}

}  // namespace btfgen::test

// The one rule for a test that needs something this machine may lack: when CONDITION is false the
// test is SKIPPED with WHY, or FAILS when CI=true (CI must have everything). Use in a void function
// (a test body, SetUp): it returns from it.
#define BTFGEN_REQUIRE(condition, why)                                                      \
  do {                                                                                      \
    if (!(condition)) {                                                                     \
      if (::btfgen::test::running_in_ci()) FAIL() << "required in CI (CI=true): " << (why); \
      GTEST_SKIP() << (why);                                                                \
    }                                                                                       \
  } while (0)

// Declares std::string VAR holding the path of tool NAME (PATH or the sbin directories), under
// the rule above.
#define BTFGEN_REQUIRE_TOOL(var, name)                     \
  const std::string var = ::btfgen::test::find_tool(name); \
  BTFGEN_REQUIRE(!var.empty(), std::string(name) + " not found in PATH or sbin")

// The shared corpus (btfhub kernels and libbpf-tools objects), under the rule above.
#define BTFGEN_REQUIRE_CORPUS() \
  BTFGEN_REQUIRE(::btfgen::test::corpus_present(), "shared corpus not found under " + ::btfgen::test::kSharedDir)

// Root, for attacks that need another user, a mount namespace or a device node.
#define BTFGEN_REQUIRE_ROOT() BTFGEN_REQUIRE(geteuid() == 0, "needs root")
