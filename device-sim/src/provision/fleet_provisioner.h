#pragma once
// Makes sure the roles, devices and certificates a scenario needs exist, through
// certacl-ca. It reads the registry first, so running a scenario twice against the same
// CA database adds nothing twice.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/simulated_device.h"
#include "provision/ca_cli.h"
#include "provision/registry_readout.h"

namespace certacl::sim {

struct RoleRuleSpec {
  std::string effect;  // allow | deny
  std::string action;  // publish | subscribe
  std::string pattern;
};

struct IssuedDevice {
  DeviceCredentials credentials;
  std::string serial;
};

struct IssueOptions {
  int days = 0;
  int backdate_days = 0;
  std::string file_stem;  // defaults to the device name
};

class FleetProvisioner {
 public:
  FleetProvisioner(CertificateAuthorityCli& ca, std::string workdir);

  void ensure_role(const std::string& role, const std::vector<RoleRuleSpec>& rules);
  // Registers the device unless it exists. An existing but disabled device is an error:
  // it could never connect, so the scenario would test nothing.
  void ensure_device(const std::string& device, const std::string& role);
  // Enrolls a fresh key and certificate into <workdir>/devices/.
  IssuedDevice issue(const std::string& device, const IssueOptions& options = {});
  // Reuses <workdir>/devices/<name>.{crt,key} when they exist, else issues them.
  DeviceCredentials issue_once(const std::string& device);

  [[nodiscard]] std::set<std::string> registered_devices() const;
  // Where the CA keeps its signing key and certificate (from the registry's `ca` row).
  [[nodiscard]] std::string ca_key_path() const;
  [[nodiscard]] std::string ca_certificate_pem() const;

  [[nodiscard]] CertificateAuthorityCli& ca() noexcept { return ca_; }
  [[nodiscard]] const std::string& workdir() const noexcept { return workdir_; }
  [[nodiscard]] std::string device_file(const std::string& stem, const std::string& ext) const;

 private:
  [[nodiscard]] CaRow ca_row() const;

  CertificateAuthorityCli& ca_;
  std::string workdir_;
};

// A short tag unique to this run, for devices a scenario must create fresh every time
// (a disabled device cannot be enabled again through the CLI contract).
[[nodiscard]] std::string run_tag();

}  // namespace certacl::sim
