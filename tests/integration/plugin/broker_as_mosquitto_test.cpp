// The real broker, started as the real `mosquitto` user (setpriv), on a registry laid out as
// docs/DEPLOYMENT.md says (directory 0750 and database 0640, group = the broker's group).
// The plugin reads it and follows live changes without writing anything (rollback journal:
// no -wal or -shm appears), and refuses a database the broker's own user owns.

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "certacl_test/process.h"
#include "plugin_environment.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

class BrokerAsMosquittoTest : public PluginEnvironment {
 protected:
  void SetUp() override {
    const passwd* user = ::getpwnam("mosquitto");
    if (user == nullptr) GTEST_SKIP() << "no 'mosquitto' user (install mosquitto)";
    uid_ = user->pw_uid;
    gid_ = user->pw_gid;
    PluginEnvironment::SetUp();
    // The CA's directory becomes the registry directory of the deployment model; the CA
    // key in it stays 0600 root, unreadable to the broker.
    const std::string dir = ca_->dir().path();
    ASSERT_EQ(::chown(dir.c_str(), 0, gid_), 0);
    ASSERT_EQ(::chmod(dir.c_str(), 0750), 0);
    ASSERT_EQ(::chown(ca_->db_path().c_str(), 0, gid_), 0);
    ASSERT_EQ(::chown(ca_->server_key_path().c_str(), 0, gid_), 0);
    ASSERT_EQ(::chmod(ca_->server_key_path().c_str(), 0640), 0);
    ASSERT_EQ(::chmod(scratch_.path().c_str(), 0755), 0);  // the broker reads its config
    port_ = free_loopback_port();
    std::ofstream(config_) << "per_listener_settings false\nallow_anonymous false\n"
                           << "persistence false\nlog_dest stderr\nlog_type all\n"
                           << "listener " << port_ << " 127.0.0.1\n"
                           << "cafile " << ca_->ca_cert_path() << "\n"
                           << "certfile " << ca_->server_cert_path() << "\n"
                           << "keyfile " << ca_->server_key_path() << "\n"
                           << "require_certificate true\nuse_identity_as_username false\n"
                           << "plugin " << plugin_library() << "\n"
                           << "plugin_opt_db_path " << ca_->db_path() << "\n"
                           << "plugin_opt_poll_interval_ms 20\n";
  }

  std::unique_ptr<ScopedProcess> start_as_mosquitto() {
    return std::make_unique<ScopedProcess>(
        std::vector<std::string>{"setpriv", "--reuid=" + std::to_string(uid_),
                                 "--regid=" + std::to_string(gid_), "--clear-groups",
                                 mosquitto_binary(), "-c", config_},
        log_);
  }

  std::unique_ptr<MqttTestClient> device(const IssuedCertificate& certificate,
                                         const std::string& id) {
    MqttClientSettings settings;
    settings.port = port_;
    settings.client_id = id;
    settings.cafile = ca_->ca_cert_path();
    settings.certfile = certificate.cert_path;
    settings.keyfile = certificate.key_path;
    return std::make_unique<MqttTestClient>(settings);
  }

  bool log_contains(const std::string& text, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (read_file(log_).find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  TempDir scratch_;
  std::string config_ = scratch_.file("mosquitto.conf");
  std::string log_ = scratch_.file("broker.log");
  int port_ = 0;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

TEST_F(BrokerAsMosquittoTest, ReadsTheRegistryAndFollowsChangesWithoutWritingAnything) {
  auto broker = start_as_mosquitto();
  ASSERT_TRUE(log_contains("certacl: started")) << read_file(log_);
  ASSERT_TRUE(wait_for_port(port_, 5000)) << read_file(log_);
  auto sensor = device(dev1_, "dev1");
  ASSERT_TRUE(sensor->connect().connected) << read_file(log_);
  ca_->revoke(dev1_.serial);
  EXPECT_TRUE(sensor->wait_for_disconnect(5s).has_value()) << read_file(log_);
  EXPECT_TRUE(log_contains("reason=certificate revoked")) << read_file(log_);
  EXPECT_EQ(read_file(log_).find("the broker runs as root"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(ca_->db_path() + "-wal"));
  EXPECT_FALSE(std::filesystem::exists(ca_->db_path() + "-shm"));
}

TEST_F(BrokerAsMosquittoTest, RefusesADatabaseOwnedByTheBrokersUser) {
  ASSERT_EQ(::chown(ca_->db_path().c_str(), uid_, gid_), 0);
  auto broker = start_as_mosquitto();
  EXPECT_TRUE(broker->wait_for_exit(5s).has_value()) << read_file(log_);
  EXPECT_TRUE(log_contains("certacl: refusing to start: database '" + ca_->db_path() +
                           "' (mode 0640) is owned by uid " + std::to_string(uid_) +
                           ", the user this broker runs as"))
      << read_file(log_);
}

}  // namespace
}  // namespace certacl::test
