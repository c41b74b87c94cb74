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

}  // namespace

std::shared_ptr<const RegistrySnapshot> RegistrySnapshot::build(RegistryContents contents,
                                                                std::int64_t loaded_at) {
  auto snapshot = std::make_shared<RegistrySnapshot>();
  snapshot->change_counter_ = contents.change_counter;
  snapshot->loaded_at_ = loaded_at;
  snapshot->ca_sha256_ = contents.ca_certificate_sha256;
  snapshot->certificates_.reserve(contents.device_certificates.size());
  for (CertificateRecord& certificate : contents.device_certificates) {
    std::string serial = certificate.serial;
    snapshot->certificates_.emplace(std::move(serial), std::move(certificate));
  }
  snapshot->devices_.reserve(contents.devices.size());
  for (Device& device : contents.devices) {
    std::string name = device.name;
    snapshot->devices_.emplace(std::move(name), std::move(device));
  }
  // Pointers into devices_ stay valid: the map is never modified after this point.
  for (const auto& [name, device] : snapshot->devices_) {
    if (device.san_dns) snapshot->devices_by_san_dns_.emplace(*device.san_dns, &device);
    if (device.san_uri) snapshot->devices_by_san_uri_.emplace(*device.san_uri, &device);
  }
  for (const auto& [serial, certificate] : snapshot->certificates_) {
    if (certificate.device) {
      snapshot->certificates_by_device_[*certificate.device].push_back(&certificate);
    }
  }
  for (Role& role : contents.roles) {
    if (role.client_id_rule != RoleClientIdRule::kExact) {
      snapshot->prefix_roles_.emplace(std::move(role.name), role.client_id_rule);
    }
  }
  for (RoleRule& rule : contents.rules) {
    std::string role = rule.role;
    snapshot->rules_by_role_[std::move(role)].push_back(std::move(rule));
  }

  for (const auto& [role, rules] : snapshot->rules_by_role_) {
    snapshot->policies_by_role_.emplace(role, RolePolicy::compile(rules));
  }
  return snapshot;
}

const CertificateRecord* RegistrySnapshot::find_certificate(
    std::string_view serial) const noexcept {
  return find_in(certificates_, serial);
}

const Device* RegistrySnapshot::find_device(std::string_view name) const noexcept {
  return find_in(devices_, name);
}

const Device* RegistrySnapshot::find_device_by_san_dns(std::string_view san) const noexcept {
  const Device* const* device = find_in(devices_by_san_dns_, san);
  return device ? *device : nullptr;
}

const Device* RegistrySnapshot::find_device_by_san_uri(std::string_view san) const noexcept {
  const Device* const* device = find_in(devices_by_san_uri_, san);
  return device ? *device : nullptr;
}

std::span<const CertificateRecord* const> RegistrySnapshot::certificates_of(
    std::string_view device) const noexcept {
  const std::vector<const CertificateRecord*>* certificates =
      find_in(certificates_by_device_, device);
  if (!certificates) return {};
  return {certificates->data(), certificates->size()};
}

RoleClientIdRule RegistrySnapshot::client_id_rule_of_role(std::string_view role) const noexcept {
  if (prefix_roles_.empty()) return RoleClientIdRule::kExact;  // no hashing on every connect
  const RoleClientIdRule* rule = find_in(prefix_roles_, role);
  return rule ? *rule : RoleClientIdRule::kExact;
}

std::span<const RoleRule> RegistrySnapshot::rules_for_role(std::string_view role) const noexcept {
  const std::vector<RoleRule>* rules = find_in(rules_by_role_, role);
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
  const std::shared_ptr<const RolePolicy>* policy = find_in(policies_by_role_, role);
  if (policy) return *policy;
  static const std::shared_ptr<const RolePolicy> kNoRules = RolePolicy::compile({});
  return kNoRules;
}

}  // namespace certacl::policy
