#include "audit.h"

#include <pwd.h>
#include <unistd.h>

#include "ca_database.h"

namespace certacl::ca {

std::string current_actor() {
  const uid_t uid = ::geteuid();
  if (const passwd* entry = ::getpwuid(uid); entry != nullptr && entry->pw_name != nullptr) {
    return entry->pw_name;
  }
  return "uid:" + std::to_string(uid);
}

void append_audit(SqliteDatabase& db, const std::string& action,
                  const std::optional<std::string>& device,
                  const std::optional<std::string>& serial, const std::string& detail) {
  db.prepare(
        "INSERT INTO audit_log (at, actor, action, device, serial, detail) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
      .bind(1, unix_now())
      .bind(2, current_actor())
      .bind(3, action)
      .bind(4, device)
      .bind(5, serial)
      .bind(6, detail)
      .run();
}

std::vector<AuditEntry> load_audit(SqliteDatabase& db, const std::optional<std::string>& device) {
  Statement statement = db.prepare(
      "SELECT id, at, actor, action, device, serial, detail FROM audit_log "
      "WHERE ?1 IS NULL OR device = ?1 ORDER BY id");
  statement.bind(1, device);
  std::vector<AuditEntry> entries;
  while (statement.step()) {
    entries.push_back(AuditEntry{statement.column_int64(0), statement.column_int64(1),
                                 statement.column_text(2), statement.column_text(3),
                                 statement.column_optional_text(4),
                                 statement.column_optional_text(5), statement.column_text(6)});
  }
  return entries;
}

}  // namespace certacl::ca
