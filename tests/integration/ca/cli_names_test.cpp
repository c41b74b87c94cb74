// The name rule through the real CLI: refused names leave the database unchanged, and names
// an older build stored (written here straight into SQLite) are listed with a warning and
// never break --json output.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "certacl/sqlite.h"
#include "certacl_test/paths.h"
#include "certacl_test/process.h"
#include "cli_world.h"

namespace certacl::ca::test {
namespace {

using certacl::test::CaFixture;
using certacl::test::CommandResult;

constexpr int kBadInput = 2;

TEST(CliNames, RefusesNamesThatWidenAclsOrHideThemselves) {
  CaFixture ca;
  ca.add_role("sensor");
  const std::string before = database_state(ca.db_path());
  for (const std::string& name :
       {std::string("$SYS"), std::string("%u"), std::string("%c"), std::string("50%"),
        std::string("bad\xFF"), std::string("a\xC2\x85"),
        std::string("a\xE2\x80\xAE"
                    "b"),
        std::string("a\xE2\x80\x8B"), std::string("cafe\xCC\x81")}) {
    const CommandResult result = ca.try_run({"device", "add", name, "--role", "sensor"});
    EXPECT_EQ(result.exit_code, kBadInput) << result.err;
    EXPECT_EQ(line_count(result.err), 1) << result.err;
    EXPECT_NE(result.err.find("invalid device name"), std::string::npos) << result.err;
    // The refusal never echoes raw control or bidi bytes to the terminal.
    EXPECT_EQ(result.err.find("\xE2\x80\xAE"), std::string::npos);
    EXPECT_EQ(result.err.find("\xC2\x85"), std::string::npos);
  }
  for (const std::string& role : {std::string("$admin"), std::string("r%")}) {
    EXPECT_EQ(ca.try_run({"role", "add", role}).exit_code, kBadInput) << role;
  }
  EXPECT_EQ(database_state(ca.db_path()), before);
}

TEST(CliNames, LegacyInvalidNamesAreListedWithAWarningAndJsonStillWorks) {
  CaFixture ca;
  ca.add_role("sensor");
  ca.add_device("dev1", "sensor");
  {
    SqliteDatabase db(ca.db_path(), SqliteDatabase::Access::ReadWrite);
    db.exec(
        "INSERT INTO devices (name, role, enabled, created_at, updated_at) VALUES "
        "('$SYS', 'sensor', 1, 0, 0), (CAST(X'6261644678FF' AS TEXT), 'sensor', 1, 0, 0);"
        "INSERT INTO audit_log (at, actor, action, device, detail) VALUES "
        "(0, 'old-build', 'device.add', CAST(X'6261644678FF' AS TEXT), CAST(X'FFFE' AS TEXT))");
  }
  const CommandResult table = ca.try_run({"device", "list"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.err.find("warning: device '$SYS' starts with '$'"), std::string::npos)
      << table.err;
  EXPECT_NE(table.err.find("warning: device 'badFx\\xff' is not valid UTF-8"), std::string::npos)
      << table.err;
  EXPECT_NE(table.out.find("badFx\\xff"), std::string::npos) << table.out;

  const CommandResult json = ca.try_run({"device", "list", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto devices = nlohmann::json::parse(json.out);
  ASSERT_EQ(devices.size(), 3U);
  int flagged = 0;
  for (const auto& device : devices) {
    if (!device["name_problem"].is_null()) ++flagged;
  }
  EXPECT_EQ(flagged, 2);

  const CommandResult audit = ca.try_run({"audit", "--json"});
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  const auto entries = nlohmann::json::parse(audit.out);
  EXPECT_EQ(entries.back()["detail"], "\xEF\xBF\xBD\xEF\xBF\xBD");  // U+FFFD for each bad byte
  EXPECT_EQ(ca.try_run({"audit"}).exit_code, 0);
}

// The simulator names its load devices <prefix>N and checks them with the same rule before
// provisioning anything.
TEST(CliNames, SimulatorRefusesANamePrefixTheRuleRefuses) {
  for (const std::string& prefix : {std::string("$SYS"), std::string("50%"), std::string("a/")}) {
    const CommandResult result =
        certacl::test::run_command({certacl::test::sim_binary(), "load", "--name-prefix", prefix});
    EXPECT_NE(result.exit_code, 0) << prefix;
    EXPECT_NE(result.err.find("--name-prefix: device names '" + prefix + "N'"), std::string::npos)
        << result.err;
  }
}

}  // namespace
}  // namespace certacl::ca::test
