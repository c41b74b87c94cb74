// EST enrollment throughput, durable, two ways on one machine with the same code path:
//   1. in-process: enroll_with_token (token check, CSR policy, serial, sign, INSERT,
//      COMMIT, synced as certacl-ca syncs) called in a loop, no network; then the same with
//      group commit (batches of 64 in one transaction, as the server's writer does)
//   2. over HTTPS: `certacl-ca serve` as its own process, N concurrent clients (threads
//      here, cpp-httplib with OpenSSL), each enrollment a fresh TLS connection as a
//      device makes it, HTTP Basic with a one-time token
// Prints enrollments/s for both, their ratio (the HTTP/TLS overhead), and client-side
// latency percentiles. Clients and server share the machine's cores.
// Usage: certacl_est_bench [enrollments=640] [clients=32] [server workers=64]

#include <fmt/format.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include "ca_database.h"
#include "device_registry.h"
#include "enroll_load.h"
#include "enrollment_token.h"
#include "est/est_codec.h"
#include "est_enrollment.h"
#include "role_registry.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using namespace certacl;

using bench::Enrollee;
using bench::percentile;
using bench::request_der;

// Registers `count` devices named <prefix><i> and gives each a token and a CSR.
std::vector<Enrollee> make_enrollees(SqliteDatabase& db, const std::string& prefix, int count) {
  std::vector<Enrollee> out;
  {
    WriteTransaction transaction(db);
    for (int i = 0; i < count; ++i) {
      ca::add_device(db, ca::NewDevice{fmt::format("{}{}", prefix, i), "sensor", {}, {}});
    }
    transaction.commit();
  }
  for (int i = 0; i < count; ++i) {
    Enrollee enrollee;
    enrollee.name = fmt::format("{}{}", prefix, i);
    enrollee.token = ca::create_enrollment_token(db, enrollee.name, 3600).token;
    const EvpPkeyPtr key(EVP_EC_gen("P-256"));
    const std::string der = request_der(enrollee.name, key.get());
    enrollee.csr_b64 = ca::est::encode_base64(der);
    enrollee.csr_pem = *ca::est::csr_der_to_pem(der);
    out.push_back(std::move(enrollee));
  }
  return out;
}

void shell(const std::string& command) {
  if (std::system(command.c_str()) != 0) {
    fmt::print(stderr, "bench setup failed: {}\n", command);
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 640;
  const int clients = argc > 2 ? std::atoi(argv[2]) : 32;
  const int workers = argc > 3 ? std::atoi(argv[3]) : 64;
  if (count <= 0 || clients <= 0 || workers <= 0) {
    fmt::print(stderr, "usage: certacl_est_bench [enrollments] [clients] [workers]\n");
    return 1;
  }
  char pattern[] = "/tmp/certacl-est-bench-XXXXXX";
  const fs::path dir = ::mkdtemp(pattern);
  const std::string db_path = dir / "bench.db";
  const std::string ca_binary = CERTACL_CA_BINARY;
  const std::string ca = fmt::format("'{}' --db '{}' ", ca_binary, db_path.c_str());
  shell(ca + "init --name 'bench CA' >/dev/null");
  shell(ca + fmt::format("ca-cert --out '{}/ca.pem' >/dev/null", dir.c_str()));
  shell(ca + fmt::format("server-cert --cn localhost --san DNS:localhost,IP:127.0.0.1 "
                         "--cert-out '{0}/server.pem' --key-out '{0}/server-key.pem' >/dev/null",
                         dir.c_str()));
  shell(ca + "role add sensor >/dev/null");

  SqliteDatabase db = ca::open_database(db_path);
  // Setup (devices, tokens, CSRs) is not measured: it runs without syncs, so the bench
  // spends its time on what it measures. Everything timed below syncs as certacl-ca does.
  const auto writer_sync = db.query_int64("PRAGMA synchronous");
  db.exec("PRAGMA synchronous=OFF");
  const auto local = make_enrollees(db, "local-", count);
  const auto batched = make_enrollees(db, "batched-", count);
  const auto remote = make_enrollees(db, "remote-", count);
  const auto judged = make_enrollees(db, "judged-", count);
  db.exec(fmt::format("PRAGMA synchronous={}", writer_sync));

  // 1. In-process.
  double in_process = 0;
  {
    const auto authority = ca::CertificateAuthority::load(db, std::nullopt);
    const auto start = Clock::now();
    for (const Enrollee& enrollee : local) {
      (void)ca::enroll_with_token(db, authority,
                                  ca::TokenEnrollment{enrollee.name, enrollee.token,
                                                      enrollee.csr_pem, 365 * 86400, "bench"});
    }
    in_process = count / std::chrono::duration<double>(Clock::now() - start).count();
  }
  double in_process_grouped = 0;
  {
    constexpr std::size_t kBatch = 64;
    const auto authority = ca::CertificateAuthority::load(db, std::nullopt);
    const auto start = Clock::now();
    for (std::size_t first = 0; first < batched.size(); first += kBatch) {
      WriteTransaction transaction(db);
      for (std::size_t i = first; i < std::min(batched.size(), first + kBatch); ++i) {
        const Enrollee& enrollee = batched[i];
        (void)ca::enroll_with_token_in_transaction(
            db, authority,
            ca::TokenEnrollment{enrollee.name, enrollee.token, enrollee.csr_pem, 365 * 86400,
                                "bench"});
      }
      transaction.commit();
    }
    in_process_grouped = count / std::chrono::duration<double>(Clock::now() - start).count();
  }
  // The writer thread's share alone: the server parses and checks each CSR on its worker
  // before the request queues for the writer, so that work is done here before timing.
  double writer_only = 0;
  {
    constexpr std::size_t kBatch = 64;
    const auto authority = ca::CertificateAuthority::load(db, std::nullopt);
    std::vector<ca::CsrVerdict> verdicts;
    for (const Enrollee& enrollee : judged)
      verdicts.push_back(ca::validate_csr_pem(enrollee.csr_pem));
    const auto start = Clock::now();
    for (std::size_t first = 0; first < judged.size(); first += kBatch) {
      WriteTransaction transaction(db);
      for (std::size_t i = first; i < std::min(judged.size(), first + kBatch); ++i) {
        (void)ca::enroll_with_token_in_transaction(
            db, authority,
            ca::TokenEnrollment{
                judged[i].name, judged[i].token, {}, 365 * 86400, "bench", &verdicts[i]});
      }
      transaction.commit();
    }
    writer_only = count / std::chrono::duration<double>(Clock::now() - start).count();
  }

  // 2. Over HTTPS against the real server process.
  const int port = 20000 + static_cast<int>(::getpid() % 20000);
  const std::vector<std::string> server_argv = {ca_binary,        "--db",
                                                db_path,          "serve",
                                                "--port",         std::to_string(port),
                                                "--cert",         dir / "server.pem",
                                                "--key",          dir / "server-key.pem",
                                                "--workers",      std::to_string(workers),
                                                "--device-rate",  "0",
                                                "--address-rate", "0",
                                                "--max-pending",  "10000"};
  std::vector<char*> args;
  for (const auto& arg : server_argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, (dir / "serve.log").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t server = -1;
  if (posix_spawn(&server, args[0], &actions, nullptr, args.data(), environ) != 0) {
    fmt::print(stderr, "cannot start certacl-ca serve\n");
    return 1;
  }
  for (int i = 0; i < 100; ++i) {  // wait (at most 10 s) until it answers
    httplib::SSLClient probe("127.0.0.1", port);
    probe.enable_server_certificate_verification(false);
    if (probe.Get("/.well-known/est/cacerts")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  const bench::EnrollLoad load = bench::enroll_over_https(port, dir / "ca.pem", remote, clients);
  const double https = load.per_second;
  const std::vector<double>& latencies = load.latencies_ms;
  ::kill(server, SIGTERM);
  int status = 0;
  ::waitpid(server, &status, 0);
  const auto recorded =
      db.query_int64("SELECT count(*) FROM certificates WHERE device LIKE 'remote-%'");

  fmt::print(
      "EST enrollment, EC P-256, durable (rollback journal, synchronous={}), {} enrollments\n",
      writer_sync == 3 ? "EXTRA" : std::to_string(writer_sync), count);
  fmt::print("{:<58} {:>12}\n", "path", "enroll/s");
  fmt::print("{:<58} {:>12.1f}\n", "in-process, one commit per enrollment (no network)",
             in_process);
  fmt::print("{:<58} {:>12.1f}\n", "in-process, group commit of 64 (no network)",
             in_process_grouped);
  fmt::print("{:<58} {:>12.1f}\n", "  the same, CSRs checked beforehand (the writer's share)",
             writer_only);
  fmt::print("{:<58} {:>12.1f}\n",
             fmt::format("HTTPS, {} clients, fresh TLS each, {} server workers", clients, workers),
             https);
  fmt::print("ratio HTTPS / in-process: {:.2f} (one commit each), {:.2f} (group commit)\n",
             https / in_process, https / in_process_grouped);
  fmt::print("HTTPS latency ms: p50 {:.1f}  p99 {:.1f}  max {:.1f}\n", percentile(latencies, 0.5),
             percentile(latencies, 0.99), percentile(latencies, 1.0));
  fmt::print("failures: {}  certificates recorded: {}\n", load.failures, recorded);
  // The server's own count of how many requests shared each commit.
  std::ifstream log(dir / "serve.log");
  for (std::string line; std::getline(log, line);) {
    if (line.find("group commit:") != std::string::npos) fmt::print("server: {}\n", line);
  }
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return load.failures == 0 && recorded == count ? 0 : 1;
}
