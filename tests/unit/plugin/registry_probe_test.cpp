// The connect-time probe and the watcher's re-read request, against a real SQLite file.
#include "registry_probe.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "certacl/schema.h"
#include "certacl/sqlite.h"
#include "certacl_test/files.h"
#include "rule_narrowing.h"
#include "snapshot_watcher.h"

namespace certacl::plugin {
namespace {

using namespace std::chrono_literals;
constexpr std::int64_t kNow = 1'800'000'000;

class RegistryProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writer_ = std::make_unique<SqliteDatabase>(path_, SqliteDatabase::Access::ReadWriteCreate);
    writer_->configure_as_writer(1s);
    apply_migrations(*writer_);
    writer_->exec("INSERT INTO roles (name, created_at) VALUES ('sensor', 0)");
    writer_->exec(
        "INSERT INTO role_rules (role, effect, action, pattern, created_at) "
        "VALUES ('sensor', 'allow', 'publish', 'fleet/%u/#', 0)");
    writer_->exec(
        "INSERT INTO devices (name, role, enabled, created_at, updated_at) "
        "VALUES ('dev1', 'sensor', 1, 0, 0)");
    writer_->exec(
        "INSERT INTO certificates (serial, kind, device, subject, issuer, not_before, "
        "not_after, sha256, certificate_pem, issued_at) VALUES ('0A', 'device', 'dev1', "
        "'CN=dev1', 'CN=ca', 0, 4000000000, 'aa', 'PEM', 0)");
  }
  std::int64_t counter() { return read_change_counter(*writer_); }

  test::TempDir dir_;
  std::string path_ = dir_.file("registry.db");
  std::unique_ptr<SqliteDatabase> writer_;
};

TEST_F(RegistryProbeTest, QuietRegistryNeedsNoRead) {
  RegistryProbe probe(path_);
  EXPECT_EQ(probe.fresher_for("0A", counter(), kNow), nullptr);
  EXPECT_EQ(probe.fresher_for("0A", counter(), kNow), nullptr);
}

TEST_F(RegistryProbeTest, MovedRegistryIsReadForThisCertificateOnly) {
  RegistryProbe probe(path_);
  const std::int64_t in_force = counter();
  ASSERT_EQ(probe.fresher_for("0A", in_force, kNow), nullptr);
  writer_->exec(
      "UPDATE certificates SET revoked_at = 5, revocation_reason = 1 WHERE serial = '0A'");
  const auto fresher = probe.fresher_for("0A", in_force, kNow);
  ASSERT_NE(fresher, nullptr);
  EXPECT_EQ(fresher->device_count(), 1u);
  ASSERT_NE(fresher->find_certificate("0A"), nullptr);
  EXPECT_TRUE(fresher->find_certificate("0A")->revoked());
  EXPECT_EQ(fresher->rules_for_role("sensor").size(), 1u);
  // An unknown serial reads as an empty registry: the connect is refused as unknown.
  const auto unknown = probe.fresher_for("FF", in_force, kNow);
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(unknown->certificate_count(), 0u);
}

// Issue 12: the fresh read carries the role's client-id rule, or a gateway's prefix client id
// would be refused whenever the registry moved since the snapshot.
TEST_F(RegistryProbeTest, FreshReadCarriesTheRolesClientIdRule) {
  RegistryProbe probe(path_);
  const std::int64_t in_force = counter();
  writer_->exec("UPDATE roles SET client_id_rule = 'prefix' WHERE name = 'sensor'");
  const auto fresher = probe.fresher_for("0A", in_force, kNow);
  ASSERT_NE(fresher, nullptr);
  EXPECT_EQ(fresher->client_id_rule_of_role("sensor"), RoleClientIdRule::kPrefix);
  EXPECT_EQ(fresher->client_id_rule_of_role("other"), RoleClientIdRule::kExact);
}

TEST_F(RegistryProbeTest, MissingDatabaseThrowsSoTheSnapshotDecides) {
  RegistryProbe probe(dir_.file("absent.db"));
  EXPECT_THROW((void)probe.fresher_for("0A", 0, kNow), DatabaseError);
}

TEST_F(RegistryProbeTest, WatcherRereadsOnRequestWithoutAChange) {
  const auto initial = load_snapshot(path_);
  SnapshotWatcher watcher(path_, 60s, initial);
  std::this_thread::sleep_for(50ms);
  (void)watcher.take_new();
  EXPECT_FALSE(watcher.has_new());
  watcher.request_reread();
  bool handed_over = false;
  for (int i = 0; i < 200 && !handed_over; ++i) {  // at most 2 s, far below the 60 s poll
    handed_over = watcher.has_new();
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(handed_over);
  EXPECT_NE(watcher.take_new(), nullptr);
}

RoleRule subscribe_rule(RuleEffect effect, std::string pattern) {
  return RoleRule{"sensor", effect, RuleAction::kSubscribe, std::move(pattern)};
}

TEST(RuleNarrowingTest, RemovedAllowOrAddedDenyNarrowsDelivery) {
  const std::vector<RoleRule> before = {subscribe_rule(RuleEffect::kAllow, "a/#")};
  std::vector<RoleRule> after = before;
  EXPECT_FALSE(policy::narrows_delivery(before, after));
  after.push_back(subscribe_rule(RuleEffect::kAllow, "b/#"));
  EXPECT_FALSE(policy::narrows_delivery(before, after));
  after.push_back(subscribe_rule(RuleEffect::kDeny, "a/secret"));
  EXPECT_TRUE(policy::narrows_delivery(before, after));
  EXPECT_TRUE(policy::narrows_delivery(before, {}));
  // Publish rules never touch deliveries.
  const std::vector<RoleRule> with_publish_deny = {
      before[0], RoleRule{"sensor", RuleEffect::kDeny, RuleAction::kPublish, "a/#"}};
  EXPECT_FALSE(policy::narrows_delivery(before, with_publish_deny));
}

}  // namespace
}  // namespace certacl::plugin
