#include "provision/fleet_provisioner.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "certacl/registry.h"
#include "certacl/sqlite.h"

namespace certacl::sim {
namespace {

constexpr auto kBusyTimeout = std::chrono::milliseconds(5000);

SqliteDatabase open_registry(const std::string& path) {
  SqliteDatabase db(path, SqliteDatabase::Access::ReadOnly);
  db.configure_as_reader(kBusyTimeout);
  return db;
}

bool role_exists(SqliteDatabase& db, const std::string& role) {
  auto statement = db.prepare("SELECT 1 FROM roles WHERE name = ?1");
  statement.bind(1, role);
  return statement.step();
}

bool rule_exists(const std::vector<RoleRule>& rules, const RoleRuleSpec& spec) {
  for (const auto& rule : rules) {
    if (to_string(rule.effect) == spec.effect && to_string(rule.action) == spec.action &&
        rule.pattern == spec.pattern) {
      return true;
    }
  }
  return false;
}

}  // namespace

FleetProvisioner::FleetProvisioner(CertificateAuthorityCli& ca, std::string workdir)
    : ca_(ca), workdir_(std::move(workdir)) {
  std::filesystem::create_directories(workdir_ + "/devices");
}

std::string FleetProvisioner::device_file(const std::string& stem, const std::string& ext) const {
  return fmt::format("{}/devices/{}.{}", workdir_, stem, ext);
}

void FleetProvisioner::ensure_role(const std::string& role,
                                   const std::vector<RoleRuleSpec>& rules) {
  std::vector<RoleRule> existing;
  {
    auto db = open_registry(ca_.database());
    if (!role_exists(db, role)) {
      ca_.add_role(role);
    } else {
      existing = load_role_rules(db, role);
    }
  }
  for (const auto& rule : rules) {
    if (!rule_exists(existing, rule)) ca_.add_rule(role, rule.effect, rule.action, rule.pattern);
  }
}

void FleetProvisioner::ensure_device(const std::string& device, const std::string& role) {
  std::optional<Device> found;
  {
    auto db = open_registry(ca_.database());
    found = find_device(db, device);
  }
  if (!found) {
    ca_.add_device(device, role);
    return;
  }
  if (!found->enabled) {
    throw std::runtime_error(fmt::format(
        "device '{}' is registered but disabled, so it cannot take part in a scenario", device));
  }
}

IssuedDevice FleetProvisioner::issue(const std::string& device, const IssueOptions& options) {
  const std::string stem = options.file_stem.empty() ? device : options.file_stem;
  IssuedDevice issued;
  issued.credentials.identity = device;
  issued.credentials.client_id = device;
  issued.credentials.keyfile = device_file(stem, "key");
  issued.credentials.certfile = device_file(stem, "crt");
  // The CA may refuse to overwrite; every enrollment gets fresh files.
  std::filesystem::remove(issued.credentials.keyfile);
  std::filesystem::remove(issued.credentials.certfile);
  issued.serial = ca_.enroll({device, issued.credentials.keyfile, issued.credentials.certfile,
                              options.days, options.backdate_days});
  return issued;
}

DeviceCredentials FleetProvisioner::issue_once(const std::string& device) {
  DeviceCredentials credentials{device, device, device_file(device, "crt"),
                                device_file(device, "key")};
  if (std::filesystem::exists(credentials.certfile) &&
      std::filesystem::exists(credentials.keyfile)) {
    return credentials;
  }
  return issue(device).credentials;
}

std::set<std::string> FleetProvisioner::registered_devices() const {
  auto db = open_registry(ca_.database());
  std::set<std::string> names;
  for (auto& device : load_devices(db)) names.insert(std::move(device.name));
  return names;
}

std::string FleetProvisioner::ca_key_path() const {
  auto db = open_registry(ca_.database());
  auto statement = db.prepare("SELECT key_path FROM ca WHERE id = 1");
  if (!statement.step()) {
    throw std::runtime_error(fmt::format("CA database {} has no CA yet", ca_.database()));
  }
  return statement.column_text(0);
}

std::string FleetProvisioner::ca_certificate_pem() const {
  auto db = open_registry(ca_.database());
  auto statement = db.prepare("SELECT certificate_pem FROM ca WHERE id = 1");
  if (!statement.step()) {
    throw std::runtime_error(fmt::format("CA database {} has no CA yet", ca_.database()));
  }
  return statement.column_text(0);
}

std::string run_tag() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return fmt::format("{:x}{:x}", std::chrono::duration_cast<std::chrono::seconds>(now).count(),
                     static_cast<unsigned>(getpid()) & 0xfffu);
}

}  // namespace certacl::sim
