#include "provision/registry_readout.h"

#include <chrono>
#include <cstdlib>

#include "certacl/sqlite.h"
#include "certacl/store/postgres_connection.h"

namespace certacl::sim {
namespace {

constexpr auto kBusyTimeout = std::chrono::milliseconds(5000);

store::PostgresSettings postgres_settings(const std::string& url) {
  store::PostgresSettings settings;
  settings.url = url;
  if (const char* file = std::getenv("CERTACL_DB_PASSWORD_FILE"); file != nullptr && *file != 0) {
    settings.password_file = file;
  }
  settings.application_name = "certacl-sim";
  return settings;
}

}  // namespace

RegistryReadout::RegistryReadout(const std::string& database) {
  if (store::is_postgres_url(database)) {
    postgres_ = std::make_unique<store::PostgresConnection>(postgres_settings(database));
    return;
  }
  sqlite_ = std::make_unique<SqliteDatabase>(database, SqliteDatabase::Access::ReadOnly);
  sqlite_->configure_as_reader(kBusyTimeout);
}

RegistryReadout::~RegistryReadout() = default;

std::vector<std::string> RegistryReadout::roles() {
  std::vector<std::string> roles;
  if (postgres_) {
    const store::PostgresResult rows =
        postgres_->exec("SELECT name FROM certacl.roles ORDER BY name");
    for (int row = 0; row < rows.rows(); ++row) roles.emplace_back(rows.text(row, 0));
    return roles;
  }
  Statement statement = sqlite_->prepare("SELECT name FROM roles ORDER BY name");
  while (statement.step()) roles.push_back(statement.column_text(0));
  return roles;
}

std::optional<std::vector<RoleRule>> RegistryReadout::role_rules(const std::string& role) {
  if (postgres_) {
    if (postgres_->exec("SELECT 1 FROM certacl.roles WHERE name = $1", {role}).rows() == 0) {
      return std::nullopt;
    }
    const store::PostgresResult rows = postgres_->exec(
        "SELECT effect, action, pattern FROM certacl.role_rules WHERE role = $1 ORDER BY id",
        {role});
    std::vector<RoleRule> rules;
    for (int row = 0; row < rows.rows(); ++row) {
      const auto effect = parse_rule_effect(rows.text(row, 0));
      const auto action = parse_rule_action(rows.text(row, 1));
      if (effect && action)
        rules.push_back({role, *effect, *action, std::string(rows.text(row, 2))});
    }
    return rules;
  }
  Statement statement = sqlite_->prepare("SELECT 1 FROM roles WHERE name = ?1");
  statement.bind(1, role);
  if (!statement.step()) return std::nullopt;
  return load_role_rules(*sqlite_, role);
}

std::optional<Device> RegistryReadout::find_device(const std::string& name) {
  if (postgres_) {
    const store::PostgresResult rows =
        postgres_->exec("SELECT name, role, enabled FROM certacl.devices WHERE name = $1", {name});
    if (rows.rows() == 0) return std::nullopt;
    Device device;
    device.name = rows.text(0, 0);
    device.role = rows.text(0, 1);
    device.enabled = rows.boolean(0, 2);
    return device;
  }
  return certacl::find_device(*sqlite_, name);
}

std::set<std::string> RegistryReadout::device_names() {
  std::set<std::string> names;
  if (postgres_) {
    const store::PostgresResult rows = postgres_->exec("SELECT name FROM certacl.devices");
    for (int row = 0; row < rows.rows(); ++row) names.emplace(rows.text(row, 0));
    return names;
  }
  for (Device& device : load_devices(*sqlite_)) names.insert(std::move(device.name));
  return names;
}

std::optional<CaRow> RegistryReadout::ca() {
  if (postgres_) {
    const store::PostgresResult rows =
        postgres_->exec("SELECT key_path, certificate_pem FROM certacl.ca");
    if (rows.rows() == 0) return std::nullopt;
    return CaRow{std::string(rows.text(0, 0)), std::string(rows.text(0, 1))};
  }
  Statement statement = sqlite_->prepare("SELECT key_path, certificate_pem FROM ca WHERE id = 1");
  if (!statement.step()) return std::nullopt;
  return CaRow{statement.column_text(0), statement.column_text(1)};
}

}  // namespace certacl::sim
