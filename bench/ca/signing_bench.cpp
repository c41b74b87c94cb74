// Durably stored EC P-256 device certificates per second, three ways, on one machine:
//   1. certacl in-process: serial + sign + INSERT + COMMIT (synchronous=EXTRA) per certificate
//   2. certacl-ca sign:    one CLI process per certificate (what a provisioning script does)
//   3. openssl x509 -req:  one openssl process per certificate, the baseline the CA replaces
//                          (it signs and writes a file; it records nothing)
// Prints figures and ratios against the openssl loop. For reference, HashiCorp Vault
// documents about 2,200 stored P-256 certificates/s on one node.

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
#include "certacl/certificate_facts.h"
#include "device_issuance.h"
#include "device_registry.h"
#include "key_file.h"
#include "role_registry.h"

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

double per_second(int count, Clock::duration elapsed) {
  return count / std::chrono::duration<double>(elapsed).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 200;
  if (count <= 0) {
    fmt::print(stderr, "usage: certacl_ca_bench [count]\n");
    return 1;
  }
  char pattern[] = "/tmp/certacl-ca-bench-XXXXXX";
  const fs::path dir = ::mkdtemp(pattern);
  const std::string db_path = dir / "bench.db";
  const std::string ca_binary = CERTACL_CA_BINARY;
  const std::string openssl = CERTACL_OPENSSL_EXECUTABLE;
  const auto ca = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {ca_binary, "--db", db_path});
    return run(args);
  };
  require(ca({"init", "--name", "bench CA"}), "certacl-ca init");
  require(ca({"ca-cert", "--out", dir / "ca.pem"}), "certacl-ca ca-cert");
  require(ca({"role", "add", "sensor"}), "role add");
  require(ca({"device", "add", "dev1", "--role", "sensor"}), "device add");
  const std::string csr = dir / "dev1.csr";
  require(run({openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
               "-nodes", "-keyout", dir / "dev1.key", "-subj", "/CN=dev1", "-out", csr}),
          "openssl req");

  // 1. In-process, one durable transaction per certificate.
  double in_process = 0;
  {
    certacl::SqliteDatabase db = certacl::ca::open_database(db_path);
    const auto authority = certacl::ca::CertificateAuthority::load(db, std::nullopt);
    certacl::ca::DeviceIssueRequest request;
    request.csr_pem = certacl::ca::read_input_file(csr, "CSR");
    request.csr_origin = csr;
    const auto start = Clock::now();
    for (int i = 0; i < count; ++i) {
      (void)certacl::ca::issue_device_certificate(db, authority, request);
    }
    in_process = per_second(count, Clock::now() - start);
  }

  // 2. certacl-ca sign, one process per certificate, output file fsynced and renamed.
  const int process_count = std::max(1, count / 4);
  const auto cli_start = Clock::now();
  for (int i = 0; i < process_count; ++i) {
    require(ca({"sign", "--csr", csr, "--out", dir / fmt::format("cli-{}.pem", i)}),
            "certacl-ca sign");
  }
  const double cli = per_second(process_count, Clock::now() - cli_start);

  // 3. openssl x509 -req, one process per certificate (random serial, no record kept).
  const std::string ca_key = db_path + "-ca-key.pem";
  const auto openssl_start = Clock::now();
  for (int i = 0; i < process_count; ++i) {
    require(run({openssl, "x509", "-req", "-in", csr, "-CA", dir / "ca.pem", "-CAkey", ca_key,
                 "-set_serial", std::to_string(1000 + i), "-days", "365", "-sha256", "-out",
                 dir / fmt::format("openssl-{}.pem", i)}),
            "openssl x509 -req");
  }
  const double baseline = per_second(process_count, Clock::now() - openssl_start);

  fmt::print("EC P-256 device certificates, durably stored unless noted ({} / {} runs)\n", count,
             process_count);
  fmt::print("{:<52} {:>10} {:>14}\n", "method", "certs/s", "vs openssl");
  fmt::print("{:<52} {:>10.1f} {:>13.2f}x\n", "openssl x509 -req loop (baseline, no record)",
             baseline, 1.0);
  fmt::print("{:<52} {:>10.1f} {:>13.2f}x\n", "certacl-ca sign, process per cert (DB + file)", cli,
             cli / baseline);
  fmt::print("{:<52} {:>10.1f} {:>13.2f}x\n", "certacl in-process (BEGIN IMMEDIATE..COMMIT, EXTRA)",
             in_process, in_process / baseline);
  fmt::print("reference: HashiCorp Vault documents ~2,200 stored P-256 certificates/s per node\n");
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return 0;
}
