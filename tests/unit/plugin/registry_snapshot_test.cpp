#include "registry_snapshot.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <random>

namespace certacl::policy {
namespace {

RegistryContents sample() {
  RegistryContents contents;
  contents.change_counter = 3;
  Device d;
  d.name = "dev1";
  d.role = "sensor";
  d.enabled = true;
  d.san_dns = "dev1.example";
  contents.devices.push_back(d);
  contents.rules = {RoleRule{"sensor", RuleEffect::kAllow, RuleAction::kPublish, "a/#"},
                    RoleRule{"sensor", RuleEffect::kDeny, RuleAction::kPublish, "a/b"},
                    RoleRule{"admin", RuleEffect::kAllow, RuleAction::kSubscribe, "#"}};
  CertificateRecord c;
  c.serial = "1F";
  c.device = "dev1";
  contents.device_certificates.push_back(c);
  return contents;
}

TEST(RegistrySnapshotTest, IndexesEverything) {
  const auto snapshot = RegistrySnapshot::build(sample(), 42);
  EXPECT_EQ(snapshot->change_counter(), 3);
  EXPECT_EQ(snapshot->loaded_at(), 42);
  ASSERT_NE(snapshot->find_device("dev1"), nullptr);
  EXPECT_EQ(snapshot->find_device("dev2"), nullptr);
  EXPECT_EQ(snapshot->find_device_by_san_dns("dev1.example"), snapshot->find_device("dev1"));
  EXPECT_EQ(snapshot->find_device_by_san_uri("dev1.example"), nullptr);
  ASSERT_NE(snapshot->find_certificate("1F"), nullptr);
  EXPECT_EQ(snapshot->find_certificate("1f"), nullptr);  // serials are upper-case hex
  EXPECT_EQ(snapshot->rules_for_role("sensor").size(), 2U);
  EXPECT_EQ(snapshot->rules_for_role("admin").size(), 1U);
  EXPECT_TRUE(snapshot->rules_for_role("nobody").empty());
}

TEST(RegistrySnapshotTest, SameRulesNoticesAnyChange) {
  const auto before = RegistrySnapshot::build(sample(), 1);
  EXPECT_TRUE(before->same_rules("sensor", *RegistrySnapshot::build(sample(), 2)));
  RegistryContents changed = sample();
  changed.rules[1].pattern = "a/c";
  const auto after = RegistrySnapshot::build(std::move(changed), 2);
  EXPECT_FALSE(before->same_rules("sensor", *after));
  EXPECT_TRUE(before->same_rules("admin", *after));
}

// The delta a reader of the change log hands over: `devices`/`roles` named, with their rows.
RegistryChanges changes_after(std::int64_t after, std::int64_t counter) {
  RegistryChanges changes;
  changes.after = after;
  changes.change_counter = counter;
  changes.names.rows = static_cast<std::size_t>(counter - after);
  return changes;
}

std::string hex(int value) {
  return fmt::format("{:X}", 0x4000 + value);
}

CertificateRecord certificate(std::string serial, std::string device) {
  CertificateRecord c;
  c.serial = std::move(serial);
  c.device = std::move(device);
  return c;
}

TEST(RegistrySnapshotApplyTest, ARevocationReplacesOnlyThatDevicesCertificates) {
  const auto before = RegistrySnapshot::build(sample(), 1);
  RegistryChanges changes = changes_after(3, 4);
  changes.names.devices = {"dev1"};
  changes.devices = sample().devices;
  CertificateRecord revoked = certificate("1F", "dev1");
  revoked.revoked_at = 9;
  changes.device_certificates = {revoked};
  const auto after = RegistrySnapshot::apply(*before, std::move(changes), 2);
  ASSERT_NE(after, nullptr);
  EXPECT_TRUE(after->incremental());
  EXPECT_EQ(after->applied_changes(), 1U);
  EXPECT_EQ(after->change_counter(), 4);
  EXPECT_TRUE(after->find_certificate("1F")->revoked());
  EXPECT_FALSE(before->find_certificate("1F")->revoked()) << "the previous one is unchanged";
  ASSERT_EQ(after->certificates_of("dev1").size(), 1U);
  EXPECT_TRUE(after->certificates_of("dev1")[0].revoked());
  EXPECT_TRUE(after->same_rules("sensor", *before));
}

TEST(RegistrySnapshotApplyTest, ANewDeviceAndARemovedOneAreIndexedEverywhere) {
  const auto before = RegistrySnapshot::build(sample(), 1);
  RegistryChanges changes = changes_after(3, 6);
  changes.names.devices = {"dev1", "dev2"};
  Device dev2;
  dev2.name = "dev2";
  dev2.role = "sensor";
  dev2.enabled = true;
  dev2.san_dns = "dev1.example";  // the SAN moved from the removed dev1
  changes.devices = {dev2};
  changes.device_certificates = {certificate("1F", "dev1"), certificate("20", "dev2")};
  const auto after = RegistrySnapshot::apply(*before, std::move(changes), 2);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->find_device("dev1"), nullptr);
  ASSERT_NE(after->find_device("dev2"), nullptr);
  EXPECT_EQ(after->find_device_by_san_dns("dev1.example"), after->find_device("dev2"));
  EXPECT_EQ(after->device_count(), 1U);
  EXPECT_EQ(after->certificate_count(), 2U);
  EXPECT_EQ(after->certificates_of("dev1").size(), 1U) << "history stays";
  EXPECT_EQ(after->certificates_of("dev2").size(), 1U);
  EXPECT_NE(before->find_device("dev1"), nullptr);
  EXPECT_EQ(before->find_device("dev2"), nullptr);
}

TEST(RegistrySnapshotApplyTest, ARoleChangeRecompilesThatRoleOnly) {
  const auto before = RegistrySnapshot::build(sample(), 1);
  RegistryChanges changes = changes_after(3, 5);
  changes.names.roles = {"sensor", "gateway"};
  changes.roles = {Role{"gateway", RoleClientIdRule::kPrefix}, Role{"sensor"}};
  changes.rules = {RoleRule{"sensor", RuleEffect::kAllow, RuleAction::kPublish, "b/#"}};
  const auto after = RegistrySnapshot::apply(*before, std::move(changes), 2);
  ASSERT_NE(after, nullptr);
  ASSERT_EQ(after->rules_for_role("sensor").size(), 1U);
  EXPECT_EQ(after->rules_for_role("sensor")[0].pattern, "b/#");
  EXPECT_FALSE(after->same_rules("sensor", *before));
  EXPECT_TRUE(after->same_rules("admin", *before));
  EXPECT_EQ(after->policy_for_role("admin"), before->policy_for_role("admin")) << "shared";
  EXPECT_NE(after->policy_for_role("sensor"), before->policy_for_role("sensor"));
  EXPECT_EQ(after->client_id_rule_of_role("gateway"), RoleClientIdRule::kPrefix);
  EXPECT_EQ(before->client_id_rule_of_role("gateway"), RoleClientIdRule::kExact);
  // The same effect as reading it all.
  RegistryContents whole = sample();
  whole.rules = {RoleRule{"sensor", RuleEffect::kAllow, RuleAction::kPublish, "b/#"},
                 RoleRule{"admin", RuleEffect::kAllow, RuleAction::kSubscribe, "#"}};
  EXPECT_TRUE(after->same_rules("sensor", *RegistrySnapshot::build(std::move(whole), 2)));
}

// Issue 13: what changed since an earlier snapshot, for SessionTable::adopt.
TEST(RegistrySnapshotApplyTest, RemembersTheNamesEachStepChanged) {
  const auto whole = RegistrySnapshot::build(sample(), 1);
  RegistryChanges first = changes_after(3, 4);
  first.names.devices = {"dev1"};
  first.devices = sample().devices;
  const auto one = RegistrySnapshot::apply(*whole, std::move(first), 2);
  RegistryChanges second = changes_after(4, 5);
  second.names.roles = {"sensor"};
  const auto two = RegistrySnapshot::apply(*one, std::move(second), 3);
  ASSERT_NE(two, nullptr);

  const auto since_whole = two->changes_since(whole->generation());
  ASSERT_TRUE(since_whole.has_value());
  EXPECT_EQ(since_whole->devices, std::vector<std::string_view>{"dev1"});
  EXPECT_EQ(since_whole->roles, std::vector<std::string_view>{"sensor"});
  const auto since_one = two->changes_since(one->generation());
  ASSERT_TRUE(since_one.has_value());
  EXPECT_TRUE(since_one->devices.empty());
  EXPECT_EQ(since_one->roles, std::vector<std::string_view>{"sensor"});
  const auto since_itself = two->changes_since(two->generation());
  ASSERT_TRUE(since_itself.has_value());
  EXPECT_TRUE(since_itself->devices.empty() && since_itself->roles.empty());
  // A whole read says nothing, nor does a snapshot about one it was not built from.
  EXPECT_FALSE(whole->changes_since(one->generation()).has_value());
  EXPECT_FALSE(two->changes_since(RegistrySnapshot::build(sample(), 1)->generation()));
}

TEST(RegistrySnapshotApplyTest, ForgetsStepsBeyondItsBound) {
  const auto whole = RegistrySnapshot::build(sample(), 1);
  auto last = whole;
  for (std::size_t i = 0; i <= RegistrySnapshot::kRememberedSteps; ++i) {
    RegistryChanges changes = changes_after(last->change_counter(), last->change_counter() + 1);
    changes.names.devices = {"dev1"};
    changes.devices = sample().devices;
    last = RegistrySnapshot::apply(*last, std::move(changes), 2);
    ASSERT_NE(last, nullptr);
  }
  EXPECT_FALSE(last->changes_since(whole->generation()).has_value()) << "one step too far";
}

TEST(RegistrySnapshotApplyTest, ChangesFromAnotherCounterOrCaAreNotApplied) {
  const auto before = RegistrySnapshot::build(sample(), 1);
  EXPECT_EQ(RegistrySnapshot::apply(*before, changes_after(2, 4), 2), nullptr);
  RegistryChanges other_ca = changes_after(3, 4);
  other_ca.ca_certificate_sha256 = "ff";
  EXPECT_EQ(RegistrySnapshot::apply(*before, std::move(other_ca), 2), nullptr);
  EXPECT_FALSE(before->incremental());
}

TEST(RegistrySnapshotApplyTest, ManyDevicesAChangeCopiesOnlyTheShardsItTouches) {
  RegistryContents contents;
  for (int i = 0; i < 10000; ++i) {
    Device device;
    device.name = "dev" + std::to_string(i);
    device.role = "sensor";
    device.enabled = true;
    contents.devices.push_back(device);
    contents.device_certificates.push_back(certificate(hex(i), device.name));
  }
  auto snapshot = RegistrySnapshot::build(std::move(contents), 1);
  // 1,000 successive revocations, each applied to the one before.
  for (int i = 0; i < 1000; ++i) {
    RegistryChanges changes =
        changes_after(snapshot->change_counter(), snapshot->change_counter() + 1);
    const std::string name = "dev" + std::to_string(i * 7);
    changes.names.devices = {name};
    Device device;
    device.name = name;
    device.role = "sensor";
    device.enabled = true;
    changes.devices = {device};
    CertificateRecord revoked = certificate(hex(i * 7), name);
    revoked.revoked_at = 5;
    changes.device_certificates = {revoked};
    auto next = RegistrySnapshot::apply(*snapshot, std::move(changes), 2);
    ASSERT_NE(next, nullptr);
    snapshot = std::move(next);
  }
  EXPECT_EQ(snapshot->device_count(), 10000U);
  EXPECT_EQ(snapshot->certificate_count(), 10000U);
  EXPECT_TRUE(snapshot->find_certificate(hex(6993))->revoked());
  EXPECT_FALSE(snapshot->find_certificate(hex(6994))->revoked());
  EXPECT_EQ(snapshot->find_device("dev6993")->role(), "sensor");
  EXPECT_EQ(snapshot->change_counter(), 1000);
}

TEST(RegistrySnapshotTest, CertificatesOfARemovedDeviceOrOfNoneStayFindableBySerial) {
  RegistryContents contents = sample();
  contents.device_certificates.push_back(certificate("2A", "gone"));
  CertificateRecord orphan = certificate("2B", "");
  orphan.device.reset();
  contents.device_certificates.push_back(orphan);
  const auto snapshot = RegistrySnapshot::build(std::move(contents), 1);
  EXPECT_EQ(snapshot->device_count(), 1U);
  EXPECT_EQ(snapshot->certificate_count(), 3U);
  EXPECT_EQ(snapshot->find_device("gone"), nullptr);
  EXPECT_EQ(snapshot->certificates_of("gone").size(), 1U);
  ASSERT_NE(snapshot->find_certificate("2A"), nullptr);
  EXPECT_EQ(snapshot->find_certificate_of("gone", "2A"), snapshot->find_certificate("2A"));
  EXPECT_EQ(snapshot->find_certificate_of("dev1", "2A"), nullptr);
  ASSERT_NE(snapshot->find_certificate("2B"), nullptr);
  EXPECT_EQ(snapshot->find_certificate_of("", "2B"), nullptr) << "held by no device";
  EXPECT_TRUE(snapshot->certificates_of("").empty());
}

TEST(RegistrySnapshotTest, KeepsWhatDecisionsCompareInCompactForm) {
  RegistryContents contents = sample();
  CertificateRecord& first = contents.device_certificates[0];
  first.sha256 = std::string(62, 'a') + "0f";
  first.issuer = "CN=certacl CA";
  first.not_before = 10;
  first.not_after = 20;
  CertificateRecord renewed = certificate("-3C", "dev1");  // BN_bn2hex of a negative serial
  renewed.issuer = "CN=certacl CA";
  renewed.revoked_at = 15;
  contents.device_certificates.push_back(renewed);
  const auto snapshot = RegistrySnapshot::build(std::move(contents), 1);
  const std::span<const RegisteredCertificate> held = snapshot->certificates_of("dev1");
  ASSERT_EQ(held.size(), 2U);
  EXPECT_EQ(held[0].serial(), "1F");
  EXPECT_TRUE(held[0].fingerprint_is(std::string(62, 'a') + "0f"));
  EXPECT_FALSE(held[0].fingerprint_is(std::string(62, 'a') + "0F"));
  EXPECT_EQ(held[0].issuer(), "CN=certacl CA");
  EXPECT_EQ(held[0].not_before(), 10);
  EXPECT_EQ(held[0].not_after(), 20);
  EXPECT_FALSE(held[0].revoked());
  EXPECT_EQ(held[1].serial(), "-3C");
  EXPECT_TRUE(held[1].revoked());
  EXPECT_EQ(snapshot->find_certificate("-3C"), &held[1]);
  EXPECT_EQ(snapshot->find_certificate("3C"), nullptr);
  EXPECT_EQ(snapshot->find_device("dev1")->role(), "sensor");
}

// Applied one by one from the change log, random changes to a few hundred devices end where a
// whole read of the same registry ends: same devices, certificates, SANs, serial index.
TEST(RegistrySnapshotApplyTest, RandomChangesEndWhereAWholeBuildEnds) {
  std::mt19937 random(13);
  std::map<std::string, Device> devices;
  std::map<std::string, std::vector<CertificateRecord>> held;  // removed devices' stay
  int next_serial = 0;
  const auto name_of = [](int i) { return "dev" + std::to_string(i); };
  const auto whole = [&] {
    RegistryContents contents;
    for (const auto& [name, device] : devices) contents.devices.push_back(device);
    for (const auto& [name, certificates] : held) {
      for (const CertificateRecord& c : certificates) contents.device_certificates.push_back(c);
    }
    return contents;
  };
  for (int i = 0; i < 300; ++i) {
    Device device;
    device.name = name_of(i);
    device.role = i % 2 == 0 ? "sensor" : "gateway";
    device.enabled = true;
    if (i % 10 == 0) device.san_dns = device.name + ".example";
    devices[device.name] = device;
    held[device.name].push_back(certificate(hex(next_serial++), device.name));
  }
  std::shared_ptr<const RegistrySnapshot> snapshot = RegistrySnapshot::build(whole(), 1);
  for (int step = 0; step < 400; ++step) {
    const std::string name = name_of(static_cast<int>(random() % 330));  // some never existed
    switch (random() % 5) {
      case 0:  // removed (its certificates stay)
        devices.erase(name);
        break;
      case 1: {  // added or re-added, now with a SAN
        Device device;
        device.name = name;
        device.role = "sensor";
        device.enabled = true;
        device.san_uri = "urn:dev:" + name;
        devices[name] = device;
        break;
      }
      case 2:  // renewed: one more certificate
        held[name].push_back(certificate(hex(next_serial++), name));
        break;
      case 3:  // revoked
        for (CertificateRecord& c : held[name]) c.revoked_at = step;
        break;
      default:  // disabled
        if (devices.contains(name)) devices[name].enabled = false;
    }
    RegistryChanges changes =
        changes_after(snapshot->change_counter(), snapshot->change_counter() + 1);
    changes.names.devices = {name};
    if (devices.contains(name)) changes.devices = {devices[name]};
    changes.device_certificates = held[name];
    snapshot = RegistrySnapshot::apply(*snapshot, std::move(changes), 2);
    ASSERT_NE(snapshot, nullptr);
  }
  const auto rebuilt = RegistrySnapshot::build(whole(), 2);
  EXPECT_EQ(snapshot->device_count(), rebuilt->device_count());
  EXPECT_EQ(snapshot->certificate_count(), rebuilt->certificate_count());
  for (int i = 0; i < 330; ++i) {
    const std::string name = name_of(i);
    const RegisteredDevice* mine = snapshot->find_device(name);
    const RegisteredDevice* theirs = rebuilt->find_device(name);
    ASSERT_EQ(mine == nullptr, theirs == nullptr) << name;
    if (mine) {
      EXPECT_EQ(mine->enabled(), theirs->enabled()) << name;
      EXPECT_EQ(mine->role(), theirs->role()) << name;
    }
    ASSERT_EQ(snapshot->certificates_of(name).size(), rebuilt->certificates_of(name).size());
    for (const RegisteredCertificate& c : rebuilt->certificates_of(name)) {
      const RegisteredCertificate* found = snapshot->find_certificate_of(name, c.serial());
      ASSERT_NE(found, nullptr) << c.serial();
      EXPECT_EQ(snapshot->find_certificate(c.serial()), found);
      EXPECT_EQ(found->revoked(), c.revoked()) << c.serial();
    }
  }
  for (int i = 0; i < 330; ++i) {
    const std::string uri = "urn:dev:" + name_of(i);
    const RegisteredDevice* mine = snapshot->find_device_by_san_uri(uri);
    const RegisteredDevice* theirs = rebuilt->find_device_by_san_uri(uri);
    ASSERT_EQ(mine == nullptr, theirs == nullptr) << uri;
    if (mine) {
      EXPECT_EQ(mine->name(), theirs->name()) << uri;
    }
  }
}

TEST(ShardedTextMapTest, ACopySharesEveryShardUntilWritten) {
  ShardedTextMap<int> map;
  for (int i = 0; i < 1000; ++i) map.insert_or_assign("k" + std::to_string(i), i);
  EXPECT_EQ(map.owned_shards(), ShardedTextMap<int>::kShards);
  ShardedTextMap<int> copy = map;
  EXPECT_EQ(copy.owned_shards(), 0U);
  copy.insert_or_assign("k5", 50);
  copy.erase("k6");
  copy.erase("absent");
  EXPECT_LE(copy.owned_shards(), 2U);
  EXPECT_EQ(*copy.find("k5"), 50);
  EXPECT_EQ(*map.find("k5"), 5);
  EXPECT_EQ(copy.find("k6"), nullptr);
  EXPECT_EQ(*map.find("k6"), 6);
  EXPECT_EQ(copy.size(), 999U);
  EXPECT_EQ(map.size(), 1000U);
}

struct NumberOrder {
  static int key_of(const int& record) noexcept { return record; }
  static std::size_t shard_of(int key) noexcept { return static_cast<std::size_t>(key) * 7; }
  static bool less(int a, int b) noexcept { return a < b; }
};

TEST(ShardedSortedTableTest, ACopySharesEveryShardUntilWritten) {
  using Table = ShardedSortedTable<int, NumberOrder>;
  Table table;
  std::vector<int> records;
  for (int i = 0; i < 5000; ++i) records.push_back(4999 - i);
  records.push_back(7);  // equal keys: one record
  table.assign(std::move(records));
  EXPECT_EQ(table.size(), 5000U);
  EXPECT_EQ(table.owned_shards(), Table::kShards);
  Table copy = table;
  EXPECT_EQ(copy.owned_shards(), 0U);
  copy.erase(6);
  copy.erase(-1);  // absent: nothing copied
  copy.insert_or_assign(6000);
  copy.shrink_written();
  EXPECT_LE(copy.owned_shards(), 2U);
  EXPECT_EQ(copy.find(6), nullptr);
  ASSERT_NE(table.find(6), nullptr);
  ASSERT_NE(copy.find(6000), nullptr);
  EXPECT_EQ(table.find(6000), nullptr);
  EXPECT_EQ(copy.size(), 5000U);
  EXPECT_EQ(table.size(), 5000U);
  for (int i = 0; i < 5000; ++i) {
    ASSERT_NE(table.find(i), nullptr) << i;
    EXPECT_EQ(*table.find(i), i);
  }
}

// A whole read that lost a revocation (a failover to a standby that had not received it, a
// restored backup): the revocation stays in force, through later changes too, and is named.
RegistryContents sample_with_dev1_revoked() {
  RegistryContents contents = sample();
  contents.device_certificates[0].revoked_at = 10;
  contents.device_certificates[0].revocation_reason = 1;
  return contents;
}

TEST(RegistrySnapshotKeptRevocationTest, ARevocationAWholeReadLostStaysInForceAndIsNamed) {
  const auto before = RegistrySnapshot::build(sample_with_dev1_revoked(), 1);
  RegistryContents read = sample();  // dev1's certificate 1F there again, unrevoked
  read.change_counter = 9;
  const auto kept =
      RegistrySnapshot::keeping_revocations(RegistrySnapshot::build(read, 2), *before);
  ASSERT_NE(kept->find_certificate("1F"), nullptr);
  EXPECT_TRUE(kept->find_certificate("1F")->revoked());
  ASSERT_EQ(kept->kept_revocations().size(), 1U);
  EXPECT_EQ(kept->kept_revocations()[0].device, "dev1");
  EXPECT_EQ(kept->kept_revocations()[0].serial.text(), "1F");
  EXPECT_EQ(kept->change_counter(), 9);

  // A later change to dev1 hands over its rows from the registry, still unrevoked.
  RegistryChanges changes = changes_after(9, 10);
  changes.names.devices = {"dev1"};
  changes.devices = sample().devices;
  changes.device_certificates = sample().device_certificates;
  const auto later = RegistrySnapshot::apply(*kept, std::move(changes), 3);
  ASSERT_NE(later, nullptr);
  ASSERT_NE(later->find_certificate("1F"), nullptr);
  EXPECT_TRUE(later->find_certificate("1F")->revoked());
  EXPECT_EQ(later->kept_revocations().size(), 1U);
}

TEST(RegistrySnapshotKeptRevocationTest, NothingIsKeptWhenTheRegistryStillHasTheRevocation) {
  const auto before = RegistrySnapshot::build(sample_with_dev1_revoked(), 1);
  const auto fresh = RegistrySnapshot::build(sample_with_dev1_revoked(), 2);
  const auto kept = RegistrySnapshot::keeping_revocations(fresh, *before);
  EXPECT_EQ(kept, fresh);
  EXPECT_TRUE(kept->kept_revocations().empty());
  // A certificate gone from the registry (its device removed) is not "lost": it is unknown.
  RegistryContents removed = sample();
  removed.devices.clear();
  removed.device_certificates.clear();
  EXPECT_TRUE(RegistrySnapshot::keeping_revocations(RegistrySnapshot::build(removed, 2), *before)
                  ->kept_revocations()
                  .empty());
  // Revoked again by the CA: the next whole read keeps nothing any more.
  const auto lost =
      RegistrySnapshot::keeping_revocations(RegistrySnapshot::build(sample(), 2), *before);
  ASSERT_EQ(lost->kept_revocations().size(), 1U);
  EXPECT_TRUE(RegistrySnapshot::keeping_revocations(
                  RegistrySnapshot::build(sample_with_dev1_revoked(), 3), *lost)
                  ->kept_revocations()
                  .empty());
}

}  // namespace
}  // namespace certacl::policy
