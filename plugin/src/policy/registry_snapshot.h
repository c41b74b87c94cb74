#pragma once
// An immutable, indexed copy of the registry, built off the broker thread and then only
// read. Every connect check and every live-session review looks things up here, never in
// SQLite. A snapshot is built either from the whole registry (build) or from the previous
// one plus the rows the change log names (apply); the second shares every unchanged shard
// of the previous one (sharded_sorted_table.h), so a change costs the rows it touches, not a
// copy of the registry.
//
// Records are compact (registered_device.h): one record per device name holding the device
// and its certificates inline, plus one index from packed serial to that record, so that
// 100,000 devices take about 20 MB (docs/SCALING.md, "Memory").
//
// A snapshot also says what changed since the snapshots it was applied to (changes_since):
// the names of the devices and roles the change log touched over its last applied steps.
// The broker thread re-checks only the sessions of those names when it adopts one
// (SessionTable::adopt); a whole read says nothing, and every session is re-checked.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "certacl/registry.h"
#include "registered_device.h"
#include "role_policy.h"
#include "sharded_sorted_table.h"
#include "sharded_text_map.h"
#include "text_lookup.h"

namespace certacl::policy {

// The devices and roles whose rows changed between two snapshots, as names (sorted within
// each step, possibly repeated across steps). Views into the later snapshot, which must
// outlive them.
struct ChangedSince {
  std::vector<std::string_view> devices;
  std::vector<std::string_view> roles;
};

// A revocation that the snapshot in force held and a later whole read of the registry did
// not: the certificate is there again, unrevoked. certacl-ca never undoes a revocation, so
// the registry lost it (a failover to a standby that had not received it, a restored
// backup, a hand edit). The broker keeps it in force and says so (keeping_revocations).
struct KeptRevocation {
  std::string device;
  SerialKey serial;
};

class RegistrySnapshot {
 public:
  // How many applied steps a snapshot remembers, and how many names at most over them
  // (the newest step is always kept whole). A broker adopting a snapshot built further
  // from the one in force than that re-checks every session: fail closed, never a miss.
  static constexpr std::size_t kRememberedSteps = 64;
  static constexpr std::size_t kRememberedNames = 16'384;

  // Unix seconds at which the contents were read; drives the stale limit.
  static std::shared_ptr<const RegistrySnapshot> build(RegistryContents contents,
                                                       std::int64_t loaded_at);
  // `previous` plus `changes`, or nullptr when they do not start at previous's counter or
  // name another CA: the caller then loads the whole registry.
  static std::shared_ptr<const RegistrySnapshot> apply(const RegistrySnapshot& previous,
                                                       RegistryChanges changes,
                                                       std::int64_t loaded_at);

  // `fresh`, a whole read, with every certificate `before` held revoked and `fresh` holds
  // unrevoked revoked again; those stay revoked through the changes applied after it, and
  // kept_revocations() names them. `fresh` itself when nothing was lost.
  static std::shared_ptr<const RegistrySnapshot> keeping_revocations(
      std::shared_ptr<const RegistrySnapshot> fresh, const RegistrySnapshot& before);
  [[nodiscard]] std::span<const KeptRevocation> kept_revocations() const noexcept {
    return kept_ ? std::span<const KeptRevocation>(*kept_) : std::span<const KeptRevocation>();
  }

  // Any recorded device certificate with this serial, whoever holds it.
  [[nodiscard]] const RegisteredCertificate* find_certificate(
      std::string_view serial) const noexcept;
  // The certificate with this serial only if it was issued to `device` (never for "").
  [[nodiscard]] const RegisteredCertificate* find_certificate_of(
      std::string_view device, std::string_view serial) const noexcept;
  // The record of a name the registry knows: a registered device, or the certificates a
  // removed one left (registered() false); nullptr for "" and unknown names.
  [[nodiscard]] const RegisteredDevice* find_name(std::string_view name) const noexcept;
  // Registered devices only (not the history a removed device left).
  [[nodiscard]] const RegisteredDevice* find_device(std::string_view name) const noexcept;
  [[nodiscard]] const RegisteredDevice* find_device_by_san_dns(std::string_view san) const noexcept;
  [[nodiscard]] const RegisteredDevice* find_device_by_san_uri(std::string_view san) const noexcept;
  // Every certificate issued to the device (revoked and expired ones included, and those of
  // a removed device, kept as history).
  [[nodiscard]] std::span<const RegisteredCertificate> certificates_of(
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
  [[nodiscard]] std::size_t device_count() const noexcept { return device_count_; }
  [[nodiscard]] std::size_t certificate_count() const noexcept { return serials_.size(); }
  // How this snapshot was made: from the change log (and how many rows), or a full read.
  [[nodiscard]] bool incremental() const noexcept { return incremental_; }
  [[nodiscard]] std::size_t applied_changes() const noexcept { return applied_changes_; }

  // Tells this snapshot apart from every other one built in this process (never 0).
  [[nodiscard]] std::uint64_t generation() const noexcept { return generation_; }
  // The names changed between the snapshot of `generation` and this one: empty for this
  // snapshot itself; nullopt when this one cannot say (a whole read, a snapshot it was not
  // built from, or one more than kRememberedSteps steps back): anything may have changed.
  [[nodiscard]] std::optional<ChangedSince> changes_since(std::uint64_t generation) const;

 private:
  // Small (one entry per role), so a role change copies them whole; shared otherwise.
  struct RoleTables {
    TextMap<std::shared_ptr<const RolePolicy>> policies_by_role;
    TextMap<RoleClientIdRule> prefix_roles;  // only roles whose rule is not exact
    TextMap<std::vector<RoleRule>> rules_by_role;
  };
  // One apply(): the snapshot it started from and the names the change log touched.
  struct AppliedStep {
    std::uint64_t base = 0;
    std::vector<std::string> devices;
    std::vector<std::string> roles;
  };
  struct DeviceKey {
    std::uint64_t hash;
    std::string_view name;
  };
  struct DeviceOrder {
    static DeviceKey key_of(const RegisteredDevice& device) noexcept {
      return {device.hash(), device.name()};
    }
    static std::size_t shard_of(const DeviceKey& key) noexcept { return key.hash >> 40; }
    static bool less(const DeviceKey& a, const DeviceKey& b) noexcept {
      return a.hash != b.hash ? a.hash < b.hash : a.name < b.name;
    }
  };
  // Serial → the hash of its holder's name; the holder's record has the certificate.
  struct SerialEntry {
    SerialKey serial;
    std::uint64_t holder_hash = 0;
  };
  struct SerialOrder {
    static const SerialKey& key_of(const SerialEntry& entry) noexcept { return entry.serial; }
    static std::size_t shard_of(const SerialKey& key) noexcept { return key.hash() >> 40; }
    static bool less(const SerialKey& a, const SerialKey& b) noexcept {
      return a.bytes() < b.bytes();
    }
  };
  using DeviceTable = ShardedSortedTable<RegisteredDevice, DeviceOrder>;
  using SerialTable = ShardedSortedTable<SerialEntry, SerialOrder>;

  [[nodiscard]] const RegisteredDevice* find_entry(std::string_view name) const noexcept;
  void index_sans(const RegisteredDevice& device);
  void remove_entry(std::string_view name);
  RegisteredDevice& writable_entry(std::string_view name);
  [[nodiscard]] RegisteredCertificate compact(const CertificateRecord& certificate,
                                              SerialKey& serial);
  void register_device(RegisteredDevice& entry, Device& device);

  void remember_step(std::uint64_t base, ChangedNames names);

  std::uint64_t generation_ = 0;
  // The last steps applied, oldest first, shared along apply; empty after a whole read.
  std::vector<std::shared_ptr<const AppliedStep>> steps_;
  std::int64_t change_counter_ = 0;
  std::int64_t loaded_at_ = 0;
  std::string ca_sha256_;
  bool incremental_ = false;
  std::size_t applied_changes_ = 0;
  std::size_t device_count_ = 0;  // registered entries of devices_
  std::shared_ptr<TextPool> texts_ = std::make_shared<TextPool>();  // shared along apply
  std::shared_ptr<const RoleTables> roles_ = std::make_shared<const RoleTables>();
  DeviceTable devices_;
  SerialTable serials_;
  // Revocations this broker keeps although the registry lost them; shared along apply.
  std::shared_ptr<const std::vector<KeptRevocation>> kept_;
  // Only the devices that have a SAN, to the device's name.
  ShardedTextMap<std::string> names_by_san_dns_;
  ShardedTextMap<std::string> names_by_san_uri_;
};

}  // namespace certacl::policy
