// How long `certacl-ca migrate-store` takes to copy a registry of N devices (one certificate
// and one audit row each) from SQLite into a real PostgreSQL 15 (started here,
// tests/support/postgres_fixture: fsync on, TCP on loopback), verification included. The
// source rows are synthetic (bulk INSERTs through the sqlite3 CLI after a real `init`): the
// copy and its checksums treat every value as text, so their content does not matter.
// Usage: certacl_migrate_store_bench [devices=10000]

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>

#include "certacl_test/files.h"
#include "certacl_test/paths.h"
#include "certacl_test/postgres_fixture.h"
#include "certacl_test/process.h"

namespace {

using namespace certacl;

void must(const test::CommandResult& result, const char* what) {
  if (result.exit_code != 0) {
    fmt::print(stderr, "{} failed: {}{}\n", what, result.out, result.err);
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const long devices = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 10000;
  if (devices <= 0) {
    fmt::print(stderr, "usage: certacl_migrate_store_bench [devices]\n");
    return 1;
  }
  test::TempDir dir;
  const std::string db = dir.file("source.db");
  must(test::run_command({test::ca_binary(), "--db", db, "init", "--name", "bench CA"}), "init");
  must(test::run_command({test::ca_binary(), "--db", db, "role", "add", "sensor"}), "role add");
  const std::string rows = fmt::format(
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {0}) "
      "INSERT INTO devices (name, role, enabled, created_at, updated_at) "
      "SELECT 'dev-' || i, 'sensor', 1, 1700000000, 1700000000 FROM n;"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {0}) "
      "INSERT INTO certificates (serial, kind, device, subject, issuer, not_before, not_after, "
      "sha256, certificate_pem, issued_at, public_key_sha256) "
      "SELECT printf('%040X', i), 'device', 'dev-' || i, 'CN=dev-' || i, 'CN=bench CA', "
      "1700000000, 1900000000, printf('%064x', i), "
      "'-----BEGIN CERTIFICATE-----' || hex(randomblob(400)) || '-----END CERTIFICATE-----', "
      "1700000000, printf('%064x', i) FROM n;"
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {0}) "
      "INSERT INTO audit_log (at, actor, action, device, serial, detail) "
      "SELECT 1700000000, 'bench', 'sign', 'dev-' || i, printf('%040X', i), 'not_before=x' "
      "FROM n;",
      devices);
  must(test::run_command({"sqlite3", db, rows}), "sqlite3 bulk insert");

  // No schema yet: migrate-store applies it, as the database's owner.
  test::PostgresServer postgres;
  test::CommandOptions options;
  options.environment = {{"PGPASSFILE", postgres.passfile()}};
  options.timeout = std::chrono::minutes(30);
  const auto start = std::chrono::steady_clock::now();
  const test::CommandResult copied =
      test::run_command({test::ca_binary(), "migrate-store", "--from", "sqlite:" + db, "--to",
                         postgres.url("postgres")},
                        options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  must(copied, "migrate-store");
  fmt::print("{}", copied.out);
  fmt::print(
      "migrate-store of {} devices, {} certificates, {} audit rows: {:.1f} s ({:.0f} rows/s)\n",
      devices, devices, devices + 2, seconds, static_cast<double>(3 * devices + 2) / seconds);
  return 0;
}
