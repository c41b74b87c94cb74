#pragma once
// An immutable, indexed copy of the registry, built off the broker thread and then only
// read. Every connect check and every live-session review looks things up here, never in
// SQLite. A snapshot is built either from the whole registry (build) or from the previous
// one plus the rows the change log names (apply); the second shares every unchanged shard
// of the previous one (sharded_text_map.h), so a change costs the rows it touches, not a
// copy of the registry.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "certacl/registry.h"
#include "role_policy.h"
#include "sharded_text_map.h"
#include "text_lookup.h"

namespace certacl::policy {

class RegistrySnapshot {
 public:
  // Unix seconds at which the contents were read; drives the stale limit.
  static std::shared_ptr<const RegistrySnapshot> build(RegistryContents contents,
                                                       std::int64_t loaded_at);
  // `previous` plus `changes`, or nullptr when they do not start at previous's counter or
  // name another CA: the caller then loads the whole registry.
  static std::shared_ptr<const RegistrySnapshot> apply(const RegistrySnapshot& previous,
                                                       RegistryChanges changes,
                                                       std::int64_t loaded_at);

  [[nodiscard]] const CertificateRecord* find_certificate(std::string_view serial) const noexcept;
  [[nodiscard]] const Device* find_device(std::string_view name) const noexcept;
  [[nodiscard]] const Device* find_device_by_san_dns(std::string_view san) const noexcept;
  [[nodiscard]] const Device* find_device_by_san_uri(std::string_view san) const noexcept;
  // Every certificate issued to the device (revoked and expired ones included).
  [[nodiscard]] std::span<const CertificateRecord* const> certificates_of(
      std::string_view device) const noexcept;
  // The role's own client-id rule (`role add --client-id`); exact for an unknown role.
  [[nodiscard]] RoleClientIdRule client_id_rule_of_role(std::string_view role) const noexcept;
  // Rules of a role in database order; empty for an unknown role.
  [[nodiscard]] std::span<const RoleRule> rules_for_role(std::string_view role) const noexcept;
  // True when `role` has exactly the same rules here as in `other`.
  [[nodiscard]] bool same_rules(std::string_view role,
                                const RegistrySnapshot& other) const noexcept;
  // The role's rules compiled once when the snapshot was built (off the broker thread) and
  // shared by all its sessions through ClientAcl::bind; an unknown role's denies everything.
  [[nodiscard]] std::shared_ptr<const RolePolicy> policy_for_role(std::string_view role) const;

  [[nodiscard]] std::int64_t change_counter() const noexcept { return change_counter_; }
  [[nodiscard]] std::int64_t loaded_at() const noexcept { return loaded_at_; }
  [[nodiscard]] const std::string& ca_certificate_sha256() const noexcept { return ca_sha256_; }
  [[nodiscard]] std::size_t device_count() const noexcept { return devices_.size(); }
  [[nodiscard]] std::size_t certificate_count() const noexcept { return certificates_.size(); }
  // How this snapshot was made: from the change log (and how many rows), or a full read.
  [[nodiscard]] bool incremental() const noexcept { return incremental_; }
  [[nodiscard]] std::size_t applied_changes() const noexcept { return applied_changes_; }

 private:
  using DevicePtr = std::shared_ptr<const Device>;
  using CertificatePtr = std::shared_ptr<const CertificateRecord>;
  // Small (one entry per role), so a role change copies them whole; shared otherwise.
  struct RoleTables {
    TextMap<std::shared_ptr<const RolePolicy>> policies_by_role;
    TextMap<RoleClientIdRule> prefix_roles;  // only roles whose rule is not exact
    TextMap<std::vector<RoleRule>> rules_by_role;
  };

  void add_device(Device device);
  void remove_device(std::string_view name);
  void add_certificate(CertificateRecord certificate);
  void remove_certificates_of(std::string_view device);

  std::int64_t change_counter_ = 0;
  std::int64_t loaded_at_ = 0;
  std::string ca_sha256_;
  bool incremental_ = false;
  std::size_t applied_changes_ = 0;
  std::shared_ptr<const RoleTables> roles_ = std::make_shared<const RoleTables>();
  ShardedTextMap<CertificatePtr> certificates_;
  ShardedTextMap<DevicePtr> devices_;
  ShardedTextMap<DevicePtr> devices_by_san_dns_;
  ShardedTextMap<DevicePtr> devices_by_san_uri_;
  // Points into the records certificates_ holds, so valid as long as this snapshot is.
  ShardedTextMap<std::vector<const CertificateRecord*>> certificates_by_device_;
};

}  // namespace certacl::policy
