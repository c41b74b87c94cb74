// certacl-sim's multi-broker scenario end to end, as an operator would run it: a CA made with
// `certacl-ca --db postgresql://…`, two real mosquitto brokers with the plugin reading that
// registry (each its own member of certacl_broker), and certacl-sim provisioning through the
// same URL. The scenario must pass: the revoked device is dropped by the broker holding it and
// refused by both.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "certacl_test/broker_fixture.h"
#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "certacl_test/process.h"
#include "postgres_world.h"

namespace certacl::test {
namespace {

class PostgresSimMultiBroker : public ::testing::Test {
 protected:
  void SetUp() override {
    environment_["CERTACL_DB_PASSWORD_FILE"] = world_.server.create_login("ca_host1", "certacl_ca");
    url_ = world_.server.url("ca_host1");
    ca("init", {"init", "--name", "sim CA", "--key-file", dir_.file("ca-key.pem")});
    ca("ca-cert", {"ca-cert", "--out", dir_.file("ca.pem")});
    ca("server-cert",
       {"server-cert", "--cn", "localhost", "--san", "DNS:localhost,IP:127.0.0.1", "--cert-out",
        dir_.file("server.pem"), "--key-out", dir_.file("server.key")});
  }

  void ca(const std::string& what, std::vector<std::string> args) {
    args.insert(args.begin(), {ca_binary(), "--db", url_});
    const CommandResult result = run(args);
    ASSERT_EQ(result.exit_code, 0) << what << ": " << result.err;
  }

  CommandResult run(const std::vector<std::string>& argv) const {
    CommandOptions options;
    options.environment = environment_;
    options.timeout = std::chrono::seconds(90);
    return run_command(argv, options);
  }

  std::unique_ptr<BrokerFixture> broker(const std::string& login) {
    BrokerSettings settings;
    settings.cafile = dir_.file("ca.pem");
    settings.certfile = dir_.file("server.pem");
    settings.keyfile = dir_.file("server.key");
    settings.plugin_options["db_url"] = world_.server.url(login);
    settings.plugin_options["db_password_file"] =
        world_.server.create_login(login, "certacl_broker");
    auto fixture = std::make_unique<BrokerFixture>(settings);
    EXPECT_TRUE(fixture->start()) << fixture->log();
    return fixture;
  }

  PostgresWorld world_;
  TempDir dir_;
  std::string url_;
  std::map<std::string, std::string> environment_;
};

TEST_F(PostgresSimMultiBroker, ARevokedDeviceIsDroppedFromWhicheverBrokerHoldsIt) {
  auto a = broker("broker_a");
  auto b = broker("broker_b");
  const CommandResult sim =
      run({sim_binary(), "scenario", "multi-broker", "--port", std::to_string(a->port()),
           "--second-port", std::to_string(b->port()), "--cafile", dir_.file("ca.pem"), "--ca-db",
           url_, "--ca-bin", ca_binary(), "--workdir", dir_.file("sim")});
  std::printf("%s", sim.out.c_str());
  EXPECT_EQ(sim.exit_code, 0) << sim.out << sim.err << "\nbroker A:\n"
                              << a->log() << "\nbroker B:\n"
                              << b->log();
  EXPECT_NE(sim.out.find("-> PASS"), std::string::npos) << sim.out;
  EXPECT_NE(b->log().find("reason=certificate revoked"), std::string::npos) << b->log();
  EXPECT_EQ(a->log().find("kick device="), std::string::npos) << a->log();
}

TEST_F(PostgresSimMultiBroker, WithoutASecondBrokerTheScenarioSaysWhatItNeeds) {
  auto a = broker("broker_a");
  const CommandResult sim =
      run({sim_binary(), "scenario", "multi-broker", "--port", std::to_string(a->port()),
           "--cafile", dir_.file("ca.pem"), "--ca-db", url_, "--ca-bin", ca_binary(), "--workdir",
           dir_.file("sim")});
  EXPECT_EQ(sim.exit_code, 1) << sim.out << sim.err;
  EXPECT_NE(sim.out.find("needs --second-port"), std::string::npos) << sim.out;
}

}  // namespace
}  // namespace certacl::test
