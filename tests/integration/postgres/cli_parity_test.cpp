// certacl-ca with --db postgresql://… against the same command sequence on a SQLite file:
// every step must end with the same exit code and print the same lines (serials, paths and
// the database named masked), and both audit logs must list the same actions for the same
// devices. The PostgreSQL side logs in as a member of certacl_ca, password from a file.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "certacl_test/process.h"
#include "postgres_world.h"

namespace certacl::test {
namespace {

struct Outcome {
  std::string step;
  int exit_code = -1;
  std::string out;
  std::string err;
};

// One store under test: its --db, a directory for its files, and the serials it issued.
class CliRun {
 public:
  CliRun(std::string db, std::map<std::string, std::string> environment)
      : db_(std::move(db)), environment_(std::move(environment)) {}

  Outcome run(const std::string& step, std::vector<std::string> args) {
    args.insert(args.begin(), {ca_binary(), "--db", db_});
    CommandOptions options;
    options.environment = environment_;
    const CommandResult result = run_command(args, options);
    Outcome outcome{step, result.exit_code, mask(result.out), mask(result.err)};
    std::smatch serial;
    if (std::regex_search(result.out, serial, std::regex("serial=([0-9A-F]+)"))) {
      last_serial_ = serial[1];
    }
    return outcome;
  }
  [[nodiscard]] const std::string& last_serial() const { return last_serial_; }
  [[nodiscard]] std::string file(const std::string& name) const { return dir_.file(name); }

 private:
  std::string mask(std::string text) const {
    for (const std::string& literal : {db_, dir_.path()}) {
      for (std::size_t at = text.find(literal); at != std::string::npos; at = text.find(literal)) {
        text.replace(at, literal.size(), "<here>");
      }
    }
    text = std::regex_replace(text, std::regex("[0-9A-F]{24,}"), "<serial>");
    // Both runs happen seconds apart: times are masked, in text and in JSON.
    text = std::regex_replace(text, std::regex("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"),
                              "<time>");
    return std::regex_replace(
        text,
        std::regex("\"(created_at|updated_at|not_before|not_after|issued_at|revoked_at)\": ?\\d+"),
        "\"$1\": 0");
  }

  std::string db_;
  std::map<std::string, std::string> environment_;
  TempDir dir_;
  std::string last_serial_;
};

// A CSR for `common_name` with a fresh P-256 key, shared by both runs.
std::string make_csr(const TempDir& dir, const std::string& common_name) {
  const std::string csr = dir.file(common_name + ".csr");
  const CommandResult made = run_command(
      {"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", dir.file(common_name + ".key"), "-out", csr, "-subj", "/CN=" + common_name});
  EXPECT_EQ(made.exit_code, 0) << made.err;
  return csr;
}

std::vector<Outcome> run_sequence(CliRun& cli, const TempDir& csrs) {
  std::vector<Outcome> outcomes;
  const auto step = [&](const std::string& name, std::vector<std::string> args) {
    outcomes.push_back(cli.run(name, std::move(args)));
  };
  step("init", {"init", "--name", "Parity CA", "--key-file", cli.file("ca-key.pem")});
  step("init again", {"init", "--name", "Parity CA", "--key-file", cli.file("other-key.pem")});
  step("ca-cert", {"ca-cert", "--out", cli.file("ca.pem")});
  step("server-cert", {"server-cert", "--cn", "localhost", "--san", "DNS:localhost,IP:127.0.0.1",
                       "--cert-out", cli.file("server.pem"), "--key-out", cli.file("server.key")});
  step("role add", {"role", "add", "sensor"});
  step("role add twice", {"role", "add", "sensor"});
  step("role add bad name", {"role", "add", "bad/name"});
  step("role allow", {"role", "allow", "sensor", "publish", "fleet/%u/#"});
  step("role deny", {"role", "deny", "sensor", "publish", "fleet/%u/secret"});
  step("role allow twice", {"role", "allow", "sensor", "publish", "fleet/%u/#"});
  step("role allow unknown role", {"role", "allow", "ghosts", "publish", "fleet/#"});
  step("role allow bad pattern", {"role", "allow", "sensor", "publish", "fleet/#/x"});
  step("device add", {"device", "add", "dev1", "--role", "sensor"});
  step("device add dev2", {"device", "add", "dev2", "--role", "sensor", "--san-dns", "d2.example"});
  step("device add twice", {"device", "add", "dev1", "--role", "sensor"});
  step("device add same SAN",
       {"device", "add", "dev3", "--role", "sensor", "--san-dns", "d2.example"});
  step("device add unknown role", {"device", "add", "dev4", "--role", "ghosts"});
  step("device add bad name", {"device", "add", "dev+1", "--role", "sensor"});
  step("enroll",
       {"enroll", "dev1", "--key-out", cli.file("e.key"), "--cert-out", cli.file("e.pem")});
  step("device disable", {"device", "disable", "dev2"});
  step("device disable twice", {"device", "disable", "dev2"});
  step("device disable unknown", {"device", "disable", "ghost"});
  step("sign", {"sign", "--csr", csrs.file("dev1.csr"), "--out", cli.file("dev1.pem")});
  const std::string dev1_serial = cli.last_serial();
  step("sign unknown device",
       {"sign", "--csr", csrs.file("ghost.csr"), "--out", cli.file("g.pem")});
  step("sign disabled device",
       {"sign", "--csr", csrs.file("dev2.csr"), "--out", cli.file("d2.pem")});
  step("device enable", {"device", "enable", "dev2"});
  step("sign dev2", {"sign", "--csr", csrs.file("dev2.csr"), "--out", cli.file("dev2.pem")});
  step("renew dev2", {"renew", "--csr", csrs.file("dev2.csr"), "--out", cli.file("dev2b.pem")});
  step("revoke serial", {"revoke", dev1_serial, "--reason", "keyCompromise"});
  step("revoke serial twice", {"revoke", dev1_serial});
  step("revoke unknown serial", {"revoke", "0ABCDEF"});
  step("sign compromised key",
       {"sign", "--csr", csrs.file("dev1.csr"), "--out", cli.file("x.pem")});
  step("revoke device", {"revoke", "--device", "dev2", "--reason", "superseded"});
  step("revoke device again", {"revoke", "--device", "dev2"});
  step("revoke unknown device", {"revoke", "--device", "ghost"});
  step("revoke bad reason", {"revoke", "--device", "dev2", "--reason", "certificateHold"});
  step("role add prefix", {"role", "add", "multi", "--client-id", "prefix"});
  step("role add bad client-id rule", {"role", "add", "other", "--client-id", "any"});
  step("role set-client-id", {"role", "set-client-id", "sensor", "prefix"});
  step("role set-client-id again", {"role", "set-client-id", "sensor", "prefix"});
  step("role set-client-id unknown", {"role", "set-client-id", "ghosts", "exact"});
  step("device remove", {"device", "remove", "dev2"});
  step("device remove again", {"device", "remove", "dev2"});
  step("sign removed device", {"sign", "--csr", csrs.file("dev2.csr"), "--out", cli.file("r.pem")});
  step("crl", {"crl", "--out", cli.file("crl.pem")});
  step("crl bad days", {"crl", "--out", cli.file("crl2.pem"), "--days", "0"});
  // The views and the corrections. Steps named "unordered:" list certificates issued within
  // one second, which both stores order by their (random) serials: compared as sorted lines.
  step("device list", {"device", "list"});
  step("device list json", {"device", "list", "--json"});
  step("unordered: device show", {"device", "show", "dev1"});
  step("device show removed json", {"device", "show", "dev2", "--json"});
  step("device show unknown", {"device", "show", "ghost"});
  step("role list", {"role", "list"});
  step("role list json", {"role", "list", "--json"});
  step("role show", {"role", "show", "sensor"});
  step("role show json", {"role", "show", "sensor", "--json"});
  step("role show unknown", {"role", "show", "ghosts"});
  step("role add spare", {"role", "add", "spare"});
  step("role allow spare", {"role", "allow", "spare", "subscribe", "spare/%u"});
  step("device set-role", {"device", "set-role", "dev1", "spare"});
  step("device set-role again", {"device", "set-role", "dev1", "spare"});
  step("device set-role unknown role", {"device", "set-role", "dev1", "ghosts"});
  step("device set-role unknown device", {"device", "set-role", "ghost", "spare"});
  step("role remove in use", {"role", "remove", "spare"});
  step("device set-role back", {"device", "set-role", "dev1", "sensor"});
  step("role rule remove other role's id", {"role", "rule", "remove", "sensor", "3"});
  step("role rule remove bad id", {"role", "rule", "remove", "spare", "x"});
  step("role rule remove", {"role", "rule", "remove", "spare", "3"});
  step("role rule remove again", {"role", "rule", "remove", "spare", "3"});
  step("role remove", {"role", "remove", "spare"});
  step("role remove unknown", {"role", "remove", "spare"});
  step("unordered: cert list", {"cert", "list"});
  step("unordered: cert list dev1", {"cert", "list", "--device", "dev1"});
  step("cert list unknown device", {"cert", "list", "--device", "ghost"});
  step("unordered: cert expiring", {"cert", "expiring", "--within", "3650d"});
  step("cert expiring none", {"cert", "expiring", "--within", "1d", "--json"});
  return outcomes;
}

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

// (action, device) of every audit row, in order.
std::vector<std::string> audit_actions(CliRun& cli) {
  const Outcome audit = cli.run("audit", {"audit", "--json"});
  EXPECT_EQ(audit.exit_code, 0) << audit.err;
  std::vector<std::string> actions;
  for (const auto& entry : nlohmann::json::parse(audit.out)) {
    actions.push_back(entry.at("action").get<std::string>() + " " +
                      (entry.at("device").is_null() ? "-" : entry.at("device").get<std::string>()));
  }
  return actions;
}

// Revoked serials a CRL lists, as openssl prints them.
std::size_t revoked_in_crl(const std::string& path) {
  const CommandResult text = run_command({"openssl", "crl", "-in", path, "-noout", "-text"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  std::size_t count = 0;
  for (std::size_t at = text.out.find("Serial Number:"); at != std::string::npos;
       at = text.out.find("Serial Number:", at + 1)) {
    ++count;
  }
  return count;
}

TEST(PostgresCliParity, TheSameCommandsEndTheSameOnBothStores) {
  PostgresWorld world;
  const std::string password_file = world.server.create_login("ca_host1", "certacl_ca");
  TempDir csrs;
  for (const char* name : {"dev1", "dev2", "ghost"}) make_csr(csrs, name);
  TempDir sqlite_dir;
  CliRun sqlite(sqlite_dir.file("registry.db"), {});
  CliRun postgres(world.server.url("ca_host1"), {{"CERTACL_DB_PASSWORD_FILE", password_file}});

  const std::vector<Outcome> on_sqlite = run_sequence(sqlite, csrs);
  const std::vector<Outcome> on_postgres = run_sequence(postgres, csrs);
  ASSERT_EQ(on_sqlite.size(), on_postgres.size());
  for (std::size_t i = 0; i < on_sqlite.size(); ++i) {
    const Outcome& expected = on_sqlite[i];
    const Outcome& actual = on_postgres[i];
    EXPECT_EQ(actual.exit_code, expected.exit_code) << expected.step << ": " << actual.err;
    if (expected.step.starts_with("unordered:")) {
      EXPECT_EQ(sorted_lines(actual.out), sorted_lines(expected.out)) << expected.step;
      EXPECT_GE(std::count(actual.out.begin(), actual.out.end(), '\n'), 2) << expected.step;
    } else {
      EXPECT_EQ(actual.out, expected.out) << expected.step;
    }
    EXPECT_EQ(actual.err, expected.err) << expected.step;
  }
  // Refusals did refuse: spot-check the codes docs/CA.md gives.
  const auto code_of = [&](const std::string& step) {
    for (const Outcome& outcome : on_postgres) {
      if (outcome.step == step) return outcome.exit_code;
    }
    return -1;
  };
  EXPECT_EQ(code_of("init again"), 4);
  EXPECT_EQ(code_of("role allow unknown role"), 3);
  EXPECT_EQ(code_of("role allow bad pattern"), 2);
  EXPECT_EQ(code_of("sign compromised key"), 2);
  EXPECT_EQ(code_of("server-cert"), 0);
  EXPECT_EQ(code_of("device remove"), 0);
  EXPECT_EQ(code_of("sign removed device"), 3);
  EXPECT_EQ(code_of("device show unknown"), 3);
  EXPECT_EQ(code_of("role remove in use"), 4);
  EXPECT_EQ(code_of("role rule remove other role's id"), 3);
  EXPECT_EQ(code_of("role rule remove"), 0);
  EXPECT_EQ(code_of("device set-role"), 0);

  std::vector<std::string> sqlite_audit = audit_actions(sqlite);
  const std::vector<std::string> postgres_audit = audit_actions(postgres);
  // SQLite writes one revoke row per certificate of a device, PostgreSQL one per device:
  // dev2 held two (sign, renew) when it was revoked.
  const auto second = std::find(sqlite_audit.begin(), sqlite_audit.end(), "revoke dev2");
  ASSERT_NE(second, sqlite_audit.end());
  ASSERT_EQ(*(second + 1), "revoke dev2");
  sqlite_audit.erase(second + 1);
  EXPECT_EQ(postgres_audit, sqlite_audit);
  EXPECT_EQ(revoked_in_crl(postgres.file("crl.pem")), 3U);
  EXPECT_EQ(revoked_in_crl(sqlite.file("crl.pem")), 3U);
}

TEST(PostgresCliParity, CommandsForASqliteFileSaySoAndChangeNothing) {
  PostgresWorld world;
  const std::string password_file = world.server.create_login("ca_host1", "certacl_ca");
  CliRun postgres(world.server.url("ca_host1"), {{"CERTACL_DB_PASSWORD_FILE", password_file}});
  const Outcome backup = postgres.run("backup", {"backup", "--out", postgres.file("b.db")});
  EXPECT_EQ(backup.exit_code, 1);
  EXPECT_EQ(backup.err,
            "certacl-ca: 'certacl-ca backup' does not work on a PostgreSQL registry: it copies a "
            "SQLite file; back up PostgreSQL with pg_dump or the server's own backups\n");
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"restore", "--from", postgres.file("b.db")},
                                             {"migrate"},
                                             {"ca", "set-key-path", postgres.file("k.pem")}}) {
    const Outcome refused = postgres.run(args.front(), args);
    EXPECT_EQ(refused.exit_code, 1) << args.front();
    EXPECT_NE(refused.err.find("does not work on a PostgreSQL registry"), std::string::npos)
        << refused.err;
  }
  EXPECT_FALSE(file_exists(postgres.file("b.db")));
  const Outcome no_ca = postgres.run("sign", {"sign", "--csr", "/dev/null", "--out", "-"});
  EXPECT_NE(no_ca.exit_code, 0);
  const Outcome wrong =
      CliRun(world.server.url("ca_host1"), {{"CERTACL_DB_PASSWORD_FILE", "/nonexistent"}})
          .run("role add", {"role", "add", "x"});
  EXPECT_EQ(wrong.exit_code, 5);
  EXPECT_NE(wrong.err.find("database error: cannot read password file '/nonexistent'"),
            std::string::npos)
      << wrong.err;
  EXPECT_EQ(world.server.run_sql("SELECT count(*) FROM certacl.roles"), "0\n");
  EXPECT_EQ(world.server.run_sql("SELECT count(*) FROM certacl.audit_log"), "0\n");
}

}  // namespace
}  // namespace certacl::test
