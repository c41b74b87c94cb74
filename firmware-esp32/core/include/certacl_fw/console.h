#pragma once
// A line-based console: the ESP32's UART (stdin/stdout through ESP-IDF's VFS) or a host
// terminal. StdioConsole serves both; tests use a scripted one.

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "certacl_fw/result.h"

namespace certacl::fw {

class Console {
 public:
  virtual ~Console() = default;
  virtual void write_line(std::string_view line) = 0;
  // The next line without its newline; nullopt at end of input. Lines longer than
  // `max_bytes` are cut there (the rest is discarded), so one line never grows unbounded.
  virtual std::optional<std::string> read_line(std::size_t max_bytes) = 0;
};

class StdioConsole final : public Console {
 public:
  StdioConsole(std::FILE* input, std::FILE* output) : input_(input), output_(output) {}
  void write_line(std::string_view line) override;
  std::optional<std::string> read_line(std::size_t max_bytes) override;

 private:
  std::FILE* input_;
  std::FILE* output_;
};

}  // namespace certacl::fw
