// Listings (tables and --json), the audit log, and --help on every command.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "certacl_test/paths.h"
#include "cli_world.h"

namespace certacl::ca::test {
namespace {

using certacl::test::CaFixture;

nlohmann::json json_of(CaFixture& ca, const std::vector<std::string>& args) {
  const auto result = ca.run(args);
  return nlohmann::json::parse(result.out);
}

TEST(CliOutput, ListsAsTablesAndJson) {
  CaFixture ca;
  ca.add_role("sensor");
  ca.allow("sensor", "publish", "factory/%u/telemetry/#");
  ca.deny("sensor", "subscribe", "factory/+/secret");
  ca.add_device("dev1", "sensor", {"--san-dns", "dev1.lan"});
  ca.add_device("dev2", "sensor");
  const auto issued = ca.enroll("dev1");
  ca.revoke(issued.serial);
  const auto fresh = ca.enroll("dev1");

  const auto devices = json_of(ca, {"device", "list", "--json"});
  ASSERT_TRUE(devices.is_array());
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[0]["name"], "dev1");
  EXPECT_EQ(devices[0]["san_dns"], "dev1.lan");
  EXPECT_EQ(devices[1]["san_dns"], nullptr);

  const auto certificates = json_of(ca, {"cert", "list", "--device", "dev1", "--json"});
  ASSERT_EQ(certificates.size(), 2u);
  int revoked = 0;
  for (const auto& certificate : certificates) {
    if (certificate["serial"] == issued.serial) {
      EXPECT_EQ(certificate["status"], "revoked");
      EXPECT_EQ(certificate["revocation_reason"], "unspecified");
      ++revoked;
    } else {
      EXPECT_EQ(certificate["serial"], fresh.serial);
      EXPECT_EQ(certificate["status"], "valid");
    }
  }
  EXPECT_EQ(revoked, 1);
  const auto all = json_of(ca, {"cert", "list", "--json"});
  EXPECT_EQ(all.size(), 3u);  // plus the broker's server certificate

  const auto table = ca.run({"cert", "list"});
  EXPECT_NE(table.out.find("SERIAL"), std::string::npos);
  EXPECT_NE(table.out.find(fresh.serial), std::string::npos);
  EXPECT_NE(table.out.find("server"), std::string::npos);

  const auto device = json_of(ca, {"device", "show", "dev1", "--json"});
  EXPECT_EQ(device["role"], "sensor");
  EXPECT_EQ(device["certificates"].size(), 2u);
  EXPECT_EQ(device["rules"].size(), 2u);
  const auto role = json_of(ca, {"role", "show", "sensor", "--json"});
  ASSERT_EQ(role["rules"].size(), 2u);
  const auto roles = json_of(ca, {"role", "list", "--json"});
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_EQ(roles[0]["rules"], 2);
  EXPECT_EQ(roles[0]["devices"], 2);
  const auto role_table = ca.run({"role", "show", "sensor"});
  EXPECT_NE(role_table.out.find("factory/%u/telemetry/#"), std::string::npos);

  const auto audit = json_of(ca, {"audit", "--json"});
  std::vector<std::string> actions;
  for (const auto& entry : audit) actions.push_back(entry["action"]);
  const std::vector<std::string> expected = {"init",      "server-cert", "role-add",   "role-allow",
                                             "role-deny", "device-add",  "device-add", "enroll",
                                             "revoke",    "enroll"};
  EXPECT_EQ(actions, expected);
  EXPECT_EQ(audit[8]["serial"], issued.serial);
  EXPECT_EQ(audit[8]["device"], "dev1");
  EXPECT_FALSE(audit[0]["actor"].get<std::string>().empty());
}

TEST(CliOutput, EveryCommandHasHelp) {
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{},
                                             {"init"},
                                             {"ca-cert"},
                                             {"server-cert"},
                                             {"device"},
                                             {"device", "add"},
                                             {"device", "list"},
                                             {"device", "show"},
                                             {"device", "disable"},
                                             {"device", "enable"},
                                             {"role"},
                                             {"role", "add"},
                                             {"role", "allow"},
                                             {"role", "deny"},
                                             {"role", "show"},
                                             {"role", "list"},
                                             {"sign"},
                                             {"enroll"},
                                             {"renew"},
                                             {"revoke"},
                                             {"cert"},
                                             {"cert", "list"},
                                             {"crl"},
                                             {"audit"}}) {
    std::vector<std::string> argv = {certacl::test::ca_binary()};
    argv.insert(argv.end(), command.begin(), command.end());
    argv.emplace_back("--help");
    const auto result = certacl::test::run_command(argv);
    EXPECT_EQ(result.exit_code, 0) << argv.size();
    EXPECT_NE(result.out.find("Usage:"), std::string::npos) << result.out;
  }
}

}  // namespace
}  // namespace certacl::ca::test
