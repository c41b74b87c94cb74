#include "role_registry.h"

#include <fmt/format.h>

#include "audit.h"
#include "ca_database.h"
#include "ca_error.h"
#include "certacl/identity.h"
#include "certacl/topic.h"

namespace certacl::ca {
namespace {

bool role_exists(SqliteDatabase& db, const std::string& role) {
  Statement statement = db.prepare("SELECT 1 FROM roles WHERE name = ?1");
  statement.bind(1, role);
  return statement.step();
}

}  // namespace

void require_role(SqliteDatabase& db, const std::string& role) {
  if (!role_exists(db, role)) {
    throw CaError(ExitCode::kNotFound, fmt::format("unknown role '{}'", role));
  }
}

RoleClientIdRule require_client_id_rule(const std::string& text) {
  const auto rule = parse_role_client_id_rule(text);
  if (!rule) {
    throw CaError(ExitCode::kBadInput, fmt::format("invalid client-id rule '{}': expected exact or "
                                                   "prefix",
                                                   escape_for_display(text)));
  }
  return *rule;
}

void add_role(SqliteDatabase& db, const std::string& role, RoleClientIdRule client_id_rule) {
  if (const auto problem = role_name_problem(role); !problem.empty()) {
    throw CaError(ExitCode::kBadInput,
                  fmt::format("invalid role name '{}': {}", escape_for_display(role), problem));
  }
  if (role_exists(db, role)) {
    throw CaError(ExitCode::kConflict, fmt::format("role '{}' already exists", role));
  }
  db.prepare("INSERT INTO roles (name, client_id_rule, created_at) VALUES (?1, ?2, ?3)")
      .bind(1, role)
      .bind(2, to_string(client_id_rule))
      .bind(3, unix_now())
      .run();
  append_audit(db, "role-add", std::nullopt, std::nullopt,
               fmt::format("role={} client_id={}", role, to_string(client_id_rule)));
}

void add_rule(SqliteDatabase& db, const RoleRule& rule) {
  if (const auto problem = topic_pattern_problem(rule.pattern); !problem.empty()) {
    throw CaError(ExitCode::kBadInput,
                  fmt::format("invalid topic pattern '{}': {}", rule.pattern, problem));
  }
  require_role(db, rule.role);
  Statement existing = db.prepare(
      "SELECT 1 FROM role_rules WHERE role = ?1 AND effect = ?2 AND action = ?3 AND pattern = ?4");
  existing.bind(1, rule.role)
      .bind(2, to_string(rule.effect))
      .bind(3, to_string(rule.action))
      .bind(4, rule.pattern);
  if (existing.step()) {
    throw CaError(ExitCode::kConflict,
                  fmt::format("role '{}' already has rule {} {} '{}'", rule.role,
                              to_string(rule.effect), to_string(rule.action), rule.pattern));
  }
  db.prepare(
        "INSERT INTO role_rules (role, effect, action, pattern, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)")
      .bind(1, rule.role)
      .bind(2, to_string(rule.effect))
      .bind(3, to_string(rule.action))
      .bind(4, rule.pattern)
      .bind(5, unix_now())
      .run();
  append_audit(db, fmt::format("role-{}", to_string(rule.effect)), std::nullopt, std::nullopt,
               fmt::format("role={} {} {}", rule.role, to_string(rule.action), rule.pattern));
}

}  // namespace certacl::ca
