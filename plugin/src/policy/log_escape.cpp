#include "log_escape.h"

#include <fmt/format.h>

namespace certacl::policy {

std::string printable(std::string_view untrusted) {
  std::string out;
  out.reserve(untrusted.size());
  for (const char c : untrusted) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || c == '\'' || c == '\\') {
      out += fmt::format("\\x{:02X}", byte);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace certacl::policy
