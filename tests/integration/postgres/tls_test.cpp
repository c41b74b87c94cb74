// TLS between certacl and a real PostgreSQL: the server holds a certificate made by
// certacl-ca server-cert and takes only TLS connections (hostssl); the broker plugin and
// certacl-ca connect with sslmode=verify-full and the CA file, and refuse a server whose
// certificate does not verify (another CA, another host name). Some logins must also
// present a client certificate (clientcert=verify-full).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "certacl_test/broker_fixture.h"
#include "certacl_test/ca_fixture.h"
#include "certacl_test/paths.h"
#include "certacl_test/postgres_fixture.h"
#include "enrolled_fleet.h"
#include "postgres_world.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

constexpr int kExitDatabase = 5;  // certacl-ca: database error (docs/CA.md)
// The name in the server's certificate. libpq checks it against the host of the URL while
// hostaddr= says where to connect, so no resolver is involved.
constexpr const char* kServerName = "pg.certacl.test";

class PostgresTls : public ::testing::Test {
 protected:
  void SetUp() override {
    // A client certificate for the login "brokerc" (CN = the login), from the same CA; not
    // a device of the registry.
    fleet_.enroll("brokerc", false);
    const std::string server_cert = ca().dir().file("pg-server.crt");
    const std::string server_key = ca().dir().file("pg-server.key");
    ca().run({"server-cert", "--cn", kServerName, "--san", std::string("DNS:") + kServerName,
              "--cert-out", server_cert, "--key-out", server_key});
    world_.server.require_tls({server_cert, server_key, ca().ca_cert_path(), {"brokerc"}});
  }

  [[nodiscard]] CaFixture& ca() { return fleet_.ca; }

  // postgresql://login@<host>:port/certacl?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=…
  [[nodiscard]] std::string tls_url(const std::string& login, const std::string& root_ca,
                                    const std::string& host = kServerName,
                                    const std::string& extra = "") const {
    return "postgresql://" + login + "@" + host + ":" + std::to_string(world_.server.port()) +
           "/certacl?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=" + root_ca + extra;
  }

  // A broker that must not start; returns its log.
  std::string refused_broker(const std::string& url, const std::string& password_file) {
    BrokerFixture fixture(fleet_.broker_settings(url, password_file));
    EXPECT_FALSE(fixture.start(5s)) << fixture.log();
    EXPECT_TRUE(fixture.wait_for_exit(5s).has_value());
    return fixture.log();
  }

  CommandResult certacl_ca(const std::string& url, const std::vector<std::string>& command) {
    std::vector<std::string> argv = {ca_binary(), "--db", url};
    argv.insert(argv.end(), command.begin(), command.end());
    CommandOptions options;
    options.environment = {{"CERTACL_DB_PASSWORD_FILE", *world_.ca.password_file}};
    return run_command(argv, options);
  }

  PostgresWorld world_;
  store::PostgresStore writer_{world_.ca};  // before TLS is required (sslmode=prefer)
  EnrolledFleet fleet_{writer_, {"dev1", "dev2"}};
  CaFixture other_ca_;  // a CA that did not sign the server's certificate
};

TEST_F(PostgresTls, TheBrokerAndTheCaVerifyTheServerAndWorkOverTls) {
  BrokerFixture broker(
      fleet_.broker_settings(tls_url("broker_a", ca().ca_cert_path()),
                             world_.server.create_login("broker_a", "certacl_broker")));
  ASSERT_TRUE(broker.start()) << broker.log();
  auto dev1 = fleet_.connected(broker, "dev1");
  // The broker's LISTENing session is encrypted.
  EXPECT_EQ(world_.server.run_sql("SELECT bool_and(s.ssl) AND count(*) = 1 FROM pg_stat_ssl s "
                                  "JOIN pg_stat_activity a USING (pid) WHERE a.usename = "
                                  "'broker_a'"),
            "t\n");

  // certacl-ca over TLS revokes; the NOTIFY reaches the broker over TLS.
  const CommandResult revoked =
      certacl_ca(tls_url("ca_writer", ca().ca_cert_path()), {"revoke", "--device", "dev1"});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.out << revoked.err;
  EXPECT_TRUE(dev1->wait_for_disconnect(5s).has_value()) << broker.log();
  auto dev2 = fleet_.connected(broker, "dev2");
  EXPECT_TRUE(dev2->connected());
}

TEST_F(PostgresTls, AServerWhoseCertificateDoesNotVerifyIsRefused) {
  const std::string broker_password = world_.server.create_login("broker_a", "certacl_broker");
  // Signed by another CA.
  std::string log = refused_broker(tls_url("broker_a", other_ca_.ca_cert_path()), broker_password);
  EXPECT_NE(log.find("refusing to start: cannot connect to PostgreSQL"), std::string::npos) << log;
  EXPECT_NE(log.find("certificate verify failed"), std::string::npos) << log;
  // The right CA, but the certificate names another host than the URL.
  log = refused_broker(tls_url("broker_a", ca().ca_cert_path(), "localhost"), broker_password);
  EXPECT_NE(log.find("server certificate for \"pg.certacl.test\" does not match host name "
                     "\"localhost\""),
            std::string::npos)
      << log;

  CommandResult result =
      certacl_ca(tls_url("ca_writer", other_ca_.ca_cert_path()), {"revoke", "--device", "dev1"});
  EXPECT_EQ(result.exit_code, kExitDatabase) << result.out << result.err;
  EXPECT_NE(result.err.find("certificate verify failed"), std::string::npos) << result.err;
  // Without TLS the server itself refuses (hostssl only).
  result = certacl_ca("postgresql://ca_writer@127.0.0.1:" + std::to_string(world_.server.port()) +
                          "/certacl?sslmode=disable",
                      {"revoke", "--device", "dev1"});
  EXPECT_EQ(result.exit_code, kExitDatabase) << result.out << result.err;
  EXPECT_NE(result.err.find("no encryption"), std::string::npos) << result.err;
  EXPECT_EQ(world_.server.run_sql("SELECT count(*) FROM certacl.certificates "
                                  "WHERE revoked_at IS NOT NULL"),
            "0\n");
}

TEST_F(PostgresTls, ALoginBoundToAClientCertificateNeedsThatCertificate) {
  const std::string password = world_.server.create_login("brokerc", "certacl_broker");
  const IssuedCertificate& own = fleet_.certificate("brokerc");
  BrokerFixture broker(
      fleet_.broker_settings(tls_url("brokerc", ca().ca_cert_path(), kServerName,
                                     "&sslcert=" + own.cert_path + "&sslkey=" + own.key_path),
                             password));
  ASSERT_TRUE(broker.start()) << broker.log();
  EXPECT_TRUE(broker.running());

  // The password alone is not enough.
  std::string log = refused_broker(tls_url("brokerc", ca().ca_cert_path()), password);
  EXPECT_NE(log.find("connection requires a valid client certificate"), std::string::npos) << log;
  // Nor a valid certificate naming another login (the server answers as for a wrong
  // password, saying no more).
  const IssuedCertificate& other = fleet_.certificate("dev1");
  log = refused_broker(tls_url("brokerc", ca().ca_cert_path(), kServerName,
                               "&sslcert=" + other.cert_path + "&sslkey=" + other.key_path),
                       password);
  EXPECT_NE(log.find("authentication failed for user \"brokerc\""), std::string::npos) << log;
}

// One URL for every server, TLS verified on each, for the broker and the CA alike, through a
// failover: the standby (a base backup of the TLS primary, so the same certificate and
// hostssl rules) is listed first and skipped until it is promoted.
TEST_F(PostgresTls, OneMultiHostUrlWithTlsFollowsAFailoverForTheBrokerAndTheCa) {
  const std::string password = world_.server.create_login("broker_a", "certacl_broker");
  PostgresServer standby(PostgresServer::StandbyOf{world_.server});
  standby.wait_for_replay_of(world_.server);
  const auto url = [&](const std::string& login) {
    return "postgresql://" + login + "@" + kServerName + ":" + std::to_string(standby.port()) +
           "," + kServerName + ":" + std::to_string(world_.server.port()) +
           "/certacl?hostaddr=127.0.0.1,127.0.0.1&target_session_attrs=read-write"
           "&sslmode=verify-full&sslrootcert=" +
           ca().ca_cert_path();
  };
  BrokerSettings settings = fleet_.broker_settings(url("broker_a"), password);
  settings.plugin_options["poll_interval_ms"] = "200";
  BrokerFixture broker(settings);
  ASSERT_TRUE(broker.start()) << broker.log();
  auto dev1 = fleet_.connected(broker, "dev1");
  auto dev2 = fleet_.connected(broker, "dev2");
  CommandResult revoked = certacl_ca(url("ca_writer"), {"revoke", "--device", "dev1"});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.out << revoked.err;
  EXPECT_TRUE(dev1->wait_for_disconnect(5s).has_value()) << broker.log();

  world_.server.stop(PostgresServer::Shutdown::kImmediate);
  standby.promote();
  EXPECT_TRUE(broker.wait_for_log("readable again; registry is current", 15s)) << broker.log();
  EXPECT_EQ(standby.run_sql("SELECT bool_and(s.ssl) AND count(*) = 1 FROM pg_stat_ssl s "
                            "JOIN pg_stat_activity a USING (pid) WHERE a.usename = 'broker_a'"),
            "t\n");
  revoked = certacl_ca(url("ca_writer"), {"revoke", "--device", "dev2"});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.out << revoked.err;
  EXPECT_TRUE(dev2->wait_for_disconnect(5s).has_value()) << broker.log();
}

}  // namespace
}  // namespace certacl::test
