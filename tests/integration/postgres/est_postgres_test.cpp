// certacl-ca serve (EST, RFC 7030) on a PostgreSQL registry: a CA made with `certacl-ca --db
// postgresql://…`, real EST servers on loopback driven by curl and openssl, and the rows
// checked in PostgreSQL itself. The CA login is a member of certacl_ca, password from a file.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "certacl_test/process.h"
#include "postgres_world.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

struct HttpAnswer {
  int status = 0;  // 0: no HTTP answer
  std::string headers;
  std::string body;
};

class PostgresEst : public ::testing::Test {
 protected:
  void SetUp() override {
    password_file_ = world_.server.create_login("ca_host1", "certacl_ca");
    url_ = world_.server.url("ca_host1");
    cli({"init", "--name", "EST on PostgreSQL", "--key-file", dir_.file("ca-key.pem")});
    cli({"ca-cert", "--out", dir_.file("ca.pem")});
    cli({"server-cert", "--cn", "localhost", "--san", "DNS:localhost,IP:127.0.0.1", "--cert-out",
         dir_.file("server.pem"), "--key-out", dir_.file("server.key")});
    cli({"role", "add", "sensors"});
    cli({"role", "allow", "sensors", "publish", "fleet/%u/#"});
    cli({"device", "add", "dev1", "--role", "sensors"});
    cli({"device", "add", "dev2", "--role", "sensors"});
  }

  CommandResult try_cli(std::vector<std::string> args) {
    args.insert(args.begin(), {ca_binary(), "--db", url_});
    CommandOptions options;
    options.environment = {{"CERTACL_DB_PASSWORD_FILE", password_file_}};
    return run_command(args, options);
  }
  CommandResult cli(const std::vector<std::string>& args) {
    CommandResult result = try_cli(args);
    EXPECT_EQ(result.exit_code, 0) << args.front() << ": " << result.err;
    return result;
  }

  // Starts one more EST server on the registry; returns its port.
  int start_server(const std::vector<std::string>& extra = {}) {
    const int port = free_loopback_port();
    std::vector<std::string> argv = {ca_binary(),
                                     "--db",
                                     url_,
                                     "serve",
                                     "--port",
                                     std::to_string(port),
                                     "--cert",
                                     dir_.file("server.pem"),
                                     "--key",
                                     dir_.file("server.key"),
                                     "--lifetime",
                                     "10m",
                                     "--device-rate",
                                     "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    CommandOptions options;
    options.environment = {{"CERTACL_DB_PASSWORD_FILE", password_file_}};
    servers_.push_back(std::make_unique<ScopedProcess>(
        argv, dir_.file("serve-" + std::to_string(port) + ".log"), options));
    EXPECT_TRUE(wait_for_port(port, 10000)) << server_log(port);
    return port;
  }
  std::string server_log(int port) const {
    const std::string path = dir_.file("serve-" + std::to_string(port) + ".log");
    return file_exists(path) ? read_file(path) : std::string{};
  }

  static std::string url(int port, const std::string& operation) {
    return "https://localhost:" + std::to_string(port) + "/.well-known/est/" + operation;
  }

  // curl with the CA certificate; `label` names its output files (concurrent calls differ).
  HttpAnswer curl(const std::string& label, const std::vector<std::string>& args) const {
    const std::string headers = dir_.file(label + ".headers");
    const std::string body = dir_.file(label + ".body");
    std::vector<std::string> argv = {
        "curl", "-sS",   "--max-time", "20", "--cacert", dir_.file("ca.pem"),
        "-D",   headers, "-o",         body};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandOptions options;
    options.timeout = 30s;
    (void)run_command(argv, options);
    HttpAnswer answer;
    answer.headers = file_exists(headers) ? read_file(headers) : std::string{};
    if (const auto at = answer.headers.rfind("HTTP/"); at != std::string::npos) {
      answer.status = static_cast<int>(
          std::strtol(answer.headers.c_str() + answer.headers.find(' ', at) + 1, nullptr, 10));
    }
    answer.body = file_exists(body) ? read_file(body) : std::string{};
    return answer;
  }

  std::string token(const std::string& device) {
    const std::string out = cli({"device", "token", device, "--ttl", "1h"}).out;
    const std::size_t at = out.find("token=");
    return at == std::string::npos ? std::string{}
                                   : out.substr(at + 6, out.find('\n', at) - at - 6);
  }

  // A fresh P-256 key (<label>.key) and its CSR as EST sends it (base64 DER).
  std::string make_csr(const std::string& label, const std::string& subject) const {
    std::string csr = dir_.file(label + ".csr.b64");
    const CommandResult made = run_command(
        {"bash", "-c",
         "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout '" +
             dir_.file(label + ".key") + "' -subj '" + subject + "' -outform DER | base64 > '" +
             csr + "'"});
    EXPECT_EQ(made.exit_code, 0) << made.err;
    return csr;
  }

  HttpAnswer enroll(int port, const std::string& label, const std::string& device,
                    const std::string& secret, const std::string& csr) const {
    return curl(label, {"--user", device + ":" + secret, "--data-binary", "@" + csr, "-H",
                        "Content-Type: application/pkcs10", url(port, "simpleenroll")});
  }

  // The certificate of a 200 answer as PEM in <label>.pem.
  std::string certificate_file(const HttpAnswer& answer, const std::string& label) const {
    const std::string b64 = dir_.file(label + ".p7.b64");
    std::string pem = dir_.file(label + ".pem");
    write_file(b64, answer.body);
    const CommandResult result = run_command(
        {"bash", "-c",
         "base64 -d < '" + b64 + "' | openssl pkcs7 -inform DER -print_certs > '" + pem + "'"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return pem;
  }

  static std::string serial_of(const std::string& pem) {
    const CommandResult result = run_command({"openssl", "x509", "-noout", "-serial", "-in", pem});
    const std::size_t at = result.out.find('=');
    if (at == std::string::npos) return {};
    return result.out.substr(at + 1, result.out.find('\n') - at - 1);
  }

  std::string sql(const std::string& query) const { return world_.server.run_sql(query); }

  PostgresWorld world_;
  TempDir dir_;
  std::string password_file_;
  std::string url_;
  std::vector<std::unique_ptr<ScopedProcess>> servers_;
};

TEST_F(PostgresEst, TokenEnrollmentIsCommittedWithItsTokenUseAndAuditRow) {
  const int port = start_server();
  const HttpAnswer cacerts = curl("cacerts", {url(port, "cacerts")});
  ASSERT_EQ(cacerts.status, 200);
  const CommandResult same =
      run_command({"bash", "-c",
                   "[ \"$(openssl x509 -in '" + certificate_file(cacerts, "cacerts") +
                       "' -noout -fingerprint -sha256)\" = \"$(openssl x509 -in '" +
                       dir_.file("ca.pem") + "' -noout -fingerprint -sha256)\" ]"});
  EXPECT_EQ(same.exit_code, 0) << "cacerts is not the CA certificate";
  EXPECT_EQ(curl("csrattrs", {url(port, "csrattrs")}).status, 200);

  const std::string secret = token("dev1");
  ASSERT_EQ(secret.size(), 43U);
  const std::string csr = make_csr("dev1", "/CN=dev1");
  const HttpAnswer answer = enroll(port, "enroll", "dev1", secret, csr);
  ASSERT_EQ(answer.status, 200) << answer.body << server_log(port);
  const std::string pem = certificate_file(answer, "dev1");
  const CommandResult verify =
      run_command({"openssl", "verify", "-CAfile", dir_.file("ca.pem"), pem});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  const std::string serial = serial_of(pem);
  // The certificate, the token's use and the audit row are all in PostgreSQL.
  EXPECT_EQ(sql("SELECT device FROM certacl.certificates WHERE serial = '" + serial + "'"),
            "dev1\n");
  EXPECT_EQ(sql("SELECT used_serial FROM certacl.enrollment_tokens WHERE device = 'dev1'"),
            serial + "\n");
  EXPECT_EQ(sql("SELECT action FROM certacl.audit_log WHERE serial = '" + serial + "'"),
            "est-enroll\n");
  EXPECT_EQ(server_log(port).find(secret), std::string::npos) << "the server logged the token";

  // A token is used once; the refusal is audited and issues nothing.
  const HttpAnswer again = enroll(port, "again", "dev1", secret, make_csr("dev1b", "/CN=dev1"));
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(again.body, "token already used\n");
  EXPECT_EQ(sql("SELECT count(*) FROM certacl.certificates WHERE device = 'dev1'"), "1\n");
  EXPECT_EQ(sql("SELECT count(*) FROM certacl.audit_log WHERE action = 'est-enroll-refused' "
                "AND device = 'dev1' AND detail LIKE 'refused: token already used%'"),
            "1\n");
  // A CSR naming another device is refused before anything is written.
  const HttpAnswer other =
      enroll(port, "other", "dev2", token("dev2"), make_csr("dev2x", "/CN=dev1"));
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(sql("SELECT count(*) FROM certacl.certificates WHERE device = 'dev2'"), "0\n");
  EXPECT_EQ(sql("SELECT count(*) FROM certacl.enrollment_tokens WHERE used_at IS NOT NULL"), "1\n");
}

TEST_F(PostgresEst, OneTokenSentToTwoServersAtOnceEnrollsExactlyOnce) {
  const std::array<int, 2> ports = {start_server(), start_server()};
  constexpr int kRounds = 4;
  for (int round = 0; round < kRounds; ++round) {
    const std::string secret = token("dev1");
    std::array<std::string, 2> csrs;
    for (int side = 0; side < 2; ++side) {
      csrs[side] = make_csr("r" + std::to_string(round) + "s" + std::to_string(side), "/CN=dev1");
    }
    std::array<HttpAnswer, 2> answers;
    std::vector<std::thread> senders;
    senders.reserve(2);
    for (int side = 0; side < 2; ++side) {
      senders.emplace_back([&, side] {
        answers[side] = enroll(ports[side], "c" + std::to_string(round) + std::to_string(side),
                               "dev1", secret, csrs[side]);
      });
    }
    for (std::thread& sender : senders) sender.join();
    const int wins = (answers[0].status == 200) + (answers[1].status == 200);
    EXPECT_EQ(wins, 1) << "round " << round << ": " << answers[0].status << " " << answers[0].body
                       << " / " << answers[1].status << " " << answers[1].body;
    for (const HttpAnswer& answer : answers) {
      if (answer.status != 200) {
        EXPECT_EQ(answer.status, 401) << answer.body;
        EXPECT_EQ(answer.body, "token already used\n");
      }
    }
  }
  EXPECT_EQ(sql("SELECT count(*) FROM certacl.certificates WHERE device = 'dev1'"),
            std::to_string(kRounds) + "\n");
  EXPECT_EQ(sql("SELECT count(*) FROM certacl.audit_log WHERE action = 'est-enroll'"),
            std::to_string(kRounds) + "\n");
  EXPECT_EQ(sql("SELECT count(*) FROM certacl.audit_log WHERE action = 'est-enroll-refused'"),
            std::to_string(kRounds) + "\n");
  EXPECT_EQ(sql("SELECT count(DISTINCT used_serial) FROM certacl.enrollment_tokens"),
            std::to_string(kRounds) + "\n");
}

TEST_F(PostgresEst, ReenrollWithTheCurrentCertificateSupersedesItAfterTheOverlap) {
  const int port = start_server({"--supersede-after", "2s"});
  const std::string csr = make_csr("dev2", "/CN=dev2");
  const HttpAnswer first = enroll(port, "first", "dev2", token("dev2"), csr);
  ASSERT_EQ(first.status, 200) << first.body << server_log(port);
  const std::string old_pem = certificate_file(first, "dev2-old");
  const std::string old_serial = serial_of(old_pem);

  const std::string next_csr = make_csr("dev2-next", "/CN=dev2");
  const HttpAnswer renewed = curl(
      "renew", {"--cert", old_pem, "--key", dir_.file("dev2.key"), "--data-binary", "@" + next_csr,
                "-H", "Content-Type: application/pkcs10", url(port, "simplereenroll")});
  ASSERT_EQ(renewed.status, 200) << renewed.body << server_log(port);
  const std::string new_serial = serial_of(certificate_file(renewed, "dev2-new"));
  EXPECT_NE(new_serial, old_serial);
  EXPECT_EQ(sql("SELECT action FROM certacl.audit_log WHERE serial = '" + new_serial + "'"),
            "est-reenroll\n");

  // The replaced certificate is revoked as superseded once the overlap (2 s) is over.
  std::string reason;
  for (int tries = 0; tries < 100 && reason != "4\n"; ++tries) {
    std::this_thread::sleep_for(100ms);
    reason = sql("SELECT revocation_reason FROM certacl.certificates WHERE serial = '" +
                 old_serial + "'");
  }
  EXPECT_EQ(reason, "4\n") << server_log(port);
  EXPECT_EQ(sql("SELECT count(*) FROM certacl.pending_supersessions"), "0\n");
  // A revoked certificate renews nothing.
  const HttpAnswer refused =
      curl("refused",
           {"--cert", old_pem, "--key", dir_.file("dev2.key"), "--data-binary", "@" + next_csr,
            "-H", "Content-Type: application/pkcs10", url(port, "simplereenroll")});
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find("is revoked (superseded)"), std::string::npos) << refused.body;
  EXPECT_EQ(sql("SELECT count(*) FROM certacl.audit_log WHERE action = 'est-reenroll-refused' "
                "AND device = 'dev2'"),
            "1\n");
}

TEST_F(PostgresEst, TokenCommandsRefuseAndRevokeAsOnSqlite) {
  EXPECT_EQ(try_cli({"device", "token", "ghost"}).exit_code, 3);
  cli({"device", "disable", "dev2"});
  const CommandResult disabled = try_cli({"device", "token", "dev2"});
  EXPECT_EQ(disabled.exit_code, 4);
  EXPECT_EQ(disabled.err, "certacl-ca: device 'dev2' is disabled\n");
  EXPECT_EQ(try_cli({"device", "token", "dev1", "--ttl", "31d"}).exit_code, 2);

  const std::string first = token("dev1");
  const std::string second = token("dev1");  // replaces the unused first one
  EXPECT_NE(first, second);
  EXPECT_EQ(cli({"device", "token-revoke", "dev1"}).out, "revoked=1\n");
  EXPECT_EQ(cli({"device", "token-revoke", "dev1"}).out, "revoked=0\n");
  EXPECT_EQ(try_cli({"device", "token-revoke", "ghost"}).exit_code, 3);
  EXPECT_EQ(sql("SELECT count(*) FROM certacl.enrollment_tokens WHERE revoked_at IS NOT NULL"),
            "2\n");
  EXPECT_EQ(sql("SELECT string_agg(action, ',' ORDER BY id) FROM certacl.audit_log WHERE "
                "action LIKE 'token-%'"),
            "token-create,token-create,token-revoke,token-revoke\n");

  const int port = start_server();
  const HttpAnswer revoked = enroll(port, "revoked", "dev1", second, make_csr("d1", "/CN=dev1"));
  EXPECT_EQ(revoked.status, 401);
  EXPECT_EQ(revoked.body, "token revoked\n");
}

TEST_F(PostgresEst, APostgresOutageAnswers503AndTheServerRecoversByItself) {
  const int port = start_server();
  const std::string secret = token("dev1");
  ASSERT_EQ(enroll(port, "before", "dev2", token("dev2"), make_csr("dev2", "/CN=dev2")).status,
            200);
  world_.server.stop();
  const HttpAnswer down = enroll(port, "down", "dev1", secret, make_csr("dev1", "/CN=dev1"));
  EXPECT_EQ(down.status, 503) << down.body << server_log(port);
  EXPECT_NE(down.headers.find("Retry-After: 5"), std::string::npos) << down.headers;
  EXPECT_EQ(down.body, "database busy, retry later\n");

  world_.server.start();
  // The first request after the restart may still meet a session the restart ended (503);
  // the server drops it and the next one connects afresh.
  HttpAnswer up;
  for (int attempt = 0; attempt < 3 && up.status != 200; ++attempt) {
    up = enroll(port, "up" + std::to_string(attempt), "dev1", secret, dir_.file("dev1.csr.b64"));
  }
  EXPECT_EQ(up.status, 200) << up.body << server_log(port);
  EXPECT_EQ(sql("SELECT count(*) FROM certacl.certificates WHERE device = 'dev1'"), "1\n");
  EXPECT_EQ(sql("SELECT count(*) FROM certacl.enrollment_tokens WHERE used_at IS NOT NULL"), "2\n");
}

}  // namespace
}  // namespace certacl::test
