// The engine's one error path. A step that can fail returns Result<T>: its value, or a Failure
// (an errno-style code and what is wrong, without where). The caller that knows where it is adds
// that, once, and turns it into a btfgen::Error at the library's edge (cilium/ebpf's one wrap
// per layer).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace btfgen {

struct Failure {
  int code = 0;         // positive errno-style value, as btfgen::Error carries it
  std::string message;  // what is wrong, never where
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Result(Failure failure) : state_(std::move(failure)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& operator*() { return std::get<0>(state_); }
  const T& operator*() const { return std::get<0>(state_); }
  T* operator->() { return &std::get<0>(state_); }
  const T* operator->() const { return &std::get<0>(state_); }
  const Failure& failure() const { return std::get<1>(state_); }

 private:
  std::variant<T, Failure> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Failure failure) : failure_(std::move(failure)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !failure_.has_value(); }
  explicit operator bool() const { return ok(); }
  // Only when !ok(), by contract.
  const Failure& failure() const { return failure_.value(); }  // NOLINT(bugprone-unchecked-optional-access)

 private:
  std::optional<Failure> failure_;
};

using Status = Result<void>;

}  // namespace btfgen
