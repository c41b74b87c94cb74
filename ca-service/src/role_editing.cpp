#include "role_editing.h"

#include <fmt/format.h>

#include "audit.h"
#include "ca_error.h"
#include "role_registry.h"

namespace certacl::ca {

std::vector<NumberedRule> load_numbered_rules(SqliteDatabase& db, const std::string& role) {
  require_role(db, role);
  Statement statement =
      db.prepare("SELECT id, effect, action, pattern FROM role_rules WHERE role = ?1 ORDER BY id");
  statement.bind(1, role);
  std::vector<NumberedRule> rules;
  while (statement.step()) {
    const auto effect = parse_rule_effect(statement.column_text(1));
    const auto action = parse_rule_action(statement.column_text(2));
    if (!effect || !action) {
      throw CaError(ExitCode::kStorage,
                    fmt::format("rule {} of role '{}' has an unknown effect or action",
                                statement.column_int64(0), role));
    }
    rules.push_back(
        {statement.column_int64(0), RoleRule{role, *effect, *action, statement.column_text(3)}});
  }
  return rules;
}

void remove_role(SqliteDatabase& db, const std::string& role) {
  WriteTransaction transaction(db);
  require_role(db, role);
  Statement users = db.prepare("SELECT count(*) FROM devices WHERE role = ?1");
  users.bind(1, role);
  users.step();
  if (const std::int64_t count = users.column_int64(0); count > 0) {
    throw CaError(ExitCode::kConflict,
                  fmt::format("role '{}' is used by {} device(s); move them first "
                              "('device set-role') or remove them",
                              role, count));
  }
  db.prepare("DELETE FROM role_rules WHERE role = ?1").bind(1, role).run();
  const int rules = db.changes();
  db.prepare("DELETE FROM roles WHERE name = ?1").bind(1, role).run();
  append_audit(db, "role-remove", std::nullopt, std::nullopt,
               fmt::format("role={} rules={}", role, rules));
  transaction.commit();
}

bool set_role_client_id_rule(SqliteDatabase& db, const std::string& role, RoleClientIdRule rule) {
  WriteTransaction transaction(db);
  const std::optional<Role> current = find_role(db, role);
  if (!current) throw CaError(ExitCode::kNotFound, fmt::format("unknown role '{}'", role));
  if (current->client_id_rule == rule) return false;
  db.prepare("UPDATE roles SET client_id_rule = ?1 WHERE name = ?2")
      .bind(1, to_string(rule))
      .bind(2, role)
      .run();
  append_audit(db, "role-set-client-id", std::nullopt, std::nullopt,
               fmt::format("role={} client_id={} (was {})", role, to_string(rule),
                           to_string(current->client_id_rule)));
  transaction.commit();
  return true;
}

RoleRule remove_rule(SqliteDatabase& db, const std::string& role, std::int64_t rule_id) {
  WriteTransaction transaction(db);
  std::optional<RoleRule> removed;
  for (NumberedRule& numbered : load_numbered_rules(db, role)) {
    if (numbered.id == rule_id) removed = std::move(numbered.rule);
  }
  if (!removed) {
    throw CaError(ExitCode::kNotFound,
                  fmt::format("role '{}' has no rule {} (see 'certacl-ca role show {}')", role,
                              rule_id, role));
  }
  db.prepare("DELETE FROM role_rules WHERE id = ?1").bind(1, rule_id).run();
  append_audit(db, "role-rule-remove", std::nullopt, std::nullopt,
               fmt::format("role={} id={} {} {} {}", role, rule_id, to_string(removed->effect),
                           to_string(removed->action), removed->pattern));
  transaction.commit();
  return *removed;
}

}  // namespace certacl::ca
