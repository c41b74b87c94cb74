// What the rollback journal (docs/DEPLOYMENT.md) costs next to WAL, side by side:
//   - the CA: durably stored device certificates per second, in-process (one
//     BEGIN IMMEDIATE..COMMIT per certificate, synchronous=EXTRA as certacl-ca sets it: the
//     same as FULL in WAL mode, one more directory sync per commit in rollback mode);
//   - the plugin: one full registry reload (read-only connection, query_only, one read
//     transaction over devices, rules and certificates) of a fleet of N devices;
//   - the plugin's idle poll (PRAGMA data_version + change counter).
// Run: build/bin/certacl_journal_mode_bench [certificates] [devices]

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "ca_database.h"
#include "certacl/registry.h"
#include "device_issuance.h"
#include "key_file.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

int run(const std::vector<std::string>& argv) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    ::execvp(args[0], args.data());
    std::_Exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void require(int exit_code, const std::string& what) {
  if (exit_code != 0) {
    fmt::print(stderr, "bench setup failed: {} (exit {})\n", what, exit_code);
    std::exit(1);
  }
}

double seconds(Clock::duration elapsed) {
  return std::chrono::duration<double>(elapsed).count();
}

struct Figures {
  double certificates_per_second = 0;
  double reload_ms = 0;
  double poll_us = 0;
};

// Devices and certificate rows straight into SQLite (no signing): what the reader reads.
void add_fleet(certacl::SqliteDatabase& db, int devices) {
  certacl::WriteTransaction transaction(db);
  certacl::Statement device = db.prepare(
      "INSERT INTO devices (name, role, enabled, created_at, updated_at) "
      "VALUES (?1, 'sensor', 1, 0, 0)");
  certacl::Statement certificate = db.prepare(
      "INSERT INTO certificates (serial, kind, device, subject, issuer, not_before, not_after, "
      "sha256, certificate_pem, issued_at) VALUES (?1, 'device', ?2, ?3, 'CN=bench CA', 0, "
      "4102444800, ?4, 'x', 0)");
  for (int i = 0; i < devices; ++i) {
    const std::string name = fmt::format("fleet-{:06}", i);
    device.reset();
    device.bind(1, name).run();
    certificate.reset();
    certificate.bind(1, fmt::format("F{:06X}", i))
        .bind(2, name)
        .bind(3, "CN=" + name)
        .bind(4, fmt::format("{:064x}", i))
        .run();
  }
  transaction.commit();
}

Figures measure(const std::string& journal_mode, int count, int devices) {
  char pattern[] = "/tmp/certacl-journal-bench-XXXXXX";
  const fs::path dir = ::mkdtemp(pattern);
  const std::string db_path = dir / "bench.db";
  const auto ca = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {CERTACL_CA_BINARY, "--db", db_path});
    return run(args);
  };
  require(ca({"init", "--name", "bench CA"}), "certacl-ca init");
  require(ca({"role", "add", "sensor"}), "role add");
  require(ca({"device", "add", "dev1", "--role", "sensor"}), "device add");
  const std::string csr = dir / "dev1.csr";
  require(run({CERTACL_OPENSSL_EXECUTABLE, "req", "-new", "-newkey", "ec", "-pkeyopt",
               "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir / "dev1.key", "-subj",
               "/CN=dev1", "-out", csr}),
          "openssl req");

  Figures figures;
  certacl::SqliteDatabase db = certacl::ca::open_database(db_path);
  db.exec("PRAGMA journal_mode=" + journal_mode);  // open_database chose DELETE
  {
    const auto authority = certacl::ca::CertificateAuthority::load(db, std::nullopt);
    certacl::ca::DeviceIssueRequest request;
    request.csr_pem = certacl::ca::read_input_file(csr, "CSR");
    request.csr_origin = csr;
    const auto start = Clock::now();
    for (int i = 0; i < count; ++i) {
      (void)certacl::ca::issue_device_certificate(db, authority, request);
    }
    figures.certificates_per_second = count / seconds(Clock::now() - start);
  }
  add_fleet(db, devices);

  // The plugin's side: its own read-only connection, as snapshot_watcher opens it.
  certacl::SqliteDatabase reader(db_path, certacl::SqliteDatabase::Access::ReadOnly);
  reader.configure_as_reader(std::chrono::milliseconds(200));
  constexpr int kReloads = 10;
  const auto reload_start = Clock::now();
  std::size_t seen = 0;
  for (int i = 0; i < kReloads; ++i) seen += certacl::load_registry(reader).devices.size();
  figures.reload_ms = 1000 * seconds(Clock::now() - reload_start) / kReloads;
  if (seen == 0) std::exit(1);
  constexpr int kPolls = 2000;
  const auto poll_start = Clock::now();
  std::int64_t sum = 0;
  for (int i = 0; i < kPolls; ++i) {
    sum += reader.query_int64("PRAGMA data_version") + certacl::read_change_counter(reader);
  }
  figures.poll_us = 1e6 * seconds(Clock::now() - poll_start) / kPolls;
  if (sum == 0) std::exit(1);
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return figures;
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 200;
  const int devices = argc > 2 ? std::atoi(argv[2]) : 10'000;
  if (count <= 0 || devices <= 0) {
    fmt::print(stderr, "usage: certacl_journal_mode_bench [certificates] [devices]\n");
    return 1;
  }
  const Figures wal = measure("WAL", count, devices);
  const Figures rollback = measure("DELETE", count, devices);
  fmt::print("journal mode cost ({} certificates, reload of {} devices)\n", count, devices);
  fmt::print("{:<44} {:>12} {:>12} {:>8}\n", "figure", "WAL", "DELETE", "ratio");
  fmt::print("{:<44} {:>12.1f} {:>12.1f} {:>7.2f}x\n", "CA: stored certificates/s (in-process)",
             wal.certificates_per_second, rollback.certificates_per_second,
             rollback.certificates_per_second / wal.certificates_per_second);
  fmt::print("{:<44} {:>12.2f} {:>12.2f} {:>7.2f}x\n", "plugin: full registry reload (ms)",
             wal.reload_ms, rollback.reload_ms, rollback.reload_ms / wal.reload_ms);
  fmt::print("{:<44} {:>12.2f} {:>12.2f} {:>7.2f}x\n", "plugin: idle poll (us)", wal.poll_us,
             rollback.poll_us, rollback.poll_us / wal.poll_us);
  return 0;
}
