#pragma once
// Which certificates run out soon: the report an operator checks (or a monitor scrapes with
// --json) so devices are renewed before the broker starts refusing them.

#include <cstdint>
#include <vector>

#include "certacl/registry.h"
#include "certacl/sqlite.h"

namespace certacl::ca {

inline constexpr std::int64_t kMaxExpiryWindowSeconds = std::int64_t{3650} * 86400;

// Of `certificates`, the unrevoked ones still valid at `now` whose notAfter is at most
// `now + window`, soonest first (a pure decision, for either store).
[[nodiscard]] std::vector<CertificateRecord> select_expiring(
    std::vector<CertificateRecord> certificates, std::int64_t now, std::int64_t window_seconds);

// select_expiring over the SQLite registry, read in one snapshot.
[[nodiscard]] std::vector<CertificateRecord> expiring_certificates(SqliteDatabase& db,
                                                                   std::int64_t now,
                                                                   std::int64_t window_seconds);

}  // namespace certacl::ca
