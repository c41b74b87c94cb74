// certacl-sim's enroll scenario against the real server and broker: a fleet enrolls with
// tokens, connects, renews (short lifetimes) and connects again.
#include "certacl_test/broker_fixture.h"
#include "certacl_test/paths.h"
#include "est_world.h"

namespace certacl::test {
namespace {

class EstSimTest : public EstWorld {};

TEST_F(EstSimTest, SimulatedFleetEnrollsConnectsAndRenews) {
  start_server({"--lifetime", "2m", "--supersede-after", "1m"});
  BrokerFixture broker(broker_settings());
  ASSERT_TRUE(broker.start()) << broker.log();
  CommandOptions options;
  options.timeout = std::chrono::seconds(90);
  std::vector<std::string> command{sim_binary(),
                                   "scenario",
                                   "enroll",
                                   "--port",
                                   std::to_string(broker.port()),
                                   "--cafile",
                                   ca_->ca_cert_path(),
                                   "--ca-db",
                                   ca_->db_path(),
                                   "--ca-bin",
                                   ca_binary(),
                                   "--workdir",
                                   ca_->dir().file("sim"),
                                   "--est-host",
                                   "127.0.0.1",
                                   "--est-port",
                                   std::to_string(port_),
                                   "--enroll-fleet",
                                   "6",
                                   "--renew-after",
                                   "1"};
  // This registry also holds the EST tests' own role 'sensors', so the simulator's production
  // guard refuses it until told otherwise (and then adds only sim- roles next to it).
  const CommandResult refused = run_command(command, options);
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("has role 'sensors'"), std::string::npos) << refused.err;
  command.emplace_back("--i-know-this-is-production");
  const CommandResult result = run_command(command, options);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err << server_log() << broker.log();
  EXPECT_NE(result.out.find("6 renewed"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace certacl::test
