#include "registry_snapshot.h"

#include <algorithm>

namespace certacl::policy {
namespace {

template <typename Value>
const Value* find_in(const TextMap<Value>& map, std::string_view key) noexcept {
  const auto found = map.find(key);
  return found == map.end() ? nullptr : &found->second;
}

bool same_rule(const RoleRule& a, const RoleRule& b) noexcept {
  return a.effect == b.effect && a.action == b.action && a.pattern == b.pattern;
}

// Records roles' client-id rules and groups rules by role; compiling is the caller's.
template <typename Tables>
void add_roles(Tables& tables, std::vector<Role>& roles, std::vector<RoleRule>& rules) {
  for (Role& role : roles) {
    if (role.client_id_rule != RoleClientIdRule::kExact) {
      tables.prefix_roles.emplace(std::move(role.name), role.client_id_rule);
    }
  }
  for (RoleRule& rule : rules) {
    std::string role = rule.role;
    tables.rules_by_role[std::move(role)].push_back(std::move(rule));
  }
}

}  // namespace

void RegistrySnapshot::add_device(Device device) {
  auto shared = std::make_shared<const Device>(std::move(device));
  if (shared->san_dns) devices_by_san_dns_.insert_or_assign(*shared->san_dns, shared);
  if (shared->san_uri) devices_by_san_uri_.insert_or_assign(*shared->san_uri, shared);
  std::string name = shared->name;
  devices_.insert_or_assign(std::move(name), std::move(shared));
}

void RegistrySnapshot::remove_device(std::string_view name) {
  const DevicePtr* found = devices_.find(name);
  if (found == nullptr) return;
  const DevicePtr device = *found;
  // A SAN may have moved to another device in the same changes: erase only our own entry.
  if (device->san_dns) {
    const DevicePtr* owner = devices_by_san_dns_.find(*device->san_dns);
    if (owner && *owner == device) devices_by_san_dns_.erase(*device->san_dns);
  }
  if (device->san_uri) {
    const DevicePtr* owner = devices_by_san_uri_.find(*device->san_uri);
    if (owner && *owner == device) devices_by_san_uri_.erase(*device->san_uri);
  }
  devices_.erase(name);
}

void RegistrySnapshot::add_certificate(CertificateRecord certificate) {
  auto shared = std::make_shared<const CertificateRecord>(std::move(certificate));
  if (shared->device) certificates_by_device_[*shared->device].push_back(shared.get());
  std::string serial = shared->serial;
  certificates_.insert_or_assign(std::move(serial), std::move(shared));
}

void RegistrySnapshot::remove_certificates_of(std::string_view device) {
  const auto* held = certificates_by_device_.find(device);
  if (held == nullptr) return;
  for (const CertificateRecord* certificate : *held) certificates_.erase(certificate->serial);
  certificates_by_device_.erase(device);
}

std::shared_ptr<const RegistrySnapshot> RegistrySnapshot::build(RegistryContents contents,
                                                                std::int64_t loaded_at) {
  auto snapshot = std::make_shared<RegistrySnapshot>();
  snapshot->change_counter_ = contents.change_counter;
  snapshot->loaded_at_ = loaded_at;
  snapshot->ca_sha256_ = contents.ca_certificate_sha256;
  for (CertificateRecord& certificate : contents.device_certificates) {
    snapshot->add_certificate(std::move(certificate));
  }
  for (Device& device : contents.devices) snapshot->add_device(std::move(device));

  auto roles = std::make_shared<RoleTables>();
  add_roles(*roles, contents.roles, contents.rules);
  for (const auto& [role, rules] : roles->rules_by_role) {
    roles->policies_by_role.emplace(role, RolePolicy::compile(rules));
  }
  snapshot->roles_ = std::move(roles);
  return snapshot;
}

std::shared_ptr<const RegistrySnapshot> RegistrySnapshot::apply(const RegistrySnapshot& previous,
                                                                RegistryChanges changes,
                                                                std::int64_t loaded_at) {
  if (changes.after != previous.change_counter_ ||
      changes.ca_certificate_sha256 != previous.ca_sha256_) {
    return nullptr;
  }
  auto snapshot = std::make_shared<RegistrySnapshot>(previous);  // shares every shard
  snapshot->change_counter_ = changes.change_counter;
  snapshot->loaded_at_ = loaded_at;
  snapshot->incremental_ = true;
  snapshot->applied_changes_ = changes.names.rows;

  // Every touched device is replaced whole: its row (or its absence) and all its
  // certificates, as the change log's reader read them.
  for (const std::string& name : changes.names.devices) {
    snapshot->remove_certificates_of(name);
    snapshot->remove_device(name);
  }
  for (Device& device : changes.devices) snapshot->add_device(std::move(device));
  for (CertificateRecord& certificate : changes.device_certificates) {
    snapshot->add_certificate(std::move(certificate));
  }

  if (!changes.names.roles.empty()) {
    auto roles = std::make_shared<RoleTables>(*previous.roles_);
    for (const std::string& name : changes.names.roles) {
      roles->policies_by_role.erase(name);
      roles->prefix_roles.erase(name);
      roles->rules_by_role.erase(name);
    }
    add_roles(*roles, changes.roles, changes.rules);
    for (const std::string& name : changes.names.roles) {
      if (const auto* rules = find_in(roles->rules_by_role, name)) {
        roles->policies_by_role.emplace(name, RolePolicy::compile(*rules));
      }
    }
    snapshot->roles_ = std::move(roles);
  }
  return snapshot;
}

const CertificateRecord* RegistrySnapshot::find_certificate(
    std::string_view serial) const noexcept {
  const CertificatePtr* certificate = certificates_.find(serial);
  return certificate ? certificate->get() : nullptr;
}

const Device* RegistrySnapshot::find_device(std::string_view name) const noexcept {
  const DevicePtr* device = devices_.find(name);
  return device ? device->get() : nullptr;
}

const Device* RegistrySnapshot::find_device_by_san_dns(std::string_view san) const noexcept {
  const DevicePtr* device = devices_by_san_dns_.find(san);
  return device ? device->get() : nullptr;
}

const Device* RegistrySnapshot::find_device_by_san_uri(std::string_view san) const noexcept {
  const DevicePtr* device = devices_by_san_uri_.find(san);
  return device ? device->get() : nullptr;
}

std::span<const CertificateRecord* const> RegistrySnapshot::certificates_of(
    std::string_view device) const noexcept {
  const std::vector<const CertificateRecord*>* certificates = certificates_by_device_.find(device);
  if (!certificates) return {};
  return {certificates->data(), certificates->size()};
}

RoleClientIdRule RegistrySnapshot::client_id_rule_of_role(std::string_view role) const noexcept {
  if (roles_->prefix_roles.empty()) return RoleClientIdRule::kExact;  // no hashing per connect
  const RoleClientIdRule* rule = find_in(roles_->prefix_roles, role);
  return rule ? *rule : RoleClientIdRule::kExact;
}

std::span<const RoleRule> RegistrySnapshot::rules_for_role(std::string_view role) const noexcept {
  const std::vector<RoleRule>* rules = find_in(roles_->rules_by_role, role);
  if (!rules) return {};
  return {rules->data(), rules->size()};
}

bool RegistrySnapshot::same_rules(std::string_view role,
                                  const RegistrySnapshot& other) const noexcept {
  const std::span<const RoleRule> mine = rules_for_role(role);
  const std::span<const RoleRule> theirs = other.rules_for_role(role);
  return std::equal(mine.begin(), mine.end(), theirs.begin(), theirs.end(), same_rule);
}

std::shared_ptr<const RolePolicy> RegistrySnapshot::policy_for_role(std::string_view role) const {
  const std::shared_ptr<const RolePolicy>* policy = find_in(roles_->policies_by_role, role);
  if (policy) return *policy;
  static const std::shared_ptr<const RolePolicy> kNoRules = RolePolicy::compile({});
  return kNoRules;
}

}  // namespace certacl::policy
