#include "certacl/identity.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>

namespace certacl {
namespace {

struct CodePointRange {
  char32_t first;
  char32_t last;
};

#include "identity_unicode_table.inc"

constexpr char32_t kInvalid = 0xFFFFFFFF;

// Strict UTF-8 decoding (RFC 3629): no overlong forms, no surrogates, nothing above
// U+10FFFF. Returns kInvalid and leaves `at` unspecified on a bad sequence.
char32_t decode_utf8(std::string_view text, std::size_t& at) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  std::size_t length = 0;
  char32_t code = 0;
  char32_t minimum = 0;
  if (lead < 0x80) {
    ++at;
    return lead;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, code = lead & 0x1Fu, minimum = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, code = lead & 0x0Fu, minimum = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, code = lead & 0x07u, minimum = 0x10000;
  } else {
    return kInvalid;
  }
  if (text.size() - at < length) return kInvalid;
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned char continuation = byte(at + i);
    if ((continuation & 0xC0u) != 0x80u) return kInvalid;
    code = (code << 6) | (continuation & 0x3Fu);
  }
  if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return kInvalid;
  at += length;
  return code;
}

bool is_bidi_control(char32_t c) noexcept {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
         c == 0x200F || c == 0x061C;
}

bool is_invisible(char32_t c) noexcept {
  return (c >= 0x200B && c <= 0x200D) || (c >= 0x2060 && c <= 0x2064) || c == 0xFEFF ||
         c == 0x00AD || c == 0x034F || c == 0x180E || (c >= 0xFE00 && c <= 0xFE0F) ||
         (c >= 0xE0000 && c <= 0xE0FFF);
}

bool in_refused_table(char32_t c) noexcept {
  const auto* end = std::end(kRefusedCodePoints);
  const auto* range = std::upper_bound(
      std::begin(kRefusedCodePoints), end, c,
      [](char32_t value, const CodePointRange& candidate) { return value < candidate.first; });
  if (range == std::begin(kRefusedCodePoints)) return false;
  --range;
  return c >= range->first && c <= range->last;
}

std::string_view code_point_problem(char32_t c, bool first) noexcept {
  if (c == 0) return "contains a NUL byte";
  if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) return "contains a control character";
  switch (c) {
    case '+':
      return "contains the MQTT wildcard '+'";
    case '#':
      return "contains the MQTT wildcard '#'";
    case '/':
      return "contains the topic separator '/'";
    case '%':
      return "contains '%', which ACL patterns use for substitution";
    default:
      break;
  }
  if (first && c == '$') return "starts with '$', reserved for broker topics such as $SYS";
  if (c < 0x80) return {};
  if (is_bidi_control(c)) return "contains a bidirectional control character";
  if (is_invisible(c)) return "contains a zero-width or invisible character";
  if (in_refused_table(c)) {
    return "contains a character that is unassigned, private-use, a non-ASCII space, a "
           "combining mark or not in Unicode NFC";
  }
  return {};
}

std::string_view name_text_problem(std::string_view text, std::size_t max_bytes) noexcept {
  if (text.empty()) return "is empty";
  if (text.size() > max_bytes) return "is too long";
  std::size_t at = 0;
  while (at < text.size()) {
    const bool first = at == 0;
    const char32_t c = decode_utf8(text, at);
    if (c == kInvalid) return "is not valid UTF-8";
    if (const std::string_view problem = code_point_problem(c, first); !problem.empty()) {
      return problem;
    }
  }
  return {};
}

}  // namespace

std::string_view device_name_problem(std::string_view name) noexcept {
  return name_text_problem(name, kMaxDeviceNameBytes);
}

std::string_view role_name_problem(std::string_view role) noexcept {
  return name_text_problem(role, kMaxRoleNameBytes);
}

std::string_view client_id_problem(std::string_view client_id) noexcept {
  return name_text_problem(client_id, kMaxClientIdBytes);
}

std::string_view san_dns_problem(std::string_view dns_name) noexcept {
  if (dns_name.empty() || dns_name.size() > kMaxSanDnsBytes) return "must be 1..253 characters";
  for (const char c : dns_name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!allowed) return "has a character other than letters, digits, '-', '_' and '.'";
  }
  if (dns_name.front() == '.' || dns_name.back() == '.' ||
      dns_name.find("..") != std::string_view::npos) {
    return "has an empty label";
  }
  return {};
}

std::string_view san_uri_problem(std::string_view uri) noexcept {
  if (uri.empty() || uri.size() > kMaxSanUriBytes) return "must be 1..2048 characters";
  for (const char c : uri) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7F) return "has a control, space or non-ASCII character";
  }
  const auto colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return "has no scheme (e.g. urn:, spiffe://)";
  }
  return {};
}

std::string escape_for_display(std::string_view text) {
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string shown;
  shown.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F && c != '\\') {
      shown.push_back(c);
    } else {
      shown += "\\x";
      shown.push_back(kHex[byte >> 4u]);
      shown.push_back(kHex[byte & 0x0Fu]);
    }
  }
  return shown;
}

std::optional<DeviceName> DeviceName::parse(std::string_view text, std::string_view* problem) {
  const std::string_view why = device_name_problem(text);
  if (problem != nullptr) *problem = why;
  if (!why.empty()) return std::nullopt;
  return DeviceName(std::string(text));
}

}  // namespace certacl
