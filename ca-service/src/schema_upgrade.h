#pragma once
// `certacl-ca migrate`: brings an existing registry to this build's schema. The CA is
// upgraded first, then the brokers (docs/CA.md, "Upgrading").

#include <string>

namespace certacl::ca {

struct SchemaUpgrade {
  int from = 0;
  int to = 0;
  [[nodiscard]] bool changed() const noexcept { return from != to; }
};

// Applies the missing migrations in one transaction and audits them. Throws CaError(kStorage)
// for a missing file, a non-certacl database or one newer than this build.
SchemaUpgrade migrate_registry(const std::string& db_path);

}  // namespace certacl::ca
