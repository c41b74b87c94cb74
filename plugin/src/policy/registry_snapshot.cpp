#include "registry_snapshot.h"

#include <algorithm>
#include <atomic>

#include "rule_narrowing.h"

namespace certacl::policy {
namespace {

template <typename Value>
const Value* find_in(const TextMap<Value>& map, std::string_view key) noexcept {
  const auto found = map.find(key);
  return found == map.end() ? nullptr : &found->second;
}

std::uint64_t next_generation() noexcept {
  static std::atomic<std::uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

std::uint64_t name_hash(std::string_view name) noexcept {
  return TextHash{}(name);
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

// A SAN may have moved to another device in the same changes: erase only `name`'s entry.
void unindex_san(ShardedTextMap<std::string>& index, const std::optional<std::string>& san,
                 std::string_view name) {
  if (!san) return;
  const std::string* owner = index.find(*san);
  if (owner && *owner == name) index.erase(*san);
}

}  // namespace

RegisteredCertificate RegistrySnapshot::compact(const CertificateRecord& certificate,
                                                SerialKey& serial) {
  // An unpackable serial leaves `serial` without a key: kept as the device's history, never
  // found by serial (SerialKey).
  (void)SerialKey::pack(certificate.serial, serial);
  bool revoked = certificate.revoked();
  if (kept_ && !revoked && serial.valid()) {     // a change touched a device whose revocation
    for (const KeptRevocation& kept : *kept_) {  // the registry lost: it stays revoked here
      if (kept.serial == serial) revoked = true;
    }
  }
  return {serial,
          Sha256Digest::from_hex(certificate.sha256),
          texts_->intern(certificate.issuer),
          certificate.not_before,
          certificate.not_after,
          revoked};
}

void RegistrySnapshot::register_device(RegisteredDevice& entry, Device& device) {
  std::shared_ptr<const RegisteredDevice::Sans> sans;
  if (device.san_dns || device.san_uri) {
    sans = std::make_shared<const RegisteredDevice::Sans>(
        RegisteredDevice::Sans{std::move(device.san_dns), std::move(device.san_uri)});
  }
  entry.register_as(texts_->intern(device.role), device.enabled, std::move(sans));
  index_sans(entry);
}

void RegistrySnapshot::index_sans(const RegisteredDevice& device) {
  const RegisteredDevice::Sans* sans = device.sans();
  if (sans == nullptr) return;
  if (sans->dns) names_by_san_dns_.insert_or_assign(*sans->dns, device.name());
  if (sans->uri) names_by_san_uri_.insert_or_assign(*sans->uri, device.name());
}

const RegisteredDevice* RegistrySnapshot::find_entry(std::string_view name) const noexcept {
  return devices_.find(DeviceKey{name_hash(name), name});
}

RegisteredDevice& RegistrySnapshot::writable_entry(std::string_view name) {
  const DeviceKey key{name_hash(name), name};
  if (RegisteredDevice* entry = devices_.find_writable(key)) return *entry;
  return devices_.insert_or_assign(RegisteredDevice(key.hash, std::string(name)));
}

void RegistrySnapshot::remove_entry(std::string_view name) {
  const RegisteredDevice* entry = find_entry(name);
  if (entry == nullptr) return;
  for (const RegisteredCertificate& certificate : entry->certificates()) {
    const SerialEntry* indexed = serials_.find(certificate.serial_key());
    if (indexed && indexed->holder_hash == entry->hash()) serials_.erase(certificate.serial_key());
  }
  if (const RegisteredDevice::Sans* sans = entry->sans()) {
    unindex_san(names_by_san_dns_, sans->dns, name);
    unindex_san(names_by_san_uri_, sans->uri, name);
  }
  if (entry->registered()) --device_count_;
  devices_.erase(DeviceKey{entry->hash(), name});
}

std::shared_ptr<const RegistrySnapshot> RegistrySnapshot::build(RegistryContents contents,
                                                                std::int64_t loaded_at) {
  auto snapshot = std::make_shared<RegistrySnapshot>();
  snapshot->generation_ = next_generation();
  snapshot->change_counter_ = contents.change_counter;
  snapshot->loaded_at_ = loaded_at;
  snapshot->ca_sha256_ = contents.ca_certificate_sha256;

  // One record per name: every device, then every holder of a certificate that is not one
  // (a removed device's history; "" for certificates recorded without a device).
  const auto by_key = [](const RegisteredDevice& a, const RegisteredDevice& b) {
    return DeviceOrder::less(DeviceOrder::key_of(a), DeviceOrder::key_of(b));
  };
  std::vector<RegisteredDevice> entries;
  entries.reserve(contents.devices.size());
  for (Device& device : contents.devices) {
    const std::uint64_t hash = name_hash(device.name);  // before the name is moved away
    RegisteredDevice entry(hash, std::move(device.name));
    snapshot->register_device(entry, device);  // in database order: the last SAN owner wins
    entries.push_back(std::move(entry));
  }
  contents.devices = {};
  std::stable_sort(entries.begin(), entries.end(), by_key);
  const std::size_t registered = entries.size();
  const auto registered_end = entries.end();  // entries grows only after this loop
  std::vector<RegisteredDevice> history;
  for (const CertificateRecord& certificate : contents.device_certificates) {
    const std::string_view holder =
        certificate.device ? std::string_view(*certificate.device) : std::string_view();
    const RegisteredDevice probe(name_hash(holder), std::string(holder));
    auto found = std::lower_bound(entries.begin(), registered_end, probe, by_key);
    RegisteredDevice* entry = nullptr;
    if (found != registered_end && !by_key(probe, *found)) {
      entry = &*found;
    } else {
      history.push_back(probe);
      entry = &history.back();
    }
    SerialKey serial;
    entry->add_certificate(snapshot->compact(certificate, serial));
  }
  contents.device_certificates = {};
  // Merge the history records of one name (one per certificate above) into one.
  std::stable_sort(history.begin(), history.end(), by_key);
  for (RegisteredDevice& entry : history) {
    if (entries.size() > registered && !by_key(entries.back(), entry)) {
      for (const RegisteredCertificate& certificate : entry.certificates()) {
        entries.back().add_certificate(certificate);
      }
    } else {
      entries.push_back(std::move(entry));
    }
  }
  history = {};

  std::vector<SerialEntry> serials;
  for (const RegisteredDevice& entry : entries) {
    for (const RegisteredCertificate& certificate : entry.certificates()) {
      if (certificate.serial_key().valid()) {
        serials.push_back(SerialEntry{certificate.serial_key(), entry.hash()});
      }
    }
  }
  snapshot->serials_.assign(std::move(serials));
  snapshot->device_count_ = registered;
  snapshot->devices_.assign(std::move(entries));

  auto roles = std::make_shared<RoleTables>();
  add_roles(*roles, contents.roles, contents.rules);
  for (const auto& [role, rules] : roles->rules_by_role) {
    roles->policies_by_role.emplace(role, RolePolicy::compile(rules));
  }
  snapshot->roles_ = std::move(roles);
  return snapshot;
}

std::shared_ptr<const RegistrySnapshot> RegistrySnapshot::keeping_revocations(
    std::shared_ptr<const RegistrySnapshot> fresh, const RegistrySnapshot& before) {
  std::vector<KeptRevocation> lost;
  before.devices_.for_each([&](const RegisteredDevice& entry) {
    for (const RegisteredCertificate& certificate : entry.certificates()) {
      if (!certificate.revoked() || !certificate.serial_key().valid()) continue;
      const RegisteredDevice* now = fresh->find_entry(entry.name());
      const RegisteredCertificate* again =
          now != nullptr ? now->certificate_with(certificate.serial_key()) : nullptr;
      if (again != nullptr && !again->revoked()) {
        lost.push_back({entry.name(), certificate.serial_key()});
      }
    }
  });
  if (lost.empty()) return fresh;
  auto snapshot = std::make_shared<RegistrySnapshot>(*fresh);  // shares every shard
  for (const KeptRevocation& revocation : lost) {
    (void)snapshot->writable_entry(revocation.device).revoke_certificate(revocation.serial);
  }
  snapshot->devices_.shrink_written();
  snapshot->kept_ = std::make_shared<const std::vector<KeptRevocation>>(std::move(lost));
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
  snapshot->generation_ = next_generation();
  snapshot->change_counter_ = changes.change_counter;
  snapshot->loaded_at_ = loaded_at;
  snapshot->incremental_ = true;
  snapshot->applied_changes_ = changes.names.rows;

  // Every touched device is replaced whole: its row (or its absence) and all its
  // certificates, as the change log's reader read them.
  for (const std::string& name : changes.names.devices) snapshot->remove_entry(name);
  for (Device& device : changes.devices) {
    const std::string name = device.name;
    RegisteredDevice& entry = snapshot->writable_entry(name);
    if (!entry.registered()) ++snapshot->device_count_;
    snapshot->register_device(entry, device);
  }
  for (const CertificateRecord& certificate : changes.device_certificates) {
    const std::string_view holder =
        certificate.device ? std::string_view(*certificate.device) : std::string_view();
    SerialKey serial;
    const RegisteredCertificate compact = snapshot->compact(certificate, serial);
    RegisteredDevice& entry = snapshot->writable_entry(holder);
    entry.add_certificate(compact);
    if (serial.valid()) snapshot->serials_.insert_or_assign(SerialEntry{serial, entry.hash()});
  }
  snapshot->devices_.shrink_written();
  snapshot->serials_.shrink_written();

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
  snapshot->remember_step(previous.generation_, std::move(changes.names));
  return snapshot;
}

void RegistrySnapshot::remember_step(std::uint64_t base, ChangedNames names) {
  auto step = std::make_shared<AppliedStep>();
  step->base = base;
  step->devices = std::move(names.devices);
  step->roles = std::move(names.roles);
  steps_.push_back(std::move(step));
  std::size_t remembered = 0;
  std::size_t keep_from = steps_.size();
  while (keep_from > 0) {
    const AppliedStep& older = *steps_[keep_from - 1];
    remembered += older.devices.size() + older.roles.size();
    const bool newest = keep_from == steps_.size();
    if (!newest &&
        (steps_.size() - keep_from + 1 > kRememberedSteps || remembered > kRememberedNames)) {
      break;
    }
    --keep_from;
  }
  steps_.erase(steps_.begin(), steps_.begin() + static_cast<std::ptrdiff_t>(keep_from));
}

std::optional<ChangedSince> RegistrySnapshot::changes_since(std::uint64_t generation) const {
  if (generation == generation_) return ChangedSince{};
  const auto first = std::find_if(steps_.begin(), steps_.end(), [generation](const auto& step) {
    return step->base == generation;
  });
  if (first == steps_.end()) return std::nullopt;
  ChangedSince changed;
  for (auto step = first; step != steps_.end(); ++step) {
    changed.devices.insert(changed.devices.end(), (*step)->devices.begin(), (*step)->devices.end());
    changed.roles.insert(changed.roles.end(), (*step)->roles.begin(), (*step)->roles.end());
  }
  return changed;
}

const RegisteredCertificate* RegistrySnapshot::find_certificate(
    std::string_view serial) const noexcept {
  SerialKey key;
  if (!SerialKey::pack(serial, key)) return nullptr;
  const SerialEntry* indexed = serials_.find(key);
  if (indexed == nullptr) return nullptr;
  // Names whose hashes collide sit side by side: look in each.
  auto [entry, end] = devices_.from(DeviceKey{indexed->holder_hash, std::string_view()});
  for (; entry != end && entry->hash() == indexed->holder_hash; ++entry) {
    if (const RegisteredCertificate* found = entry->certificate_with(key)) {
      return found;
    }
  }
  return nullptr;
}

const RegisteredCertificate* RegistrySnapshot::find_certificate_of(
    std::string_view device, std::string_view serial) const noexcept {
  SerialKey key;
  const RegisteredDevice* entry = find_name(device);
  return entry && SerialKey::pack(serial, key) ? entry->certificate_with(key) : nullptr;
}

const RegisteredDevice* RegistrySnapshot::find_name(std::string_view name) const noexcept {
  return name.empty() ? nullptr : find_entry(name);  // "" holds certificates of no device
}

const RegisteredDevice* RegistrySnapshot::find_device(std::string_view name) const noexcept {
  const RegisteredDevice* entry = find_entry(name);
  return entry && entry->registered() ? entry : nullptr;
}

const RegisteredDevice* RegistrySnapshot::find_device_by_san_dns(
    std::string_view san) const noexcept {
  const std::string* name = names_by_san_dns_.find(san);
  return name ? find_device(*name) : nullptr;
}

const RegisteredDevice* RegistrySnapshot::find_device_by_san_uri(
    std::string_view san) const noexcept {
  const std::string* name = names_by_san_uri_.find(san);
  return name ? find_device(*name) : nullptr;
}

std::span<const RegisteredCertificate> RegistrySnapshot::certificates_of(
    std::string_view device) const noexcept {
  const RegisteredDevice* entry = find_name(device);
  return entry ? entry->certificates() : std::span<const RegisteredCertificate>();
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
  return policy::same_rules(rules_for_role(role), other.rules_for_role(role));
}

std::shared_ptr<const RolePolicy> RegistrySnapshot::policy_for_role(std::string_view role) const {
  const std::shared_ptr<const RolePolicy>* policy = find_in(roles_->policies_by_role, role);
  if (policy) return *policy;
  static const std::shared_ptr<const RolePolicy> kNoRules = RolePolicy::compile({});
  return kNoRules;
}

}  // namespace certacl::policy
