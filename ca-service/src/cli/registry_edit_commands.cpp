// device remove | device set-role | role remove | role rule remove | role set-client-id:
// correcting the registry.
// Registered into the existing `device` and `role` groups; the use cases live in
// device_removal.h and role_editing.h.

#include <fmt/format.h>

#include <charconv>

#include "ca_database.h"
#include "ca_error.h"
#include "cli/cli.h"
#include "device_removal.h"
#include "postgres_edits.h"
#include "postgres_registry.h"
#include "revocation.h"
#include "role_editing.h"
#include "role_registry.h"

namespace certacl::ca::cli {
namespace {

std::int64_t require_rule_id(const std::string& text) {
  std::int64_t id = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size() || id < 1) {
    throw CaError(ExitCode::kBadInput,
                  fmt::format("invalid rule id '{}': give the number 'role show' prints", text));
  }
  return id;
}

void add_device_edits(CLI::App& device, const std::shared_ptr<GlobalOptions>& global) {
  struct RemoveOptions {
    std::string name;
    std::string reason = "cessationOfOperation";
  };
  auto removal = std::make_shared<RemoveOptions>();
  CLI::App* remove =
      device.add_subcommand("remove",
                            "Revoke the device's certificates, then delete it from the registry "
                            "(its certificates and audit entries stay as history)");
  remove->add_option("name", removal->name, "Device name")->required();
  remove->add_option("--reason", removal->reason, "Revocation reason for its certificates")
      ->capture_default_str();
  remove->callback([global, removal] {
    const int reason = require_revocation_reason(removal->reason);
    RemovedDevice removed;
    if (auto registry = postgres_registry(*global)) {
      removed.revoked_serials = remove_device(*registry, removal->name, reason);
    } else {
      SqliteDatabase db = open_database(global->db_path);
      removed = remove_device(db, removal->name, reason);
    }
    for (const auto& serial : removed.revoked_serials) {
      fmt::print("revoked {} ({})\n", serial, revocation_reason_name(reason));
    }
    fmt::print("device '{}' removed; run 'certacl-ca crl' to publish the revocations\n",
               removal->name);
  });

  auto name = std::make_shared<std::string>();
  auto role = std::make_shared<std::string>();
  CLI::App* set_role =
      device.add_subcommand("set-role", "Move a device to another role (its ACL changes live)");
  set_role->add_option("name", *name, "Device name")->required();
  set_role->add_option("role", *role, "New role")->required();
  set_role->callback([global, name, role] {
    const bool changed =
        on_registry(*global, [&](auto& store) { return set_device_role(store, *name, *role); });
    fmt::print("device '{}' {}has role '{}'\n", *name, changed ? "now " : "already ", *role);
  });
}

void add_role_edits(CLI::App& role, const std::shared_ptr<GlobalOptions>& global) {
  auto name = std::make_shared<std::string>();
  CLI::App* remove =
      role.add_subcommand("remove", "Delete a role and its rules (refused while devices use it)");
  remove->add_option("role", *name, "Role name")->required();
  remove->callback([global, name] {
    on_registry(*global, [&](auto& store) { remove_role(store, *name); });
    fmt::print("role '{}' removed\n", *name);
  });

  auto client_id = std::make_shared<std::string>();
  CLI::App* set_client_id = role.add_subcommand(
      "set-client-id",
      "Set which client ids the role's devices may use: exact or prefix (live sessions that no "
      "longer fit are disconnected)");
  set_client_id->add_option("role", *name, "Role name")->required();
  set_client_id->add_option("rule", *client_id, "exact | prefix")->required();
  set_client_id->callback([global, name, client_id] {
    const RoleClientIdRule rule = require_client_id_rule(*client_id);
    const bool changed = on_registry(
        *global, [&](auto& store) { return set_role_client_id_rule(store, *name, rule); });
    fmt::print("role '{}' {}uses {} client ids\n", *name, changed ? "now " : "already ",
               to_string(rule));
  });

  CLI::App* rule = role.add_subcommand("rule", "Edit a role's rules by the id 'role show' prints");
  auto id = std::make_shared<std::string>();
  CLI::App* remove_one = rule->add_subcommand("remove", "Delete one rule of a role by its id");
  remove_one->add_option("role", *name, "Role name")->required();
  remove_one->add_option("id", *id, "Rule id (the ID column of 'role show')")->required();
  remove_one->callback([global, name, id] {
    const std::int64_t rule_id = require_rule_id(*id);
    const RoleRule removed =
        on_registry(*global, [&](auto& store) { return remove_rule(store, *name, rule_id); });
    fmt::print("role '{}': removed rule {} ({} {} '{}')\n", *name, rule_id,
               to_string(removed.effect), to_string(removed.action), removed.pattern);
  });
}

}  // namespace

void add_registry_edit_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global) {
  add_device_edits(*app.get_subcommand("device"), global);
  add_role_edits(*app.get_subcommand("role"), global);
}

}  // namespace certacl::ca::cli
