#include "est/est_log.h"

#include <fmt/format.h>

#include <cstdio>

namespace certacl::ca::est {

void log_line(std::string_view line) noexcept {
  try {
    // One fwrite per line under stdio's lock, so lines from workers never interleave.
    std::string out = fmt::format("certacl-ca serve: {}", line);
    // Names and reasons may carry client-chosen bytes: no forged extra log lines.
    for (char& c : out) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stderr);
  } catch (...) {  // logging must never take a request down with it
  }
}

}  // namespace certacl::ca::est
