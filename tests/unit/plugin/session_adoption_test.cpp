// Issue 13: adopting a snapshot applied from the change log re-checks only the sessions the
// change concerns (its devices, its roles, the client ids a new device name takes), and all
// of them whenever the snapshot cannot say what changed since the one in force. Each case
// is compared with what a whole read would have done.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "session_table.h"
#include "session_test_certificates.h"

namespace certacl::policy {
namespace {

constexpr std::int64_t kNow = kTestNow;

// The registry as the CA holds it; snapshots are built from it whole or, like the broker's
// watcher does, applied from the rows of the names a change touched.
struct Registry {
  RegistryContents contents;

  Registry() {
    contents.change_counter = 1;
    add_device("dev-a", "sensor", "0A");
    add_device("dev-b", "sensor", "0B");
    add_device("ctl-1", "admin", "0C");
    contents.roles = {Role{"sensor", RoleClientIdRule::kPrefix},
                      Role{"admin", RoleClientIdRule::kPrefix}};
    contents.rules = {
        RoleRule{"sensor", RuleEffect::kAllow, RuleAction::kPublish, "fleet/%u/#"},
        RoleRule{"sensor", RuleEffect::kAllow, RuleAction::kSubscribe, "cmd/%u/#"},
        RoleRule{"admin", RuleEffect::kAllow, RuleAction::kSubscribe, "#"},
        // So that moving a sensor to admin takes no delivery right away (rule_narrowing.h).
        RoleRule{"admin", RuleEffect::kAllow, RuleAction::kSubscribe, "cmd/%u/#"}};
  }

  void add_device(const std::string& name, const std::string& role, const std::string& serial) {
    Device device;
    device.name = name;
    device.role = role;
    device.enabled = true;
    contents.devices.push_back(device);
    contents.device_certificates.push_back(test_certificate_record(serial, name));
  }

  void revoke(const std::string& serial) {
    for (CertificateRecord& certificate : contents.device_certificates) {
      if (certificate.serial == serial) certificate.revoked_at = kNow;
    }
  }

  std::shared_ptr<const RegistrySnapshot> whole() {
    ++contents.change_counter;
    return RegistrySnapshot::build(contents, kNow);
  }

  // One change-log row per name, read back as load_registry_changes does.
  std::shared_ptr<const RegistrySnapshot> applied(const RegistrySnapshot& previous,
                                                  std::vector<std::string> devices,
                                                  std::vector<std::string> roles) {
    std::sort(devices.begin(), devices.end());
    std::sort(roles.begin(), roles.end());
    RegistryChanges changes;
    changes.after = previous.change_counter();
    contents.change_counter =
        previous.change_counter() + static_cast<std::int64_t>(devices.size() + roles.size());
    changes.change_counter = contents.change_counter;
    changes.names.rows = devices.size() + roles.size();
    for (const Device& device : contents.devices) {
      if (std::binary_search(devices.begin(), devices.end(), device.name)) {
        changes.devices.push_back(device);
      }
    }
    for (const CertificateRecord& certificate : contents.device_certificates) {
      if (std::binary_search(devices.begin(), devices.end(), *certificate.device)) {
        changes.device_certificates.push_back(certificate);
      }
    }
    for (const Role& role : contents.roles) {
      if (std::binary_search(roles.begin(), roles.end(), role.name)) changes.roles.push_back(role);
    }
    for (const RoleRule& rule : contents.rules) {
      if (std::binary_search(roles.begin(), roles.end(), rule.role)) changes.rules.push_back(rule);
    }
    changes.names.devices = std::move(devices);
    changes.names.roles = std::move(roles);
    auto snapshot = RegistrySnapshot::apply(previous, std::move(changes), kNow);
    EXPECT_NE(snapshot, nullptr);
    return snapshot;
  }
};

class SessionAdoptionTest : public ::testing::Test {
 protected:
  void SetUp() override { admit_all(table_); }

  void admit_all(SessionTable& table) {
    admit(table, &dev_a_, "dev-a", "0A", "dev-a-1");
    admit(table, &dev_b_, "dev-b", "0B", "dev-b-x-1");  // prefix rule: dev-b's while no "dev-b-x"
    admit(table, &ctl_, "ctl-1", "0C", "ctl-1-0");
    (void)table.take_effects();
  }

  static void admit(SessionTable& table, ClientKey client, const std::string& cn,
                    const std::string& serial, const std::string& client_id) {
    const PresentedCertificate certificate = test_presented_certificate(cn, serial);
    AdmitRequest request;
    request.client = client;
    request.certificate = &certificate;
    request.certificate_present = true;
    request.client_id = client_id;
    request.now = kNow;
    const bool accepted = table.admit(request).accept;
    std::string why;
    for (const LogEvent& event : table.take_effects().lines) why += event.line + "\n";
    ASSERT_TRUE(accepted) << why;
  }

  // The clients `table` kicked since the last call.
  static std::set<ClientKey> kicked(SessionTable& table) {
    std::set<ClientKey> clients;
    for (const KickOrder& order : table.take_effects().kicks) clients.insert(order.client);
    return clients;
  }

  std::uint64_t rechecked() const { return table_.adoption_counts().sessions_rechecked; }

  Registry registry_;
  SessionTable table_{SessionTableOptions{}, registry_.whole()};
  int dev_a_ = 0;
  int dev_b_ = 0;
  int ctl_ = 0;
};

TEST_F(SessionAdoptionTest, ARevocationDropsItsDeviceAndLooksAtNoOtherSession) {
  registry_.revoke("0A");
  table_.adopt(registry_.applied(table_.registry(), {"dev-a"}, {}), kNow);
  EXPECT_EQ(kicked(table_), std::set<ClientKey>{&dev_a_});
  EXPECT_EQ(table_.check(&dev_a_, Check::kPublish, "fleet/dev-a/t"), Answer::kDisconnect);
  EXPECT_EQ(table_.check(&dev_b_, Check::kPublish, "fleet/dev-b/t"), Answer::kAllow);
  EXPECT_EQ(rechecked(), 1U) << "dev-b and ctl-1 were not looked at";
  EXPECT_EQ(table_.adoption_counts().whole, 0U);
}

TEST_F(SessionAdoptionTest, ARuleChangeRechecksEverySessionOfThatRoleOnly) {
  registry_.contents.rules.push_back(
      RoleRule{"sensor", RuleEffect::kAllow, RuleAction::kPublish, "extra/%u"});
  table_.adopt(registry_.applied(table_.registry(), {}, {"sensor"}), kNow);
  EXPECT_TRUE(kicked(table_).empty()) << "a wider publish rule is recompiled in place";
  EXPECT_EQ(rechecked(), 2U) << "dev-a and dev-b, not ctl-1";
  EXPECT_EQ(table_.check(&dev_a_, Check::kPublish, "extra/dev-a"), Answer::kAllow);
  EXPECT_EQ(table_.check(&dev_b_, Check::kPublish, "extra/dev-b"), Answer::kAllow);

  // A narrowed delivery rule kicks the role's sessions, and only them.
  registry_.contents.rules.push_back(
      RoleRule{"sensor", RuleEffect::kDeny, RuleAction::kSubscribe, "cmd/%u/private"});
  table_.adopt(registry_.applied(table_.registry(), {}, {"sensor"}), kNow);
  EXPECT_EQ(kicked(table_), (std::set<ClientKey>{&dev_a_, &dev_b_}));
  EXPECT_EQ(table_.check(&ctl_, Check::kSubscribe, "cmd/#"), Answer::kAllow);
}

TEST_F(SessionAdoptionTest, ADeviceMovedToAnotherRoleIsRecompiledUnderIt) {
  registry_.contents.devices[0].role = "admin";  // dev-a
  table_.adopt(registry_.applied(table_.registry(), {"dev-a"}, {}), kNow);
  EXPECT_TRUE(kicked(table_).empty());
  EXPECT_EQ(rechecked(), 1U);
  EXPECT_EQ(table_.check(&dev_a_, Check::kSubscribe, "anything/#"), Answer::kAllow);
  // Now of role admin: a change to sensor no longer concerns it, one to admin does.
  registry_.contents.rules.push_back(
      RoleRule{"admin", RuleEffect::kAllow, RuleAction::kPublish, "ops/#"});
  table_.adopt(registry_.applied(table_.registry(), {}, {"admin"}), kNow);
  EXPECT_EQ(rechecked(), 3U) << "dev-a and ctl-1";
  EXPECT_EQ(table_.check(&dev_a_, Check::kPublish, "ops/x"), Answer::kAllow);
}

TEST_F(SessionAdoptionTest, ARemovedOrDisabledDeviceIsDropped) {
  registry_.contents.devices[2].enabled = false;  // ctl-1
  std::erase_if(registry_.contents.devices, [](const Device& d) { return d.name == "dev-a"; });
  table_.adopt(registry_.applied(table_.registry(), {"ctl-1", "dev-a"}, {}), kNow);
  EXPECT_EQ(kicked(table_), (std::set<ClientKey>{&dev_a_, &ctl_}));
  EXPECT_EQ(rechecked(), 2U);
}

TEST_F(SessionAdoptionTest, ANewDeviceTakesBackTheClientIdsItNowOwns) {
  // dev-b connected as "dev-b-x-1"; once "dev-b-x" is registered that id is dev-b-x's.
  registry_.add_device("dev-b-x", "sensor", "0D");
  table_.adopt(registry_.applied(table_.registry(), {"dev-b-x"}, {}), kNow);
  EXPECT_EQ(kicked(table_), std::set<ClientKey>{&dev_b_});
  EXPECT_EQ(table_.counters().get(Check::kKick, Reason::kClientIdMismatch), 1U);
  EXPECT_EQ(rechecked(), 1U);
  // A name that owns no live session's client id looks at none.
  registry_.add_device("dev", "sensor", "0E");  // shorter than dev-a and dev-b: theirs win
  table_.adopt(registry_.applied(table_.registry(), {"dev"}, {}), kNow);
  EXPECT_TRUE(kicked(table_).empty());
  EXPECT_EQ(rechecked(), 1U);
}

TEST_F(SessionAdoptionTest, AWholeReadRechecksEverySession) {
  registry_.revoke("0A");
  table_.adopt(registry_.whole(), kNow);
  EXPECT_EQ(kicked(table_), std::set<ClientKey>{&dev_a_});
  EXPECT_EQ(rechecked(), 3U);
  EXPECT_EQ(table_.adoption_counts().whole, 1U);
}

TEST_F(SessionAdoptionTest, ASkippedSnapshotsChangesStillCount) {
  // The watcher built two in a row; the broker took only the last one.
  registry_.revoke("0A");
  const auto skipped = registry_.applied(table_.registry(), {"dev-a"}, {});
  registry_.contents.rules.push_back(
      RoleRule{"admin", RuleEffect::kAllow, RuleAction::kPublish, "ops/#"});
  const auto last = registry_.applied(*skipped, {}, {"admin"});
  table_.adopt(last, kNow);
  EXPECT_EQ(kicked(table_), std::set<ClientKey>{&dev_a_});
  EXPECT_EQ(table_.check(&ctl_, Check::kPublish, "ops/x"), Answer::kAllow);
  EXPECT_EQ(rechecked(), 2U) << "dev-a (skipped step) and ctl-1 (last step)";
  EXPECT_EQ(table_.adoption_counts().whole, 0U);
}

TEST_F(SessionAdoptionTest, SnapshotsTooFarAheadOrOnAnotherLineRecheckAll) {
  // More steps than a snapshot remembers since the one in force: anything may have changed.
  registry_.revoke("0A");
  auto far = registry_.applied(table_.registry(), {"dev-a"}, {});
  for (std::size_t i = 0; i < RegistrySnapshot::kRememberedSteps; ++i) {
    far = registry_.applied(*far, {"ctl-1"}, {});
  }
  table_.adopt(far, kNow);
  EXPECT_EQ(kicked(table_), std::set<ClientKey>{&dev_a_});
  EXPECT_EQ(table_.adoption_counts().whole, 1U);
  EXPECT_EQ(rechecked(), 3U);

  // Applied to a whole read the broker never adopted (a sibling of the one in force).
  registry_.revoke("0B");
  const auto sibling = registry_.whole();
  table_.adopt(registry_.applied(*sibling, {"ctl-1"}, {}), kNow);
  EXPECT_EQ(kicked(table_), std::set<ClientKey>{&dev_b_}) << "found though not named";
  EXPECT_EQ(table_.adoption_counts().whole, 2U);
}

// Every kind of change at once, incrementally and whole: the same sessions are kicked.
TEST_F(SessionAdoptionTest, IncrementalAdoptionKicksWhatAWholeReadKicks) {
  SessionTable whole(SessionTableOptions{}, table_.registry_ptr());
  admit_all(whole);
  registry_.revoke("0A");
  registry_.add_device("dev-b-x", "sensor", "0D");
  registry_.contents.rules.push_back(
      RoleRule{"admin", RuleEffect::kAllow, RuleAction::kPublish, "ops/#"});
  table_.adopt(registry_.applied(table_.registry(), {"dev-a", "dev-b-x"}, {"admin"}), kNow);
  whole.adopt(registry_.whole(), kNow);
  const std::set<ClientKey> kicked_incrementally = kicked(table_);
  EXPECT_EQ(kicked_incrementally, (std::set<ClientKey>{&dev_a_, &dev_b_}));
  EXPECT_EQ(kicked_incrementally, kicked(whole));
  for (ClientKey client : {static_cast<ClientKey>(&dev_a_), static_cast<ClientKey>(&dev_b_),
                           static_cast<ClientKey>(&ctl_)}) {
    for (const char* topic : {"ops/x", "fleet/dev-a/t", "fleet/dev-b/t"}) {
      EXPECT_EQ(table_.check(client, Check::kPublish, topic),
                whole.check(client, Check::kPublish, topic))
          << topic;
    }
  }
}

// Expiry runs on the clock (expire(), at most once a second), apart from adoption.
TEST_F(SessionAdoptionTest, AnExpiryIsLeftToTheClockNotToAnUnrelatedChange) {
  const std::int64_t later = kNow + 101;  // every certificate has expired
  registry_.contents.rules.push_back(
      RoleRule{"admin", RuleEffect::kAllow, RuleAction::kPublish, "ops/#"});
  table_.adopt(registry_.applied(table_.registry(), {}, {"admin"}), later);
  EXPECT_EQ(kicked(table_), std::set<ClientKey>{&ctl_}) << "only the session re-checked";
  table_.expire(later);
  EXPECT_EQ(kicked(table_), (std::set<ClientKey>{&dev_a_, &dev_b_}));
  EXPECT_EQ(table_.counters().get(Check::kKick, Reason::kCertificateExpired), 3U);
}

TEST_F(SessionAdoptionTest, SessionsThatEndedAreNotLookedAt) {
  table_.end(&dev_a_);
  registry_.revoke("0A");
  table_.adopt(registry_.applied(table_.registry(), {"dev-a"}, {}), kNow);
  EXPECT_TRUE(kicked(table_).empty());
  EXPECT_EQ(rechecked(), 0U);
}

// A whole read that lost revocations (RegistrySnapshot::keeping_revocations): one error line
// names each, at most 20, then one line counts the rest; all 26 stay revoked.
TEST_F(SessionAdoptionTest, LostRevocationsAreNamedTwentyAtMostThenCounted) {
  for (int i = 0; i < 25; ++i) {
    registry_.add_device(fmt::format("old-{}", i), "sensor", fmt::format("{:X}", 0x100 + i));
  }
  registry_.revoke("0A");
  for (int i = 0; i < 25; ++i) registry_.revoke(fmt::format("{:X}", 0x100 + i));
  table_.adopt(registry_.whole(), kNow);
  (void)table_.take_effects();
  for (CertificateRecord& certificate : registry_.contents.device_certificates) {
    certificate.revoked_at.reset();  // the registry lost every revocation
  }
  table_.adopt(RegistrySnapshot::keeping_revocations(registry_.whole(), table_.registry()), kNow);
  std::size_t named = 0;
  std::size_t counted = 0;
  for (const LogEvent& event : table_.take_effects().lines) {
    if (event.line.find("revocation lost by the registry, kept in force here: device=") !=
        std::string::npos) {
      EXPECT_EQ(event.level, LogLevel::kError);
      ++named;
    }
    if (event.line.find("6 more revocations lost by the registry are kept in force here") !=
        std::string::npos) {
      ++counted;
    }
  }
  EXPECT_EQ(named, 20U);
  EXPECT_EQ(counted, 1U);
  EXPECT_EQ(table_.registry().kept_revocations().size(), 26U);
  ASSERT_NE(table_.registry().find_certificate("118"), nullptr);
  EXPECT_TRUE(table_.registry().find_certificate("118")->revoked());
}

}  // namespace
}  // namespace certacl::policy
