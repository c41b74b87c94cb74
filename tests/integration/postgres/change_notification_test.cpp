// Push, not poll: a change commits a new counter, a change-log row naming only what changed,
// and a NOTIFY that a LISTENing reader receives; a rolled-back change announces nothing.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "certacl/schema.h"
#include "certacl/store/postgres_registry_reader.h"
#include "postgres_world.h"

namespace certacl::test {
namespace {

using std::chrono::milliseconds;
using store::ChangedEntity;

constexpr milliseconds kNotifyWait{5000};

class PostgresChanges : public ::testing::Test {
 protected:
  void SetUp() override { world_.seed(writer_, 5); }
  PostgresWorld world_;
  store::PostgresStore writer_{world_.ca};
};

std::set<std::string> devices_in(const std::vector<store::RegistryChange>& changes) {
  std::set<std::string> devices;
  for (const store::RegistryChange& change : changes) devices.insert(change.device.value_or("-"));
  return devices;
}

TEST_F(PostgresChanges, RevokeNotifiesTheReaderWithTheNewCounterAndOnlyThatDevice) {
  store::PostgresRegistryReader reader(world_.broker);
  const std::int64_t before = reader.load_registry().change_counter;

  const std::vector<std::string> revoked = writer_.revoke_device("device-3", 1, "test");
  ASSERT_EQ(revoked.size(), 1U);

  const store::ChangeWait wait = reader.wait_for_change(kNotifyWait);
  ASSERT_TRUE(wait.notified_counter.has_value()) << "no NOTIFY within 5 s";
  EXPECT_EQ(*wait.notified_counter, wait.change_counter);
  EXPECT_GT(wait.change_counter, before);
  EXPECT_FALSE(wait.reconnected);

  const std::vector<store::RegistryChange> changes = reader.changes_since(before);
  EXPECT_EQ(devices_in(changes), std::set<std::string>{"device-3"});
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].entity, ChangedEntity::kCertificate);
  EXPECT_EQ(changes[0].key, revoked[0]);
  EXPECT_EQ(changes[0].device, "device-3");
  EXPECT_EQ(changes[0].counter, wait.change_counter);

  const RegistryContents after = reader.load_registry();
  for (const CertificateRecord& certificate : after.device_certificates) {
    EXPECT_EQ(certificate.revoked(), certificate.device == "device-3") << certificate.serial;
  }
}

TEST_F(PostgresChanges, DisableAndRuleChangesAreAnnouncedWithTheirKeys) {
  store::PostgresRegistryReader reader(world_.broker);
  const std::int64_t before = reader.change_counter();

  writer_.set_device_enabled("device-1", false, "test");
  ASSERT_TRUE(reader.wait_for_change(kNotifyWait).notified_counter.has_value());
  writer_.add_rule({"sensor", RuleEffect::kDeny, RuleAction::kPublish, "sensors/+/secret"}, "test");
  const store::ChangeWait wait = reader.wait_for_change(kNotifyWait);
  ASSERT_TRUE(wait.notified_counter.has_value());

  const std::vector<store::RegistryChange> changes = reader.changes_since(before);
  ASSERT_EQ(changes.size(), 2U);
  EXPECT_EQ(changes[0].entity, ChangedEntity::kDevice);
  EXPECT_EQ(changes[0].key, "device-1");
  EXPECT_EQ(changes[1].entity, ChangedEntity::kRole);
  EXPECT_EQ(changes[1].key, "sensor");
  EXPECT_EQ(changes[1].device, std::nullopt);
  EXPECT_EQ(changes[1].counter, wait.change_counter);
}

TEST_F(PostgresChanges, ARolledBackChangeAnnouncesNothing) {
  store::PostgresRegistryReader reader(world_.broker);
  const std::int64_t before = reader.change_counter();
  EXPECT_THROW(writer_.add_device(Device{"device-0", "sensor", true, {}, {}, 0, 0}, "test"),
               store::StoreRefusal)
      << "duplicate name";
  const store::ChangeWait wait = reader.wait_for_change(milliseconds(300));
  EXPECT_EQ(wait.notified_counter, std::nullopt);
  EXPECT_EQ(wait.change_counter, before);
  EXPECT_TRUE(reader.changes_since(before).empty());
}

TEST_F(PostgresChanges, AForgedNotificationIsOnlyAHintTheDatabaseOverrules) {
  store::PostgresRegistryReader reader(world_.broker);
  const std::int64_t before = reader.change_counter();
  // Any role may NOTIFY any channel, the broker role included.
  store::PostgresConnection forger(world_.broker);
  forger.exec("SELECT pg_notify('certacl_changes', '999999')");
  const store::ChangeWait wait = reader.wait_for_change(kNotifyWait);
  EXPECT_EQ(wait.notified_counter, 999999);
  EXPECT_EQ(wait.change_counter, before) << "the counter comes from the database";
  EXPECT_TRUE(reader.changes_since(before).empty());
}

TEST_F(PostgresChanges, TheCounterIsMonotonicAndTheLogHasNoGaps) {
  store::PostgresRegistryReader reader(world_.broker);
  std::int64_t previous = reader.change_counter();
  const auto expect_advanced = [&](const char* what) {
    const std::int64_t now = reader.change_counter();
    EXPECT_GT(now, previous) << what;
    previous = now;
  };
  writer_.add_role("gateway", "test");
  expect_advanced("add role");
  writer_.add_device(Device{"gw-1", "gateway", true, {}, {}, 0, 0}, "test");
  expect_advanced("add device");
  (void)issue_for(writer_, "gw-1");
  expect_advanced("issue");
  writer_.set_device_enabled("gw-1", false, "test");
  expect_advanced("disable");
  (void)writer_.revoke_device("gw-1", 4, "test");
  expect_advanced("revoke");

  const std::vector<store::RegistryChange> all = reader.changes_since(0);
  ASSERT_FALSE(all.empty());
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].counter, static_cast<std::int64_t>(i) + 1) << "one row per counter value";
  }
  EXPECT_EQ(all.back().counter, previous);
}

TEST_F(PostgresChanges, ReaderSeesTheSameRegistryTheWriterWrote) {
  store::PostgresRegistryReader reader(world_.broker);
  const RegistryContents contents = reader.load_registry();
  ASSERT_EQ(contents.devices.size(), 5U);
  EXPECT_EQ(contents.devices[2].name, "device-2");
  EXPECT_EQ(contents.devices[2].role, "sensor");
  EXPECT_TRUE(contents.devices[2].enabled);
  EXPECT_GT(contents.devices[2].created_at, 1'600'000'000);
  ASSERT_EQ(contents.rules.size(), 2U);
  EXPECT_EQ(contents.rules[0].pattern, "sensors/%c/#");
  EXPECT_EQ(contents.rules[1].action, RuleAction::kSubscribe);
  ASSERT_EQ(contents.device_certificates.size(), 5U);
  const CertificateRecord& first = contents.device_certificates[0];
  EXPECT_EQ(first.sha256, certificate_for(*first.device, first.serial).record.sha256);
  EXPECT_EQ(first.not_after, 1'900'000'000);
  EXPECT_FALSE(first.revoked());
}

TEST(PostgresSettingsRules, OnlyPostgresUrlsSelectPostgres) {
  EXPECT_TRUE(store::is_postgres_url("postgresql://ca@db.factory/certacl"));
  EXPECT_TRUE(store::is_postgres_url("postgres://ca@db.factory/certacl"));
  EXPECT_FALSE(store::is_postgres_url("/var/lib/certacl/certacl.db"));
  EXPECT_FALSE(store::is_postgres_url("postgresql.db"));
  EXPECT_FALSE(store::is_postgres_url("sqlite:postgresql://x"));
}

TEST(PostgresSettingsRules, APasswordInTheUrlOrAnOpenPasswordFileIsRefused) {
  PostgresServer server;
  store::PostgresSettings in_url;
  in_url.url = "postgresql://postgres:secret@127.0.0.1:" + std::to_string(server.port()) + "/x";
  EXPECT_THROW(store::PostgresConnection{in_url}, store::PostgresError);

  TempDir scratch;
  write_file(scratch.file("password"), "secret\n", 0644);
  store::PostgresSettings open_file;
  open_file.url = server.url("postgres");
  open_file.password_file = scratch.file("password");
  try {
    store::PostgresConnection connection(open_file);
    ADD_FAILURE() << "a group-readable password file was accepted";
  } catch (const store::PostgresError& error) {
    EXPECT_NE(std::string(error.what()).find("readable by group or others"), std::string::npos)
        << error.what();
  }
  store::PostgresSettings wrong_password;
  wrong_password.url = server.url("postgres");
  write_file(scratch.file("wrong"), "not-the-password\n", 0600);
  wrong_password.password_file = scratch.file("wrong");
  EXPECT_THROW(store::PostgresConnection{wrong_password}, store::PostgresError);
}

// Bounded growth: the writer's own transaction prunes all but the last kChangeLogRetention
// rows (as certacl_ca, through the SECURITY DEFINER trigger); a reader further behind gets
// no partial answer and reads the whole registry; recent rows stay append-only.
TEST_F(PostgresChanges, TheLogKeepsTheLastRetainedChangesAndAReaderBehindReadsAll) {
  store::PostgresRegistryReader reader(world_.broker);
  const std::int64_t start = reader.change_counter();
  store::PostgresConnection ca(world_.ca);
  ca.exec(fmt::format(
      "DO $$ BEGIN FOR i IN 1..{} LOOP "
      "UPDATE certacl.devices SET updated_at = i WHERE name = 'device-1'; END LOOP; END $$",
      kChangeLogRetention + 5));
  const std::int64_t counter = reader.change_counter();
  ASSERT_EQ(counter, start + kChangeLogRetention + 5);
  store::PostgresConnection owner(world_.admin);
  EXPECT_EQ(owner.exec("SELECT count(*) FROM certacl.change_log").int64(0, 0), kChangeLogRetention);
  EXPECT_FALSE(reader.load_changes(start).has_value()) << "behind the rows kept";
  const auto recent = reader.load_changes(counter - kChangeLogRetention);
  ASSERT_TRUE(recent.has_value());
  EXPECT_EQ(recent->names.rows, static_cast<std::size_t>(kChangeLogRetention));
  EXPECT_EQ(recent->names.devices, std::vector<std::string>{"device-1"});
  ASSERT_EQ(recent->devices.size(), 1U);
  EXPECT_EQ(recent->devices[0].updated_at, kChangeLogRetention + 5);
  EXPECT_THROW(
      owner.exec(fmt::format("DELETE FROM certacl.change_log WHERE counter = {}", counter)),
      store::PostgresError)
      << "a recent row cannot be deleted, even by the owner";
}

}  // namespace
}  // namespace certacl::test
