#pragma once
// A stand-in SHA-256 fingerprint for a test's short tag ("aa", "sha-0A"): 64 lower-case hex
// digits as the registry records them, distinct for distinct tags of up to 32 bytes.

#include <string>
#include <string_view>

namespace certacl::policy {

inline std::string test_fingerprint(std::string_view tag) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string hex;
  for (const char c : tag) {
    const auto byte = static_cast<unsigned char>(c);
    hex.push_back(kHex[byte >> 4]);
    hex.push_back(kHex[byte & 0x0F]);
  }
  hex.resize(64, '0');
  return hex;
}

}  // namespace certacl::policy
