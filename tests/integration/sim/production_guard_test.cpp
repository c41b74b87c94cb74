// certacl-sim refuses to provision into a registry it did not create (one holding roles not
// named sim-...) unless --i-know-this-is-production, and the refusal changes nothing.

#include <gtest/gtest.h>

#include "certacl/sqlite.h"
#include "sim_environment.h"

namespace certacl::test {
namespace {

std::string registry_rows(const std::string& db_path) {
  SqliteDatabase db(db_path, SqliteDatabase::Access::ReadOnly);
  return std::to_string(db.query_int64("SELECT change_counter FROM certacl_state")) + "/" +
         std::to_string(db.query_int64("SELECT count(*) FROM roles")) + "/" +
         std::to_string(db.query_int64("SELECT count(*) FROM devices"));
}

TEST(ProductionGuard, ForeignRegistryRefusedUnlessTheOperatorSaysSo) {
  SimEnvironment environment;
  ASSERT_TRUE(environment.broker->start()) << environment.broker->log();
  environment.ca.add_role("sensor");  // a role the simulator would never create
  environment.ca.add_device("line-3-press", "sensor");
  const std::string before = registry_rows(environment.ca.db_path());
  for (const char* command : {"scenario", "load"}) {
    std::vector<std::string> args = {command};
    if (std::string(command) == "scenario") args.emplace_back("seeds");
    const auto refused = environment.sim(args);
    EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
    EXPECT_NE(refused.err.find("has role 'sensor', which certacl-sim did not create"),
              std::string::npos)
        << refused.err;
    EXPECT_NE(refused.err.find("--i-know-this-is-production"), std::string::npos) << refused.err;
    EXPECT_EQ(registry_rows(environment.ca.db_path()), before) << command;
  }
  const auto allowed = environment.sim({"scenario", "seeds", "--i-know-this-is-production"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  EXPECT_NE(registry_rows(environment.ca.db_path()), before);
}

TEST(ProductionGuard, HelpSaysSo) {
  const auto help = run_command({sim_binary(), "scenario", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--i-know-this-is-production"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace certacl::test
