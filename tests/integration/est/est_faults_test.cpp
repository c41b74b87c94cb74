// The server under faults: truncated and stalled TLS, a crowd of concurrent clients,
// kill -9 in the middle of issuance, a database held by another writer, overload and rate
// limits, SIGTERM while a request is in flight, SIGHUP with a new server certificate.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "certacl/sqlite.h"
#include "certacl_test/files.h"
#include "est_world.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

// A raw TCP connection to the server, for clients that misbehave below HTTP.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  [[nodiscard]] bool connected() const { return connected_; }
  void send_bytes(const std::string& bytes) {
    (void)::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }
  // True when the server closed the connection within `timeout`.
  bool closed_by_server_within(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd entry{fd_, POLLIN, 0};
      if (::poll(&entry, 1, 100) > 0) {
        char buffer[512];
        const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
        if (got <= 0) return true;
      }
    }
    return false;
  }

 private:
  int fd_;
  bool connected_ = false;
};

// The first bytes of a TLS ClientHello record, then nothing.
const std::string kTruncatedClientHello("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);

class EstFaultsTest : public EstWorld {
 protected:
  // Registers devices <prefix>0..n-1 and writes, per device, a CSR and a token file.
  std::vector<std::string> fleet(const std::string& prefix, int count) {
    std::vector<std::string> names;
    for (int i = 0; i < count; ++i) {
      const std::string name = prefix + std::to_string(i);
      ca_->add_device(name, "sensors");
      (void)make_csr(name, "/CN=" + name);
      write_file(ca_->dir().file(name + ".token"), token(name));
      names.push_back(name);
    }
    return names;
  }

  // Runs one curl per device at once (bash & and wait); each writes <name>.code and
  // <name>.p7.b64. Returns after all finished (bounded by curl --max-time).
  void enroll_all_at_once(const std::vector<std::string>& names) {
    std::string script = "cd '" + ca_->dir().path() + "'\n";
    for (const std::string& name : names) {
      script += "curl -s --max-time 30 --cacert ca.pem --user " + name + ":$(cat " + name +
                ".token) --data-binary @" + name +
                ".csr.b64 -H 'Content-Type: application/pkcs10' " + url("simpleenroll") + " -o " +
                name + ".p7.b64 -w '%{http_code}' > " + name + ".code &\n";
    }
    script += "wait\n";
    CommandOptions options;
    options.timeout = 90s;
    const CommandResult result = run_command({"bash", "-c", script}, options);
    EXPECT_FALSE(result.timed_out);
  }

  std::string code_of(const std::string& name) {
    const std::string path = ca_->dir().file(name + ".code");
    return file_exists(path) ? read_file(path) : std::string{};
  }
};

TEST_F(EstFaultsTest, TruncatedAndStalledTlsAreCutWithoutHurtingOthers) {
  start_server({"--timeout", "1s", "--workers", "2"});
  RawConnection truncated(port_);
  ASSERT_TRUE(truncated.connected());
  truncated.send_bytes(kTruncatedClientHello);
  RawConnection silent(port_);
  ASSERT_TRUE(silent.connected());
  // Both workers may be stalled right now; they are freed by the 1s read timeout.
  EXPECT_TRUE(truncated.closed_by_server_within(5s));
  EXPECT_TRUE(silent.closed_by_server_within(5s));
  EXPECT_EQ(enroll("dev1", token("dev1"), make_csr("dev1", "/CN=dev1")).status, 200)
      << server_log();
  EXPECT_TRUE(server_->running());
}

TEST_F(EstFaultsTest, ConcurrentClientsAllGetDistinctRecordedCertificates) {
  // 24 at once: a crowd several times the worker count that still fits 2 shared cores.
  constexpr int kClients = 24;
  start_server({"--workers", "4"});
  const auto names = fleet("crowd", kClients);
  enroll_all_at_once(names);
  std::set<std::string> serials;
  for (const std::string& name : names) {
    EXPECT_EQ(code_of(name), "200") << name << "\n" << server_log();
    HttpAnswer answer;
    answer.body = read_file(ca_->dir().file(name + ".p7.b64"));
    serials.insert(serial_of(certificate_file(answer, name)));
  }
  EXPECT_EQ(serials.size(), static_cast<std::size_t>(kClients));
  SqliteDatabase db(ca_->db_path(), SqliteDatabase::Access::ReadOnly);
  db.configure_as_reader(std::chrono::milliseconds(5000));
  EXPECT_EQ(db.query_int64("SELECT count(*) FROM certificates WHERE device LIKE 'crowd%'"),
            kClients);
}

TEST_F(EstFaultsTest, KillNineMidIssuanceLosesNothingAndConsumesNoTokenWithoutACertificate) {
  constexpr int kClients = 16;
  start_server({"--workers", "4"});
  const auto names = fleet("k", kClients);
  auto crowd = std::async(std::launch::async, [&] { enroll_all_at_once(names); });
  // Kill once the first certificate is on disk, so the crowd is mid-flight.
  for (int i = 0; i < 200; ++i) {
    SqliteDatabase probe(ca_->db_path(), SqliteDatabase::Access::ReadOnly);
    probe.configure_as_reader(1000ms);
    if (probe.query_int64("SELECT count(*) FROM certificates WHERE device LIKE 'k%'") > 0) break;
    std::this_thread::sleep_for(5ms);
  }
  server_->stop(/*hard=*/true);
  crowd.get();

  SqliteDatabase db(ca_->db_path(), SqliteDatabase::Access::ReadOnly);
  db.configure_as_reader(std::chrono::milliseconds(5000));
  EXPECT_EQ(
      db.query_int64("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'"),
      0);
  // A token is used exactly when its certificate exists, and the other way round.
  EXPECT_EQ(db.query_int64("SELECT count(*) FROM enrollment_tokens t WHERE t.used_serial IS NOT "
                           "NULL AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.serial = "
                           "t.used_serial AND c.device = t.device)"),
            0);
  EXPECT_EQ(db.query_int64("SELECT count(*) FROM certificates c WHERE c.device LIKE 'k%' AND NOT "
                           "EXISTS (SELECT 1 FROM enrollment_tokens t WHERE t.used_serial = "
                           "c.serial)"),
            0);
  // Every 200 the clients saw is a recorded certificate.
  int answered = 0;
  for (const std::string& name : names) {
    if (code_of(name) != "200") continue;
    ++answered;
    HttpAnswer answer;
    answer.body = read_file(ca_->dir().file(name + ".p7.b64"));
    const std::string serial = serial_of(certificate_file(answer, name));
    Statement found = db.prepare("SELECT count(*) FROM certificates WHERE serial = ?1");
    found.bind(1, serial);
    ASSERT_TRUE(found.step());
    EXPECT_EQ(found.column_int64(0), 1) << name << " got " << serial << " which is not recorded";
  }
  // Devices whose token was not consumed can still enroll with it after a restart. The
  // rollback journal lets no reader hold a lock across the server's commits, so the
  // unused tokens are listed first and the statement finalized.
  std::vector<std::string> unused;
  {
    Statement query = db.prepare(
        "SELECT device FROM enrollment_tokens WHERE device LIKE 'k%' AND used_at IS NULL AND "
        "revoked_at IS NULL");
    while (query.step()) unused.push_back(query.column_text(0));
  }
  EXPECT_EQ(unused.size() + static_cast<std::size_t>(db.query_int64(
                                "SELECT count(*) FROM certificates WHERE device LIKE 'k%'")),
            names.size());
  start_server({"--workers", "4"});
  const int retried = static_cast<int>(unused.size());
  for (const std::string& name : unused) {
    EXPECT_EQ(enroll(name, read_file(ca_->dir().file(name + ".token")),
                     ca_->dir().file(name + ".csr.b64"))
                  .status,
              200)
        << name << server_log();
  }
  RecordProperty("answered_before_kill", answered);
  RecordProperty("enrolled_after_restart", retried);
}

TEST_F(EstFaultsTest, DatabaseHeldByAnotherWriterGives503WithRetryAfterThenWorks) {
  start_server({"--db-wait", "1s", "--retry-after", "7"});
  const std::string secret = token("dev1");
  const std::string csr = make_csr("dev1", "/CN=dev1");
  {
    SqliteDatabase other(ca_->db_path(), SqliteDatabase::Access::ReadWrite);
    WriteTransaction held(other);  // a long CLI transaction
    const auto started = std::chrono::steady_clock::now();
    const HttpAnswer answer = enroll("dev1", secret, csr);
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(answer.status, 503) << answer.body << server_log();
    EXPECT_TRUE(answer.has_header("Retry-After: 7")) << answer.headers;
    EXPECT_LT(waited, 8s);
  }
  EXPECT_EQ(enroll("dev1", secret, csr).status, 200) << server_log();
}

TEST_F(EstFaultsTest, OverloadBeyondMaxPendingGets503) {
  start_server({"--db-wait", "6s", "--max-pending", "1", "--workers", "2"});
  const std::string csr1 = make_csr("dev1", "/CN=dev1");
  const std::string csr2 = make_csr("dev2", "/CN=dev2");
  const std::string token1 = token("dev1");
  const std::string token2 = token("dev2");
  SqliteDatabase other(ca_->db_path(), SqliteDatabase::Access::ReadWrite);
  auto held = std::make_unique<WriteTransaction>(other);
  std::string code1;
  std::thread first([&] {
    code1 = run_command({"curl", "-s", "--max-time", "20", "--cacert", ca_->ca_cert_path(),
                         "--user", "dev1:" + token1, "--data-binary", "@" + csr1, "-H",
                         "Content-Type: application/pkcs10", url("simpleenroll"), "-o", "/dev/null",
                         "-w", "%{http_code}"})
                .out;
  });
  std::this_thread::sleep_for(1s);  // the first request now waits for the database
  const HttpAnswer second = enroll("dev2", token2, csr2);
  EXPECT_EQ(second.status, 503) << second.body;
  EXPECT_NE(second.body.find("overloaded"), std::string::npos) << second.body;
  EXPECT_TRUE(second.has_header("Retry-After:")) << second.headers;
  held.reset();
  first.join();
  EXPECT_EQ(code1, "200");
}

TEST_F(EstFaultsTest, PerDeviceRateLimitAnswers503WithRetryAfter) {
  start_server({"--device-rate", "1", "--device-burst", "1"});
  const std::string csr = make_csr("dev1", "/CN=dev1");
  EXPECT_EQ(enroll("dev1", "wrong", csr).status, 401);
  const HttpAnswer limited = enroll("dev1", token("dev1"), csr);
  EXPECT_EQ(limited.status, 503) << limited.body;
  EXPECT_TRUE(limited.has_header("Retry-After:")) << limited.headers;
  // Other devices are not held back by dev1's guesses.
  EXPECT_EQ(enroll("dev2", token("dev2"), make_csr("dev2", "/CN=dev2")).status, 200);
}

TEST_F(EstFaultsTest, SigtermLetsTheRequestInFlightFinish) {
  start_server({"--db-wait", "6s"});
  const std::string secret = token("dev1");
  const std::string csr = make_csr("dev1", "/CN=dev1");
  SqliteDatabase other(ca_->db_path(), SqliteDatabase::Access::ReadWrite);
  auto held = std::make_unique<WriteTransaction>(other);
  auto in_flight = std::async(std::launch::async, [&] {
    return run_command({"curl", "-s", "--max-time", "20", "--cacert", ca_->ca_cert_path(), "--user",
                        "dev1:" + secret, "--data-binary", "@" + csr, "-H",
                        "Content-Type: application/pkcs10", url("simpleenroll"), "-o", "/dev/null",
                        "-w", "%{http_code}"})
        .out;
  });
  std::this_thread::sleep_for(1s);  // the request now waits for the database
  server_->send_signal(SIGTERM);
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(RawConnection(port_).connected()) << "still accepting after SIGTERM";
  held.reset();
  EXPECT_EQ(in_flight.get(), "200") << server_log();
  const auto status = server_->wait_for_exit(10s);
  ASSERT_TRUE(status.has_value()) << server_log();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << server_log();
}

TEST_F(EstFaultsTest, SighupServesTheRenewedServerCertificate) {
  start_server();
  const std::string next_cert = ca_->dir().file("server-next.pem");
  const std::string next_key = ca_->dir().file("server-next-key.pem");
  const std::string serial =
      ca_->run({"server-cert", "--cn", "localhost", "--san", "DNS:localhost,IP:127.0.0.1",
                "--cert-out", next_cert, "--key-out", next_key})
          .out;
  write_file(ca_->server_cert_path(), read_file(next_cert));
  write_file(ca_->server_key_path(), read_file(next_key), 0600);
  server_->send_signal(SIGHUP);
  bool reloaded = false;
  for (int i = 0; i < 50 && !reloaded; ++i) {
    reloaded = server_log().find("server certificate reloaded") != std::string::npos;
    if (!reloaded) std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(reloaded) << server_log();
  const CommandResult served = run_command(
      {"bash", "-c",
       "openssl s_client -connect 127.0.0.1:" + std::to_string(port_) + " -CAfile '" +
           ca_->ca_cert_path() + "' </dev/null 2>/dev/null | openssl x509 -noout -serial"});
  ASSERT_NE(serial.find("serial="), std::string::npos) << serial;
  EXPECT_EQ(served.out, serial) << "the server still presents its old certificate";
}

}  // namespace
}  // namespace certacl::test

namespace certacl::test {
namespace {

class EstOptionsTest : public EstWorld {};

TEST_F(EstOptionsTest, BadOptionsAreRefusedWithOneLineBeforeServing) {
  const CommandResult lifetime = ca_->try_run({"serve", "--cert", ca_->server_cert_path(), "--key",
                                               ca_->server_key_path(), "--lifetime", "10"});
  EXPECT_EQ(lifetime.exit_code, 2) << lifetime.err;
  EXPECT_NE(lifetime.err.find("--lifetime '10' is not a duration"), std::string::npos)
      << lifetime.err;
  const CommandResult missing =
      ca_->try_run({"serve", "--cert", ca_->dir().file("absent.pem"), "--key",
                    ca_->server_key_path(), "--port", std::to_string(free_loopback_port())});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("absent.pem"), std::string::npos) << missing.err;
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1) << missing.err;
}

}  // namespace
}  // namespace certacl::test
