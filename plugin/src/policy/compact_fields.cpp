#include "compact_fields.h"

namespace certacl::policy {
namespace {

constexpr std::string_view kUpperHex = "0123456789ABCDEF";
constexpr std::string_view kLowerHex = "0123456789abcdef";

int upper_hex_value(char digit) noexcept {
  if (digit >= '0' && digit <= '9') return digit - '0';
  if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
  return -1;
}

int lower_hex_value(char digit) noexcept {
  if (digit >= '0' && digit <= '9') return digit - '0';
  if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
  return -1;
}

}  // namespace

bool SerialKey::pack(std::string_view text, SerialKey& key) noexcept {
  key = SerialKey{};
  const bool negative = text.starts_with('-');
  if (negative) text.remove_prefix(1);
  if (text.empty() || text.size() > kMaxDigits) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int value = upper_hex_value(text[i]);
    if (value < 0) {
      key = SerialKey{};
      return false;
    }
    key.data_[1 + i / 2] |= static_cast<std::uint8_t>(i % 2 == 0 ? value << 4 : value);
  }
  key.data_[0] = static_cast<std::uint8_t>(text.size() | (negative ? 0x80U : 0U));
  return true;
}

std::string SerialKey::text() const {
  std::string text;
  if (data_[0] & 0x80U) text.push_back('-');
  for (std::size_t i = 0; i < digits(); ++i) {
    const std::uint8_t byte = data_[1 + i / 2];
    text.push_back(kUpperHex[i % 2 == 0 ? byte >> 4 : byte & 0x0F]);
  }
  return text;
}

Sha256Digest Sha256Digest::from_hex(std::string_view text) noexcept {
  Sha256Digest digest;
  if (text.size() != 64) return digest;
  for (std::size_t i = 0; i < 32; ++i) {
    const int high = lower_hex_value(text[2 * i]);
    const int low = lower_hex_value(text[2 * i + 1]);
    if (high < 0 || low < 0) return Sha256Digest{};
    digest.bytes_[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  digest.known_ = true;
  return digest;
}

bool Sha256Digest::matches_hex(std::string_view text) const noexcept {
  if (!known_ || text.size() != 64) return false;
  for (std::size_t i = 0; i < 32; ++i) {
    if (text[2 * i] != kLowerHex[bytes_[i] >> 4] ||
        text[2 * i + 1] != kLowerHex[bytes_[i] & 0x0F]) {
      return false;
    }
  }
  return true;
}

const std::string* TextPool::intern(std::string_view text) {
  const std::lock_guard lock(mutex_);
  auto found = texts_.find(text);
  if (found == texts_.end()) found = texts_.emplace(text).first;
  return &*found;
}

}  // namespace certacl::policy
