// device add|list|show|disable|enable and role add|allow|deny|show|list.

#include <fmt/format.h>

#include "ca_database.h"
#include "ca_error.h"
#include "certacl/identity.h"
#include "cli/cli.h"
#include "device_registry.h"
#include "json_output.h"
#include "postgres_registry.h"
#include "registry_views.h"
#include "role_editing.h"
#include "role_registry.h"
#include "table.h"

namespace certacl::ca::cli {
namespace {

std::string text_or_dash(const std::optional<std::string>& value) {
  return value ? *value : "-";
}

std::string rules_table(const std::vector<RoleRule>& rules) {
  std::vector<TableRow> rows;
  for (const RoleRule& rule : rules) {
    rows.push_back(
        {std::string(to_string(rule.effect)), std::string(to_string(rule.action)), rule.pattern});
  }
  return render_table({"EFFECT", "ACTION", "PATTERN"}, rows);
}

void run_device_show(const GlobalOptions& global, const std::string& name, bool json) {
  const DeviceDetails details =
      on_registry(global, [&](auto& store) { return load_device_details(store, name); });
  const Device& device = details.device;
  const auto& certificates = details.certificates;
  const auto& rules = details.rules;
  const std::int64_t now = unix_now();
  if (json) {
    nlohmann::json out = to_json(device);
    out["certificates"] = nlohmann::json::array();
    for (const auto& record : certificates) out["certificates"].push_back(to_json(record, now));
    out["rules"] = nlohmann::json::array();
    for (const auto& rule : rules) out["rules"].push_back(to_json(rule));
    fmt::print("{}\n", dump_json(out));
    return;
  }
  fmt::print("name:     {}\nrole:     {}\nenabled:  {}\nsan_dns:  {}\nsan_uri:  {}\ncreated:  {}\n",
             device.name, device.role, device.enabled ? "yes" : "no", text_or_dash(device.san_dns),
             text_or_dash(device.san_uri), format_utc(device.created_at));
  fmt::print("certificates: {}\n", certificates.size());
  for (const auto& record : certificates) {
    fmt::print("  {}  {}  until {}\n", record.serial, certificate_status(record, now),
               format_utc(record.not_after));
  }
  fmt::print("rules of role '{}':\n{}", device.role, rules_table(rules));
}

void run_device_list(const GlobalOptions& global, bool json) {
  const auto devices = on_registry(global, [](auto& store) { return load_devices(store); });
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& device : devices) out.push_back(to_json(device));
    fmt::print("{}\n", dump_json(out));
    return;
  }
  std::vector<TableRow> rows;
  for (const auto& device : devices) {
    if (const auto problem = device_name_problem(device.name); !problem.empty()) {
      fmt::print(stderr,
                 "warning: device '{}' {}; the broker refuses it (rename: add a valid "
                 "device, enroll it, revoke this one)\n",
                 escape_for_display(device.name), problem);
    }
    rows.push_back({display_name(device.name), device.role, device.enabled ? "enabled" : "disabled",
                    text_or_dash(device.san_dns), text_or_dash(device.san_uri)});
  }
  fmt::print("{}", render_table({"NAME", "ROLE", "STATUS", "SAN_DNS", "SAN_URI"}, rows));
}

void run_set_enabled(const GlobalOptions& global, const std::string& name, bool enabled) {
  bool changed = false;
  if (auto registry = postgres_registry(global)) {
    changed = set_device_enabled(*registry, name, enabled);
  } else {
    SqliteDatabase db = open_database(global.db_path);
    WriteTransaction transaction(db);  // the SQLite use case runs in the caller's
    changed = set_device_enabled(db, name, enabled);
    transaction.commit();
  }
  fmt::print("device '{}' {}{}\n", name, changed ? "" : "already ",
             enabled ? "enabled" : "disabled");
}

void run_role_show(const GlobalOptions& global, const std::string& role, bool json) {
  const RoleDetails details =
      on_registry(global, [&](auto& store) { return load_role_details(store, role); });
  const auto& rules = details.rules;
  const std::string_view client_ids = to_string(details.client_id_rule);
  if (json) {
    nlohmann::json out = {
        {"role", role}, {"client_id", client_ids}, {"rules", nlohmann::json::array()}};
    for (const auto& numbered : rules) {
      nlohmann::json rule = to_json(numbered.rule);
      rule["id"] = numbered.id;
      out["rules"].push_back(std::move(rule));
    }
    fmt::print("{}\n", dump_json(out));
    return;
  }
  // The ID column is what 'role rule remove' takes.
  std::vector<TableRow> rows;
  for (const auto& numbered : rules) {
    rows.push_back({std::to_string(numbered.id), std::string(to_string(numbered.rule.effect)),
                    std::string(to_string(numbered.rule.action)), numbered.rule.pattern});
  }
  fmt::print("role '{}' (client ids: {}):\n{}", role, client_ids,
             render_table({"ID", "EFFECT", "ACTION", "PATTERN"}, rows));
}

void run_role_list(const GlobalOptions& global, bool json) {
  nlohmann::json out = nlohmann::json::array();
  std::vector<TableRow> rows;
  for (const RoleSummary& role :
       on_registry(global, [](auto& store) { return load_role_summaries(store); })) {
    const std::string client_id(to_string(role.client_id_rule));
    out.push_back({{"role", role.role},
                   {"rules", role.rules},
                   {"devices", role.devices},
                   {"client_id", client_id}});
    rows.push_back(
        {role.role, std::to_string(role.rules), std::to_string(role.devices), client_id});
  }
  if (json) {
    fmt::print("{}\n", dump_json(out));
  } else {
    fmt::print("{}", render_table({"ROLE", "RULES", "DEVICES", "CLIENT_ID"}, rows));
  }
}

}  // namespace

void add_device_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global) {
  CLI::App* device =
      app.add_subcommand("device", "Registry of devices allowed to hold certificates");

  auto added = std::make_shared<NewDevice>();
  CLI::App* add = device->add_subcommand("add", "Register a device");
  add->add_option("name", added->name, "Device identity (the certificate CN)")->required();
  add->add_option("--role", added->role, "Role whose topic rules apply")->required();
  add->add_option("--san-dns", added->san_dns, "DNS subjectAltName for its certificates");
  add->add_option("--san-uri", added->san_uri, "URI subjectAltName for its certificates");
  add->callback([global, added] {
    if (auto registry = postgres_registry(*global)) {
      add_device(*registry, *added);
    } else {
      SqliteDatabase db = open_database(global->db_path);
      WriteTransaction transaction(db);
      add_device(db, *added);
      transaction.commit();
    }
    fmt::print("device '{}' added (role '{}')\n", added->name, added->role);
  });

  auto json = std::make_shared<bool>(false);
  CLI::App* list = device->add_subcommand("list", "List devices");
  list->add_flag("--json", *json, "JSON array output");
  list->callback([global, json] { run_device_list(*global, *json); });

  auto name = std::make_shared<std::string>();
  CLI::App* show = device->add_subcommand("show", "Show one device, its certificates and rules");
  show->add_option("name", *name, "Device name")->required();
  show->add_flag("--json", *json, "JSON output");
  show->callback([global, name, json] { run_device_show(*global, *name, *json); });

  CLI::App* disable = device->add_subcommand("disable", "Refuse the device (broker and CA)");
  disable->add_option("name", *name, "Device name")->required();
  disable->callback([global, name] { run_set_enabled(*global, *name, false); });

  CLI::App* enable = device->add_subcommand("enable", "Accept the device again");
  enable->add_option("name", *name, "Device name")->required();
  enable->callback([global, name] { run_set_enabled(*global, *name, true); });
}

void add_role_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global) {
  CLI::App* role = app.add_subcommand("role", "Roles and their topic rules");

  auto name = std::make_shared<std::string>();
  auto client_id = std::make_shared<std::string>("exact");
  CLI::App* add = role->add_subcommand("add", "Create a role");
  add->add_option("role", *name, "Role name")->required();
  add->add_option("--client-id", *client_id,
                  "Client ids its devices may use: exact (the device name) or prefix "
                  "(<device>-<suffix>, several connections per device)")
      ->capture_default_str();
  add->callback([global, name, client_id] {
    const RoleClientIdRule rule = require_client_id_rule(*client_id);
    if (auto registry = postgres_registry(*global)) {
      add_role(*registry, *name, rule);
    } else {
      SqliteDatabase db = open_database(global->db_path);
      WriteTransaction transaction(db);
      add_role(db, *name, rule);
      transaction.commit();
    }
    fmt::print("role '{}' added (client ids: {})\n", *name, to_string(rule));
  });

  for (const RuleEffect effect : {RuleEffect::kAllow, RuleEffect::kDeny}) {
    auto rule = std::make_shared<RoleRule>();
    rule->effect = effect;
    auto action = std::make_shared<std::string>();
    const std::string effect_name(to_string(effect));
    CLI::App* command = role->add_subcommand(
        effect_name, fmt::format("{} publish or subscribe on a topic pattern (%u = device, "
                                 "%c = client id, as whole levels)",
                                 effect == RuleEffect::kAllow ? "Allow" : "Deny"));
    command->add_option("role", rule->role, "Role name")->required();
    command->add_option("action", *action, "publish | subscribe")
        ->required()
        ->check(CLI::IsMember({"publish", "subscribe"}));
    command->add_option("pattern", rule->pattern, "MQTT topic filter, e.g. factory/%u/#")
        ->required();
    command->callback([global, rule, action] {
      rule->action = *parse_rule_action(*action);
      if (auto registry = postgres_registry(*global)) {
        add_rule(*registry, *rule);
      } else {
        SqliteDatabase db = open_database(global->db_path);
        WriteTransaction transaction(db);
        add_rule(db, *rule);
        transaction.commit();
      }
      fmt::print("role '{}': {} {} '{}'\n", rule->role, to_string(rule->effect),
                 to_string(rule->action), rule->pattern);
    });
  }

  auto json = std::make_shared<bool>(false);
  CLI::App* show = role->add_subcommand("show", "List a role's rules");
  show->add_option("role", *name, "Role name")->required();
  show->add_flag("--json", *json, "JSON output");
  show->callback([global, name, json] { run_role_show(*global, *name, *json); });

  CLI::App* list = role->add_subcommand("list", "List roles with their rule and device counts");
  list->add_flag("--json", *json, "JSON array output");
  list->callback([global, json] { run_role_list(*global, *json); });
}

}  // namespace certacl::ca::cli
