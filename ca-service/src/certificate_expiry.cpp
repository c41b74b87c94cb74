#include "certificate_expiry.h"

#include <algorithm>

namespace certacl::ca {

std::vector<CertificateRecord> select_expiring(std::vector<CertificateRecord> certificates,
                                               std::int64_t now, std::int64_t window_seconds) {
  std::vector<CertificateRecord> expiring;
  for (CertificateRecord& record : certificates) {
    if (record.revoked() || record.not_before > now || record.not_after <= now) continue;
    if (record.not_after - now > window_seconds) continue;
    expiring.push_back(std::move(record));
  }
  std::stable_sort(expiring.begin(), expiring.end(), [](const auto& left, const auto& right) {
    return left.not_after < right.not_after;
  });
  return expiring;
}

std::vector<CertificateRecord> expiring_certificates(SqliteDatabase& db, std::int64_t now,
                                                     std::int64_t window_seconds) {
  std::vector<CertificateRecord> all;
  {
    ReadTransaction snapshot(db);
    all = load_certificates(db);
  }
  return select_expiring(std::move(all), now, window_seconds);
}

}  // namespace certacl::ca
