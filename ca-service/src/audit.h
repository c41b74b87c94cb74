#pragma once
// The append-only audit log: one row per change, written in the same transaction as the
// change itself, so the log and the registry can never disagree.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "certacl/sqlite.h"

namespace certacl::ca {

struct AuditEntry {
  std::int64_t id = 0;
  std::int64_t at = 0;
  std::string actor;
  std::string action;
  std::optional<std::string> device;
  std::optional<std::string> serial;
  std::string detail;
};

// The OS user running certacl-ca (falls back to "uid:<n>").
[[nodiscard]] std::string current_actor();

void append_audit(SqliteDatabase& db, const std::string& action,
                  const std::optional<std::string>& device,
                  const std::optional<std::string>& serial, const std::string& detail);

[[nodiscard]] std::vector<AuditEntry> load_audit(SqliteDatabase& db,
                                                 const std::optional<std::string>& device);

}  // namespace certacl::ca
