#pragma once
// Compact forms of the certificate fields a decision compares, so that 100,000 registered
// devices fit in a few tens of megabytes (docs/SCALING.md, "Memory"): a serial packed two hex
// digits to a byte, a SHA-256 as its 32 bytes, and texts shared by many records (role names,
// issuers) held once.

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "text_lookup.h"

namespace certacl::policy {

// A serial as BN_bn2hex writes it (optional '-', upper-case hex digits), packed. Two texts
// give equal keys exactly when they are equal; a text that cannot be packed (another
// alphabet, lower case, longer than kMaxDigits) gives no key at all: no certacl CA writes one
// and no presented certificate reads as one (BN_bn2hex), so it can match nothing.
class SerialKey {
 public:
  static constexpr std::size_t kMaxDigits = 46;  // a 20-byte serial has at most 40

  [[nodiscard]] static bool pack(std::string_view text, SerialKey& key) noexcept;
  [[nodiscard]] std::string text() const;
  [[nodiscard]] bool valid() const noexcept { return data_[0] != 0; }
  // For hashing and ordering: the header and the packed digits.
  [[nodiscard]] std::string_view bytes() const noexcept {
    return {reinterpret_cast<const char*>(data_.data()), 1 + (digits() + 1) / 2};
  }
  [[nodiscard]] std::size_t hash() const noexcept { return TextHash{}(bytes()); }
  friend bool operator==(const SerialKey& a, const SerialKey& b) noexcept {
    return a.bytes() == b.bytes();
  }

 private:
  [[nodiscard]] std::size_t digits() const noexcept { return data_[0] & 0x7FU; }
  // data_[0]: the digit count (0: no key), with 0x80 for a negative serial; then the digits,
  // two to a byte, high nibble first.
  std::array<std::uint8_t, 1 + (kMaxDigits + 1) / 2> data_{};
};

// A SHA-256 recorded as lower-case hex, held as its 32 bytes. A recorded text that is not
// 64 lower-case hex digits matches nothing (the plugin computes the presented one itself).
class Sha256Digest {
 public:
  [[nodiscard]] static Sha256Digest from_hex(std::string_view text) noexcept;
  // True when `text` is exactly the lower-case hex of these bytes.
  [[nodiscard]] bool matches_hex(std::string_view text) const noexcept;

 private:
  std::array<std::uint8_t, 32> bytes_{};
  bool known_ = false;
};

// One copy of each distinct text (role names, issuers), shared by every record and every
// snapshot built from the same first one. Entries are never removed, so a pointer handed out
// stays valid while the pool lives; there are as many as distinct texts ever seen (a few).
class TextPool {
 public:
  [[nodiscard]] const std::string* intern(std::string_view text);

 private:
  // A snapshot built on the watcher thread interns into the pool of the one in force; a
  // reader of any snapshot only follows the pointers, never touches the set.
  std::mutex mutex_;
  std::unordered_set<std::string, TextHash, std::equal_to<>> texts_;
};

}  // namespace certacl::policy
