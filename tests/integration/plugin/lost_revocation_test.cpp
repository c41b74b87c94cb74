// A revocation the registry loses stays in force on a running broker, which names it. Here
// the registry loses it through `certacl-ca restore --force` of a backup taken before it;
// on PostgreSQL through a failover to a standby that had not received it
// (PostgresFailover.AfterAFailoverThatLostACommitTheNewPrimarysChangesAreNotMissed).
#include <chrono>
#include <string>

#include "plugin_environment.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

class LostRevocationTest : public PluginEnvironment {};

TEST_F(LostRevocationTest, ARevocationARestoredBackupLostStaysInForceAndIsNamed) {
  start_broker();
  const std::string backup = ca_->dir().file("before-the-revocation.db");
  ca_->run({"backup", "--out", backup});
  auto sensor = connected(dev1_, "dev1");
  ca_->revoke_device("dev1");
  ASSERT_TRUE(sensor->wait_for_disconnect(5s)) << broker_->log();

  // The backup goes back before the revocation; --force moves the counter forward, so the
  // broker adopts the restored registry, read whole.
  const std::size_t whole_reads = broker_->log_count("(full read)");
  ca_->run({"restore", "--from", backup, "--force"});
  ASSERT_TRUE(broker_->wait_for_log("(full read)", 10s, whole_reads + 1)) << broker_->log();
  EXPECT_TRUE(
      broker_->wait_for_log("revocation lost by the registry, kept in force here: "
                            "device='dev1' serial=" +
                            dev1_.serial))
      << broker_->log();
  auto again = client(dev1_, "dev1");
  EXPECT_EQ(again->connect().connack, kNotAuthorized);
  EXPECT_TRUE(broker_->wait_for_log("DENY connect device='dev1' serial=" + dev1_.serial))
      << broker_->log();
  // What was never revoked is untouched.
  EXPECT_TRUE(connected(dev2_, "dev2")->connected());

  // The CA revokes it again: nothing is lost any more, and nothing is named at the next
  // whole read.
  ca_->revoke_device("dev1");
  const std::size_t named = broker_->log_count("revocation lost by the registry");
  const std::size_t rereads = broker_->log_count("(full read)");
  broker_->reload();
  ASSERT_TRUE(broker_->wait_for_log("(full read)", 10s, rereads + 1)) << broker_->log();
  EXPECT_EQ(broker_->log_count("revocation lost by the registry"), named) << broker_->log();
  auto after = client(dev1_, "dev1");
  EXPECT_EQ(after->connect().connack, kNotAuthorized);
}

}  // namespace
}  // namespace certacl::test
