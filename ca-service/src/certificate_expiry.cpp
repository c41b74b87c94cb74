#include "certificate_expiry.h"

#include <algorithm>

namespace certacl::ca {

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
