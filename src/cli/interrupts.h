// Ctrl-C and SIGTERM for the long commands (build, report): a flag the core polls.
#pragma once

#include <atomic>
#include <csignal>

namespace btfgen::cli {

// Raised by SIGINT/SIGTERM while an InterruptGuard lives.
extern std::atomic<bool> g_cancel;

// SIGINT/SIGTERM ask the workers to stop (they finish or drop their current kernel, never leaving a
// partial file). SA_RESETHAND: a second Ctrl-C kills at once, for the impatient.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction old_int_{};
  struct sigaction old_term_{};
};

// Exit status of an interrupted command.
inline constexpr int kExitInterrupted = 130;

}  // namespace btfgen::cli
