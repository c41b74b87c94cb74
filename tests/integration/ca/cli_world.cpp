#include "cli_world.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "certacl/sqlite.h"

namespace certacl::ca::test {

std::string database_state(const std::string& db_path) {
  SqliteDatabase db(db_path, SqliteDatabase::Access::ReadOnly);
  std::string state = std::to_string(db.query_int64("SELECT change_counter FROM certacl_state"));
  for (const char* table : {"ca", "roles", "role_rules", "devices", "certificates", "audit_log"}) {
    state += "/" + std::to_string(db.query_int64(std::string("SELECT count(*) FROM ") + table));
  }
  state += "/" + std::to_string(
                     db.query_int64("SELECT count(*) FROM certificates WHERE revoked_at IS NULL"));
  state += "/" + std::to_string(db.query_int64("SELECT count(*) FROM devices WHERE enabled = 1"));
  return state;
}

certacl::test::CommandResult openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  return certacl::test::run_command(argv);
}

std::string openssl_csr(const certacl::test::CaFixture& ca, const std::string& label,
                        const std::string& subject, const std::vector<std::string>& key_args) {
  const std::string csr = ca.dir().file(label + ".csr");
  std::vector<std::string> args = {"req", "-new"};
  args.insert(args.end(), key_args.begin(), key_args.end());
  for (const char* extra : {"-nodes", "-multivalue-rdn"}) args.emplace_back(extra);
  for (const std::string& extra : std::vector<std::string>{"-keyout", ca.dir().file(label + ".key"),
                                                           "-subj", subject, "-out", csr}) {
    args.push_back(extra);
  }
  const auto result = openssl(args);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return csr;
}

std::string printed_serial(const std::string& out) {
  const auto at = out.find("serial=");
  if (at == std::string::npos) return {};
  const auto end = out.find('\n', at);
  return out.substr(at + 7, end == std::string::npos ? std::string::npos : end - at - 7);
}

int line_count(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace certacl::ca::test
