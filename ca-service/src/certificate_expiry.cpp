#include "certificate_expiry.h"

#include <algorithm>
#include <charconv>

namespace certacl::ca {

std::optional<std::int64_t> parse_duration_seconds(std::string_view text) noexcept {
  if (text.size() < 2) return std::nullopt;
  std::int64_t unit = 0;
  switch (text.back()) {
    case 'd':
      unit = 86400;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'm':
      unit = 60;
      break;
    default:
      return std::nullopt;
  }
  const std::string_view digits = text.substr(0, text.size() - 1);
  std::int64_t count = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (error != std::errc{} || end != digits.data() + digits.size() || count < 1) {
    return std::nullopt;
  }
  if (count > kMaxExpiryWindowSeconds / unit) return std::nullopt;
  return count * unit;
}

std::vector<CertificateRecord> expiring_certificates(SqliteDatabase& db, std::int64_t now,
                                                     std::int64_t window_seconds) {
  std::vector<CertificateRecord> expiring;
  {
    ReadTransaction snapshot(db);
    for (CertificateRecord& record : load_certificates(db)) {
      if (record.revoked() || record.not_before > now || record.not_after <= now) continue;
      if (record.not_after - now > window_seconds) continue;
      expiring.push_back(std::move(record));
    }
  }
  std::stable_sort(expiring.begin(), expiring.end(), [](const auto& left, const auto& right) {
    return left.not_after < right.not_after;
  });
  return expiring;
}

}  // namespace certacl::ca
