#include "provision/fleet_provisioner.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "certacl/registry.h"
#include "provision/registry_readout.h"

namespace certacl::sim {
namespace {

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
  const std::optional<std::vector<RoleRule>> existing =
      RegistryReadout(ca_.database()).role_rules(role);
  if (!existing) ca_.add_role(role);
  for (const auto& rule : rules) {
    if (!existing || !rule_exists(*existing, rule)) {
      ca_.add_rule(role, rule.effect, rule.action, rule.pattern);
    }
  }
}

void FleetProvisioner::ensure_device(const std::string& device, const std::string& role) {
  const std::optional<Device> found = RegistryReadout(ca_.database()).find_device(device);
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
  return RegistryReadout(ca_.database()).device_names();
}

CaRow FleetProvisioner::ca_row() const {
  std::optional<CaRow> row = RegistryReadout(ca_.database()).ca();
  if (!row) throw std::runtime_error(fmt::format("CA database {} has no CA yet", ca_.database()));
  return *std::move(row);
}

std::string FleetProvisioner::ca_key_path() const {
  return ca_row().key_path;
}

std::string FleetProvisioner::ca_certificate_pem() const {
  return ca_row().certificate_pem;
}

std::string run_tag() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return fmt::format("{:x}{:x}", std::chrono::duration_cast<std::chrono::seconds>(now).count(),
                     static_cast<unsigned>(getpid()) & 0xfffu);
}

}  // namespace certacl::sim
