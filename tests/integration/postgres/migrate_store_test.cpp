// certacl-ca migrate-store: a SQLite registry made by the real CLI copied into a real
// PostgreSQL as the schema's owner, then compared through the CLI on both stores, and the
// refusals (a second run, a corrupt or missing source, a login without the rights) that
// must leave the target as it was.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "certacl_test/process.h"
#include "postgres_world.h"

namespace certacl::test {
namespace {

class PostgresMigrateStore : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_password_ = world_.server.create_login("ca_host1", "certacl_ca");
    sqlite_ = dir_.file("registry.db");
  }

  CommandResult on_sqlite(std::vector<std::string> args) {
    args.insert(args.begin(), {ca_binary(), "--db", sqlite_});
    CommandResult result = run_command(args);
    EXPECT_EQ(result.exit_code, 0) << args[3] << ": " << result.err;
    return result;
  }
  CommandResult on_postgres(std::vector<std::string> args) {
    args.insert(args.begin(), {ca_binary(), "--db", world_.server.url("ca_host1")});
    CommandOptions options;
    options.environment = {{"CERTACL_DB_PASSWORD_FILE", ca_password_}};
    return run_command(args, options);
  }
  // migrate-store as the superuser that applied the schema (password from PGPASSFILE).
  CommandResult migrate(const std::string& from, const std::string& login = "postgres") {
    CommandOptions options;
    options.environment = {{"PGPASSFILE", world_.server.passfile()}};
    return run_command(
        {ca_binary(), "migrate-store", "--from", from, "--to", world_.server.url(login)}, options);
  }

  // A registry with a bit of everything: rules with a gap in their ids, SANs, a disabled
  // device, revocations, tokens, audit rows.
  void build_sqlite_registry() {
    on_sqlite({"init", "--name", "Migrated CA", "--key-file", dir_.file("ca-key.pem")});
    on_sqlite({"server-cert", "--cn", "localhost", "--cert-out", dir_.file("server.pem"),
               "--key-out", dir_.file("server.key")});
    on_sqlite({"role", "add", "sensor"});
    on_sqlite({"role", "allow", "sensor", "publish", "fleet/%u/#"});
    on_sqlite({"role", "allow", "sensor", "subscribe", "cmd/%u"});
    on_sqlite({"role", "deny", "sensor", "publish", "fleet/%u/secret"});
    on_sqlite({"role", "rule", "remove", "sensor", "2"});
    on_sqlite({"role", "add", "multi", "--client-id", "prefix"});
    on_sqlite({"device", "add", "dev1", "--role", "sensor", "--san-dns", "dev1.example"});
    on_sqlite({"device", "add", "dev2", "--role", "sensor"});
    on_sqlite({"device", "add", "dev3", "--role", "multi"});
    for (const char* device : {"dev1", "dev2", "dev2"}) {
      const std::string label = dir_.file(std::string(device) + std::to_string(issued_++));
      on_sqlite({"enroll", device, "--key-out", label + ".key", "--cert-out", label + ".pem"});
    }
    on_sqlite({"revoke", "--device", "dev2", "--reason", "keyCompromise"});
    on_sqlite({"device", "token", "dev3"});
    on_sqlite({"device", "token", "dev1"});
    on_sqlite({"device", "token-revoke", "dev1"});
    on_sqlite({"device", "disable", "dev3"});
  }

  std::string sql(const std::string& query) const { return world_.server.run_sql(query); }

  PostgresWorld world_;
  TempDir dir_;
  std::string ca_password_;
  std::string sqlite_;
  int issued_ = 0;
};

TEST_F(PostgresMigrateStore, CopiesEverythingVerifiedAndTheCaCarriesOnInPostgres) {
  build_sqlite_registry();
  const std::string source_counter =
      run_command({"sqlite3", sqlite_, "SELECT change_counter FROM certacl_state"}).out;
  const CommandResult copied = migrate("sqlite:" + sqlite_);
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  for (const char* table : {"ca +1", "roles +2", "role_rules +2", "devices +3", "certificates +4",
                            "enrollment_tokens +2", "pending_supersessions +0", "audit_log +20"}) {
    EXPECT_TRUE(
        std::regex_search(copied.out, std::regex(std::string("\n") + table + " +[0-9a-f]{64}\n")))
        << table << "\n"
        << copied.out;
  }
  std::smatch counters;
  ASSERT_TRUE(std::regex_search(copied.out, counters,
                                std::regex("change counter: source (\\d+), PostgreSQL (\\d+)")))
      << copied.out;
  EXPECT_EQ(counters[1].str() + "\n", source_counter);
  EXPECT_GE(std::stoll(counters[2].str()), std::stoll(counters[1].str()));
  EXPECT_EQ(sql("SELECT change_counter FROM certacl.state"), counters[2].str() + "\n");
  // The change log names every copied role, rule, device and certificate, numbered from 1
  // without a gap, as the per-row triggers would have.
  EXPECT_EQ(sql("SELECT count(*), min(counter), max(counter), count(DISTINCT counter) FROM "
                "certacl.change_log"),
            "11|1|11|11\n");
  EXPECT_EQ(sql("SELECT string_agg(entity || ':' || key, ',' ORDER BY counter) FROM "
                "certacl.change_log WHERE entity <> 'certificate'"),
            "role:multi,role:sensor,role:sensor,role:sensor,device:dev1,device:dev2,device:dev3\n");

  // The CA login sees the same registry as the SQLite file, through the same commands.
  for (const std::vector<std::string>& view :
       std::vector<std::vector<std::string>>{{"cert", "list", "--json"},
                                             {"device", "list", "--json"},
                                             {"role", "show", "sensor", "--json"},
                                             {"role", "list"},
                                             {"device", "show", "dev1"}}) {
    const CommandResult migrated = on_postgres(view);
    EXPECT_EQ(migrated.exit_code, 0) << migrated.err;
    EXPECT_EQ(migrated.out, on_sqlite(view).out) << view[0] << " " << view[1];
  }
  // The audit log keeps its ids, times and order; migrate-store adds one row of its own.
  auto sqlite_audit = nlohmann::json::parse(on_sqlite({"audit", "--json"}).out);
  auto postgres_audit = nlohmann::json::parse(on_postgres({"audit", "--json"}).out);
  ASSERT_EQ(postgres_audit.size(), sqlite_audit.size() + 1);
  EXPECT_EQ(postgres_audit.back().at("action"), "migrate-store");
  postgres_audit.erase(postgres_audit.size() - 1);
  EXPECT_EQ(postgres_audit, sqlite_audit);
  EXPECT_EQ(
      sql("SELECT token_sha256 FROM certacl.enrollment_tokens ORDER BY id"),
      run_command({"sqlite3", sqlite_, "SELECT token_sha256 FROM enrollment_tokens ORDER BY id"})
          .out);

  // And the CA goes on there: ids continue after the copied ones, the CRL has the revocation.
  EXPECT_EQ(on_postgres({"role", "allow", "sensor", "subscribe", "cfg/%u"}).exit_code, 0);
  EXPECT_EQ(sql("SELECT max(id) FROM certacl.role_rules"), "4\n");
  // The change triggers are on again: that rule bumped the counter and logged itself.
  EXPECT_EQ(sql("SELECT change_counter FROM certacl.state"),
            std::to_string(std::stoll(counters[2].str()) + 1) + "\n");
  EXPECT_EQ(sql("SELECT key FROM certacl.change_log WHERE counter = (SELECT change_counter "
                "FROM certacl.state)"),
            "sensor\n");
  const CommandResult enrolled = on_postgres(
      {"enroll", "dev1", "--key-out", dir_.file("pg.key"), "--cert-out", dir_.file("pg.pem")});
  EXPECT_EQ(enrolled.exit_code, 0) << enrolled.err;
  EXPECT_EQ(on_postgres({"crl", "--out", dir_.file("crl.pem")}).exit_code, 0);
  const CommandResult crl =
      run_command({"openssl", "crl", "-in", dir_.file("crl.pem"), "-noout", "-text"});
  EXPECT_NE(crl.out.find("Key Compromise"), std::string::npos) << crl.out;
}

TEST_F(PostgresMigrateStore, ASecondRunIsRefusedAndChangesNothing) {
  build_sqlite_registry();
  ASSERT_EQ(migrate("sqlite:" + sqlite_).exit_code, 0);
  const std::string before =
      sql("SELECT (SELECT count(*) FROM certacl.audit_log), (SELECT count(*) FROM "
          "certacl.certificates), (SELECT change_counter FROM certacl.state)");
  const CommandResult again = migrate("sqlite:" + sqlite_);
  EXPECT_EQ(again.exit_code, 4);
  EXPECT_NE(again.err.find("is not empty"), std::string::npos) << again.err;
  EXPECT_EQ(std::count(again.err.begin(), again.err.end(), '\n'), 1) << again.err;
  EXPECT_EQ(sql("SELECT (SELECT count(*) FROM certacl.audit_log), (SELECT count(*) FROM "
                "certacl.certificates), (SELECT change_counter FROM certacl.state)"),
            before);
}

TEST_F(PostgresMigrateStore, ARowPostgresRefusesHalfwayRollsBackEverything) {
  build_sqlite_registry();
  // SQLite does not enforce foreign keys unless asked: a token of a device that does not
  // exist gets in, and PostgreSQL refuses it after the roles, devices and certificates were
  // copied in the same transaction.
  const CommandResult planted =
      run_command({"sqlite3", sqlite_,
                   "INSERT INTO enrollment_tokens (device, token_sha256, created_at, expires_at) "
                   "VALUES ('ghost', 'ffff', 1, 2)"});
  ASSERT_EQ(planted.exit_code, 0) << planted.err;
  const CommandResult refused = migrate("sqlite:" + sqlite_);
  EXPECT_EQ(refused.exit_code, 5);
  EXPECT_NE(refused.err.find("PostgreSQL refuses a row of table enrollment_tokens"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
  EXPECT_EQ(sql("SELECT (SELECT count(*) FROM certacl.roles) + (SELECT count(*) FROM "
                "certacl.devices) + (SELECT count(*) FROM certacl.certificates) + (SELECT "
                "count(*) FROM certacl.audit_log) + (SELECT count(*) FROM certacl.change_log)"),
            "0\n");
  EXPECT_EQ(sql("SELECT change_counter FROM certacl.state"), "0\n");
}

TEST_F(PostgresMigrateStore, ABadSourceOrALoginWithoutTheRightsChangesNothing) {
  const auto target_is_untouched = [&] {
    EXPECT_EQ(sql("SELECT (SELECT count(*) FROM certacl.audit_log) + (SELECT count(*) FROM "
                  "certacl.roles) + (SELECT change_counter FROM certacl.state)"),
              "0\n");
  };
  const CommandResult missing = migrate("sqlite:" + dir_.file("nowhere.db"));
  EXPECT_EQ(missing.exit_code, 5) << missing.err;
  target_is_untouched();

  write_file(dir_.file("garbage.db"), std::string(8192, 'x'));
  const CommandResult garbage = migrate("sqlite:" + dir_.file("garbage.db"));
  EXPECT_EQ(garbage.exit_code, 5) << garbage.err;
  EXPECT_NE(garbage.err.find("garbage.db"), std::string::npos) << garbage.err;
  target_is_untouched();

  // A real registry whose pages after the first are overwritten: corrupt, not foreign.
  build_sqlite_registry();
  const std::string corrupt = dir_.file("corrupt.db");
  std::string bytes = read_file(sqlite_);
  ASSERT_GT(bytes.size(), 8192U);
  for (std::size_t at = 4096; at < bytes.size(); at += 7) bytes[at] = static_cast<char>(0xA5);
  write_file(corrupt, bytes);
  const CommandResult damaged = migrate("sqlite:" + corrupt);
  EXPECT_EQ(damaged.exit_code, 5) << damaged.err;
  EXPECT_EQ(std::count(damaged.err.begin(), damaged.err.end(), '\n'), 1) << damaged.err;
  target_is_untouched();

  EXPECT_EQ(migrate(world_.server.url("postgres")).exit_code, 1);
  // certacl_ca may not set the counter: refused before any row is written.
  CommandOptions options;
  options.environment = {{"CERTACL_DB_PASSWORD_FILE", ca_password_}};
  const CommandResult as_ca =
      run_command({ca_binary(), "migrate-store", "--from", "sqlite:" + sqlite_, "--to",
                   world_.server.url("ca_host1")},
                  options);
  EXPECT_EQ(as_ca.exit_code, 4) << as_ca.err;
  EXPECT_NE(as_ca.err.find("owns the certacl schema"), std::string::npos) << as_ca.err;
  target_is_untouched();
}

}  // namespace
}  // namespace certacl::test
