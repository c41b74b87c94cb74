#include "est/est_log.h"

#include <fmt/format.h>

#include <cstdio>

namespace certacl::ca::est {

void log_line(std::string_view line) noexcept {
  try {
    // One fwrite per line under stdio's lock, so lines from workers never interleave.
    const std::string out = fmt::format("certacl-ca serve: {}\n", line);
    std::fwrite(out.data(), 1, out.size(), stderr);
  } catch (...) {  // logging must never take a request down with it
  }
}

}  // namespace certacl::ca::est
