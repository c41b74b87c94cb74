// The registry can only move forward and only be written by its owner, with the real
// broker, the real plugin and real files (docs/DEPLOYMENT.md, issue 9):
// - the plugin refuses a database or directory that group or others can write, at start
//   and under a running broker;
// - an older copy restored under a running broker is never adopted: a device revoked since
//   stays refused; a registry of another CA is never adopted either.

#include <sys/stat.h>

#include <chrono>
#include <filesystem>

#include "certacl_test/files.h"
#include "plugin_environment.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

class RegistryIntegrityTest : public PluginEnvironment {
 protected:
  // Puts `source` in place of the database the way an admin restores a file: copy beside
  // it, then rename over it.
  void replace_database_with(const std::string& source) {
    const std::string staged = ca_->db_path() + ".restore";
    std::filesystem::copy_file(source, staged, std::filesystem::copy_options::overwrite_existing);
    ASSERT_EQ(::chmod(staged.c_str(), 0640), 0);
    std::filesystem::rename(staged, ca_->db_path());
  }
};

TEST_F(RegistryIntegrityTest, PluginRefusesToStartOnAGroupWritableDatabaseOrDirectory) {
  ASSERT_EQ(::chmod(ca_->db_path().c_str(), 0660), 0);
  {
    BrokerFixture broker(broker_settings({}));
    EXPECT_FALSE(broker.start(5s));
    EXPECT_TRUE(broker.wait_for_exit(5s).has_value());
    EXPECT_NE(broker.log().find("certacl: refusing to start: database '" + ca_->db_path() +
                                "' has mode 0660: group or others can write it"),
              std::string::npos)
        << broker.log();
  }
  ASSERT_EQ(::chmod(ca_->db_path().c_str(), 0640), 0);
  const std::string directory = ca_->dir().path();
  ASSERT_EQ(::chmod(directory.c_str(), 02770), 0);
  {
    BrokerFixture broker(broker_settings({}));
    EXPECT_FALSE(broker.start(5s));
    EXPECT_NE(broker.log().find("database directory '" + directory + "' has mode 2770"),
              std::string::npos)
        << broker.log();
  }
  ASSERT_EQ(::chmod(directory.c_str(), 0700), 0);
}

TEST_F(RegistryIntegrityTest, DatabaseMadeWritableUnderARunningBrokerIsNotAdopted) {
  start_broker();
  // These tests run the broker as root, where no file mode binds: the plugin says so.
  EXPECT_TRUE(broker_->wait_for_log("the broker runs as root: no file mode can keep it"))
      << broker_->log();
  ASSERT_EQ(::chmod(ca_->db_path().c_str(), 0666), 0);
  ca_->revoke(dev2_.serial);  // a change the plugin now must not read from this file
  EXPECT_TRUE(broker_->wait_for_log("has mode 0666: group or others can write it", 5s))
      << broker_->log();
  ASSERT_EQ(::chmod(ca_->db_path().c_str(), 0640), 0);
  // Fixed: the registry is read again and the revocation applies.
  EXPECT_TRUE(broker_->wait_for_log("readable again", 5s)) << broker_->log();
  auto revoked = client(dev2_, "dev2");
  EXPECT_EQ(revoked->connect().connack, kNotAuthorized);
}

TEST_F(RegistryIntegrityTest, RestoredOlderCopyKeepsARevokedDeviceRefused) {
  const std::string backup = ca_->dir().file("backup.db");
  std::filesystem::copy_file(ca_->db_path(), backup);  // no writer is running: consistent
  start_broker({{"stale_limit", "2"}});
  auto sensor = connected(dev1_, "dev1");
  ca_->revoke(dev1_.serial);
  ASSERT_TRUE(sensor->wait_for_disconnect(5s).has_value()) << broker_->log();

  replace_database_with(backup);
  EXPECT_TRUE(broker_->wait_for_log("is lower than the adopted", 5s)) << broker_->log();
  auto again = client(dev1_, "dev1");
  EXPECT_EQ(again->connect().connack, kNotAuthorized) << broker_->log();
  EXPECT_TRUE(broker_->wait_for_log("reason=certificate revoked")) << broker_->log();
  // A SIGHUP does not step back either.
  broker_->reload();
  EXPECT_TRUE(broker_->wait_for_log("reload failed, keeping the running options and registry", 5s))
      << broker_->log();
  auto after_hup = client(dev1_, "dev1");
  EXPECT_EQ(after_hup->connect().connack, kNotAuthorized);
  // The refused registry is not a fresh read: past the stale limit nobody new gets in.
  EXPECT_TRUE(broker_->wait_for_log("database stale", 6s)) << broker_->log();
  auto bystander = client(dev2_, "dev2");
  EXPECT_EQ(bystander->connect().connack, kNotAuthorized) << broker_->log();
}

TEST_F(RegistryIntegrityTest, RegistryOfAnotherCaIsNeverAdopted) {
  CaFixture other("another CA");
  for (int i = 0; i < 40; ++i) other.add_role("r" + std::to_string(i));  // a higher counter
  start_broker();
  auto sensor = connected(dev1_, "dev1");
  replace_database_with(other.db_path());
  EXPECT_TRUE(broker_->wait_for_log("refusing a registry of another CA", 5s)) << broker_->log();
  EXPECT_TRUE(sensor->connected());  // the last good registry stays in force
}

}  // namespace
}  // namespace certacl::test
