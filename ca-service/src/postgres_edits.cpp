#include "postgres_edits.h"

#include <fmt/format.h>

#include "audit.h"
#include "ca_error.h"
#include "certacl/store/postgres_connection.h"
#include "postgres_registry.h"

namespace certacl::ca {
namespace {

using store::PostgresStore;

void require_role(PostgresStore& store, const std::string& role) {
  if (store.connection().exec("SELECT 1 FROM certacl.roles WHERE name = $1", {role}).rows() == 0) {
    throw CaError(ExitCode::kNotFound, fmt::format("unknown role '{}'", role));
  }
}

void audit(PostgresStore& store, const std::string& action,
           const std::optional<std::string>& device, const std::string& detail) {
  store.append_audit(store::AuditDraft{current_actor(), action, device, std::nullopt, detail});
}

}  // namespace

bool set_device_role(PostgresStore& store, const std::string& name, const std::string& role) {
  bool changed = false;
  store.in_write_transaction(fmt::format("device '{}'", name), [&] {
    const std::optional<Device> device = find_device(store, name);
    if (!device) throw CaError(ExitCode::kNotFound, fmt::format("unknown device '{}'", name));
    require_role(store, role);
    changed = device->role != role;
    if (!changed) return;
    store.connection().exec(
        "UPDATE certacl.devices SET role = $2, "
        "updated_at = extract(epoch FROM statement_timestamp())::bigint WHERE name = $1",
        {name, role});
    audit(store, "device-set-role", name, fmt::format("role={} previous={}", role, device->role));
  });
  return changed;
}

void remove_role(PostgresStore& store, const std::string& role) {
  store.in_write_transaction(fmt::format("role '{}'", role), [&] {
    require_role(store, role);
    const std::int64_t users =
        store.connection()
            .exec("SELECT count(*) FROM certacl.devices WHERE role = $1", {role})
            .int64(0, 0);
    if (users > 0) {
      throw CaError(ExitCode::kConflict,
                    fmt::format("role '{}' is used by {} device(s); move them first "
                                "('device set-role') or remove them",
                                role, users));
    }
    const int rules =
        store.connection()
            .exec("DELETE FROM certacl.role_rules WHERE role = $1 RETURNING id", {role})
            .rows();
    store.connection().exec("DELETE FROM certacl.roles WHERE name = $1", {role});
    audit(store, "role-remove", std::nullopt, fmt::format("role={} rules={}", role, rules));
  });
}

RoleRule remove_rule(PostgresStore& store, const std::string& role, std::int64_t rule_id) {
  std::optional<RoleRule> removed;
  store.in_write_transaction(fmt::format("rule {} of role '{}'", rule_id, role), [&] {
    removed.reset();
    require_role(store, role);
    // Ids never reach across roles: the rule must be this role's.
    const store::PostgresResult found = store.connection().exec(
        "SELECT effect, action, pattern FROM certacl.role_rules WHERE id = $1 AND role = $2",
        {std::to_string(rule_id), role});
    const auto effect = found.rows() == 1 ? parse_rule_effect(found.text(0, 0)) : std::nullopt;
    const auto action = found.rows() == 1 ? parse_rule_action(found.text(0, 1)) : std::nullopt;
    if (!effect || !action) {
      throw CaError(ExitCode::kNotFound,
                    fmt::format("role '{}' has no rule {} (see 'certacl-ca role show {}')", role,
                                rule_id, role));
    }
    removed = RoleRule{role, *effect, *action, std::string(found.text(0, 2))};
    store.connection().exec("DELETE FROM certacl.role_rules WHERE id = $1",
                            {std::to_string(rule_id)});
    audit(store, "role-rule-remove", std::nullopt,
          fmt::format("role={} id={} {} {} {}", role, rule_id, to_string(removed->effect),
                      to_string(removed->action), removed->pattern));
  });
  return *removed;
}

}  // namespace certacl::ca
