#include "certacl_fw/console.h"

namespace certacl::fw {

void StdioConsole::write_line(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), output_);
  std::fputc('\n', output_);
  std::fflush(output_);
}

std::optional<std::string> StdioConsole::read_line(std::size_t max_bytes) {
  std::string line;
  bool any = false;
  for (;;) {
    const int c = std::fgetc(input_);
    if (c == EOF) return any ? std::optional<std::string>(std::move(line)) : std::nullopt;
    any = true;
    if (c == '\n') return line;
    if (line.size() < max_bytes) line.push_back(static_cast<char>(c));
  }
}

}  // namespace certacl::fw
