#include "admin_world.h"

#include <gtest/gtest.h>

#include "certacl/sqlite.h"
#include "certacl_test/paths.h"
#include "cli_world.h"

namespace certacl::ca::test {
namespace {

std::string query_text(SqliteDatabase& db, const std::string& sql) {
  Statement statement = db.prepare(sql);
  if (!statement.step() || statement.column_is_null(0)) return "-";
  return statement.column_text(0);
}

}  // namespace

std::string registry_fingerprint(const std::string& db_path) {
  std::string state = database_state(db_path);
  SqliteDatabase db(db_path, SqliteDatabase::Access::ReadOnly);
  state += "|" + query_text(db,
                            "SELECT group_concat(name || ':' || role, ',') FROM "
                            "(SELECT name, role FROM devices ORDER BY name)");
  state += "|" + query_text(db,
                            "SELECT group_concat(id, ',') FROM (SELECT id FROM role_rules "
                            "ORDER BY id)");
  state += "|" + query_text(db,
                            "SELECT group_concat(name || ':' || client_id_rule, ',') FROM "
                            "(SELECT name, client_id_rule FROM roles ORDER BY name)");
  state += "|" + query_text(db, "SELECT key_path FROM ca");
  state += "|" + query_text(db, "SELECT max(id) FROM audit_log");
  return state;
}

certacl::test::CommandResult run_ca(const std::string& db_path,
                                    const std::vector<std::string>& args) {
  std::vector<std::string> argv = {certacl::test::ca_binary(), "--db", db_path};
  argv.insert(argv.end(), args.begin(), args.end());
  certacl::test::CommandOptions options;
  options.timeout = std::chrono::seconds(30);
  return certacl::test::run_command(argv, options);
}

void expect_admin_refusal(const std::string& db_path, const std::vector<std::string>& args,
                          int exit_code, const std::string& cause) {
  const std::string before = registry_fingerprint(db_path);
  const certacl::test::CommandResult result = run_ca(db_path, args);
  std::string command;
  for (const auto& arg : args) command += arg + " ";
  EXPECT_EQ(result.exit_code, exit_code) << command << "\n" << result.err;
  EXPECT_EQ(line_count(result.err), 1) << command << "\n" << result.err;
  EXPECT_NE(result.err.find(cause), std::string::npos)
      << command << "\nexpected cause: " << cause << "\ngot: " << result.err;
  EXPECT_EQ(registry_fingerprint(db_path), before) << command;
}

std::string test_data(const std::string& name) {
  return certacl::test::source_dir() + "/tests/integration/ca/data/" + name;
}

}  // namespace certacl::ca::test
