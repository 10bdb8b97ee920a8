// Small helpers shared by btfgen's tests: running a command, reading a file, a temporary directory,
// and the rule for tests that need an external tool (bpftool). Header-only; add to it, do not change
// what is here, other test files depend on it.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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
  struct rusage usage {};
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

// The rule for tests that need an external tool: when NAME is missing, the test FAILS in CI
// (CI=true) and is SKIPPED elsewhere. On return *PATH_OUT is the tool's path, or empty when the
// test was skipped or failed; the caller must then return (BTFGEN_REQUIRE_TOOL does that).
inline void require_tool_or_skip(const std::string& name, std::string* path_out) {
  *path_out = find_tool(name);
  if (!path_out->empty()) return;
  if (running_in_ci()) FAIL() << name << " is required in CI (CI=true) but was not found";
  GTEST_SKIP() << name << " not found in PATH or sbin; install it to run this test";
}

}  // namespace btfgen::test

// Declares std::string VAR holding the path of tool NAME, or returns from the enclosing void
// function (test body or SetUp) after skipping/failing per require_tool_or_skip.
#define BTFGEN_REQUIRE_TOOL(var, name)                    \
  std::string var;                                        \
  ::btfgen::test::require_tool_or_skip((name), &var);     \
  if (var.empty()) return
