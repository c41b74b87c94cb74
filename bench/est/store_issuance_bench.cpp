// Issuance rate, SQLite vs PostgreSQL side by side, through the two ways certificates are
// issued in production:
//   1. the CLI: `certacl-ca --db X sign` as one process per certificate (connect or open,
//      check, sign, durable commit, certificate file written and synced);
//   2. EST over HTTPS: `certacl-ca serve --db X`, N concurrent clients, each enrollment a
//      fresh TLS connection with HTTP Basic and a one-time token (SQLite: the group
//      committer; PostgreSQL: one SERIALIZABLE transaction per request behind the writer lock).
// PostgreSQL is a real server started here (tests/support/postgres_fixture: fsync on, TCP on
// loopback), the CA logs in as a member of certacl_ca. Setup (devices, tokens) is not timed.
// Usage: certacl_store_issuance_bench [cli signs=50] [EST enrollments=200] [clients=16]

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "certacl/openssl_handles.h"
#include "certacl/store/postgres_connection.h"
#include "certacl/store/postgres_schema.h"
#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "certacl_test/postgres_fixture.h"
#include "certacl_test/process.h"
#include "enroll_load.h"
#include "est/est_codec.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace certacl;

struct Store {
  std::string label;
  std::string db;
  std::map<std::string, std::string> environment;
};

struct Figures {
  double cli_per_second = 0;
  double est_per_second = 0;
  double est_p50_ms = 0;
  double est_p99_ms = 0;
  int failures = 0;
};

using bench::request_der;

class Bench {
 public:
  explicit Bench(const Store& store) : store_(store) {}

  test::CommandResult ca(std::vector<std::string> args) {
    args.insert(args.begin(), {test::ca_binary(), "--db", store_.db});
    test::CommandOptions options;
    options.environment = store_.environment;
    test::CommandResult result = test::run_command(args, options);
    if (result.exit_code != 0) {
      fmt::print(stderr, "setup failed: {} {}: {}", args[3], args.size() > 4 ? args[4] : "",
                 result.err);
      std::exit(1);
    }
    return result;
  }

  void set_up() {
    ca({"init", "--name", "bench CA", "--key-file", dir_.file("ca-key.pem")});
    ca({"ca-cert", "--out", dir_.file("ca.pem")});
    ca({"server-cert", "--cn", "localhost", "--san", "DNS:localhost,IP:127.0.0.1", "--cert-out",
        dir_.file("server.pem"), "--key-out", dir_.file("server.key")});
    ca({"role", "add", "sensor"});
  }

  double cli_rate(int count) {
    ca({"device", "add", "cli-dev", "--role", "sensor"});
    const EvpPkeyPtr key(EVP_EC_gen("P-256"));
    test::write_file(dir_.file("cli.csr"),
                     *ca::est::csr_der_to_pem(request_der("cli-dev", key.get())));
    ca({"sign", "--csr", dir_.file("cli.csr"), "--out", dir_.file("warm.pem")});
    const auto start = Clock::now();
    for (int i = 0; i < count; ++i) {
      ca({"sign", "--csr", dir_.file("cli.csr"), "--out", dir_.file(fmt::format("c{}.pem", i))});
    }
    return count / std::chrono::duration<double>(Clock::now() - start).count();
  }

  void est_rate(int count, int clients, Figures& figures) {
    std::vector<bench::Enrollee> enrollees;
    for (int i = 0; i < count; ++i) {
      bench::Enrollee enrollee{fmt::format("est-{}", i), {}, {}, {}};
      ca({"device", "add", enrollee.name, "--role", "sensor"});
      const std::string out = ca({"device", "token", enrollee.name}).out;
      enrollee.token = out.substr(6, out.find('\n') - 6);
      const EvpPkeyPtr key(EVP_EC_gen("P-256"));
      enrollee.csr_b64 = ca::est::encode_base64(request_der(enrollee.name, key.get()));
      enrollees.push_back(std::move(enrollee));
    }
    const int port = test::free_loopback_port();
    test::CommandOptions options;
    options.environment = store_.environment;
    test::ScopedProcess server(
        {test::ca_binary(), "--db", store_.db, "serve", "--port", std::to_string(port), "--cert",
         dir_.file("server.pem"), "--key", dir_.file("server.key"), "--workers", "64",
         "--device-rate", "0", "--address-rate", "0", "--max-pending", "10000"},
        dir_.file("serve.log"), options);
    if (!test::wait_for_port(port, 10000)) {
      fmt::print(stderr, "the EST server did not start:\n{}\n",
                 test::read_file(dir_.file("serve.log")));
      std::exit(1);
    }
    const bench::EnrollLoad load =
        bench::enroll_over_https(port, dir_.file("ca.pem"), enrollees, clients);
    figures.est_per_second = load.per_second;
    figures.est_p50_ms = bench::percentile(load.latencies_ms, 0.5);
    figures.est_p99_ms = bench::percentile(load.latencies_ms, 0.99);
    figures.failures = load.failures;
  }

 private:
  Store store_;
  test::TempDir dir_;
};

}  // namespace

int main(int argc, char** argv) {
  const int cli_count = argc > 1 ? static_cast<int>(std::strtol(argv[1], nullptr, 10)) : 50;
  const int est_count = argc > 2 ? static_cast<int>(std::strtol(argv[2], nullptr, 10)) : 200;
  const int clients = argc > 3 ? static_cast<int>(std::strtol(argv[3], nullptr, 10)) : 16;
  if (cli_count <= 0 || est_count <= 0 || clients <= 0) {
    fmt::print(stderr,
               "usage: certacl_store_issuance_bench [cli signs] [EST enrollments] "
               "[clients]\n");
    return 1;
  }
  test::TempDir sqlite_dir;
  test::PostgresServer postgres;
  {
    store::PostgresSettings admin;
    admin.url = postgres.url("postgres");
    admin.passfile = postgres.passfile();
    store::PostgresConnection connection(admin);
    store::apply_postgres_schema(connection);
  }
  const std::string password_file = postgres.create_login("ca_bench", "certacl_ca");
  const std::vector<Store> stores = {
      {"SQLite (rollback journal, synchronous=EXTRA)", sqlite_dir.file("bench.db"), {}},
      {"PostgreSQL 15 (fsync on, TCP loopback)",
       postgres.url("ca_bench"),
       {{"CERTACL_DB_PASSWORD_FILE", password_file}}}};
  std::vector<Figures> results;
  for (const Store& store : stores) {
    Bench bench(store);
    bench.set_up();
    Figures figures;
    figures.cli_per_second = bench.cli_rate(cli_count);
    bench.est_rate(est_count, clients, figures);
    results.push_back(figures);
  }
  fmt::print(
      "EC P-256 device certificates: {} `certacl-ca sign` processes; {} EST enrollments, "
      "{} clients, fresh TLS each\n",
      cli_count, est_count, clients);
  fmt::print("{:<46} {:>10} {:>10} {:>9} {:>9} {:>8}\n", "store", "CLI/s", "EST/s", "p50 ms",
             "p99 ms", "failed");
  for (std::size_t i = 0; i < stores.size(); ++i) {
    const Figures& f = results[i];
    fmt::print("{:<46} {:>10.1f} {:>10.1f} {:>9.1f} {:>9.1f} {:>8}\n", stores[i].label,
               f.cli_per_second, f.est_per_second, f.est_p50_ms, f.est_p99_ms, f.failures);
  }
  return results[0].failures + results[1].failures == 0 ? 0 : 1;
}
