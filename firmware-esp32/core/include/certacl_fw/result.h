#pragma once
// Error values instead of exceptions: ESP-IDF builds C++ without exceptions by default, and
// the same core runs there. Every failure carries one line saying what went wrong.

#include <optional>
#include <string>
#include <utility>

namespace certacl::fw {

class [[nodiscard]] Status {
 public:
  static Status success() { return Status{}; }
  static Status failure(std::string message) { return Status{std::move(message)}; }

  [[nodiscard]] bool ok() const noexcept { return !error_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  [[nodiscard]] const std::string& error() const {
    static const std::string none;
    return error_ ? *error_ : none;
  }

 private:
  Status() = default;
  explicit Status(std::string message) : error_(std::move(message)) {}
  std::optional<std::string> error_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit on purpose, like expected
  Result(Status failure)                         // NOLINT
      : error_(failure.ok() ? std::string("internal error: a success was passed as a failure")
                            : failure.error()) {}
  static Result failure(std::string message) { return Result(Status::failure(std::move(message))); }

  [[nodiscard]] bool ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] T& value() & { return *value_; }
  [[nodiscard]] const T& value() const& { return *value_; }
  [[nodiscard]] T&& value() && { return std::move(*value_); }
  [[nodiscard]] Status status() const { return ok() ? Status::success() : Status::failure(error_); }

 private:
  std::optional<T> value_;
  std::string error_;
};

}  // namespace certacl::fw
