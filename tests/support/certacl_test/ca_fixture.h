#pragma once
// A private CA in a temporary directory, driven through the real certacl-ca binary. Every
// step asserts exit code 0 and shows the command and its stderr when it fails.

#include <string>
#include <vector>

#include "certacl_test/files.h"
#include "certacl_test/process.h"

namespace certacl::test {

struct IssuedCertificate {
  std::string key_path;
  std::string cert_path;
  std::string serial;  // upper-case hex, as certacl-ca prints it
};

class CaFixture {
 public:
  // Runs `certacl-ca init` in a fresh TempDir; writes ca.pem (CA certificate) and
  // server.pem/server-key.pem for CN localhost, SAN DNS:localhost,IP:127.0.0.1.
  explicit CaFixture(const std::string& name = "certacl test CA");

  [[nodiscard]] const std::string& db_path() const noexcept { return db_path_; }
  [[nodiscard]] const std::string& ca_key_path() const noexcept { return ca_key_path_; }
  [[nodiscard]] const std::string& ca_cert_path() const noexcept { return ca_cert_path_; }
  [[nodiscard]] const std::string& server_cert_path() const noexcept { return server_cert_path_; }
  [[nodiscard]] const std::string& server_key_path() const noexcept { return server_key_path_; }
  [[nodiscard]] const TempDir& dir() const noexcept { return dir_; }

  // `certacl-ca --db DB <args...>`; records a gtest failure unless it exits 0.
  CommandResult run(const std::vector<std::string>& args);
  // Same, without asserting (for tests of refusals).
  CommandResult try_run(const std::vector<std::string>& args);

  void add_role(const std::string& role);
  void allow(const std::string& role, const std::string& action, const std::string& pattern);
  void deny(const std::string& role, const std::string& action, const std::string& pattern);
  void add_device(const std::string& name, const std::string& role,
                  const std::vector<std::string>& extra_args = {});
  // `enroll NAME --key-out F --cert-out F [extra]`; files are named after the device plus
  // a counter, so a device can be enrolled several times.
  IssuedCertificate enroll(const std::string& device,
                           const std::vector<std::string>& extra_args = {});
  void revoke(const std::string& serial);
  void revoke_device(const std::string& device);
  void disable(const std::string& device);
  void enable(const std::string& device);
  // Writes the CRL and returns its path.
  std::string write_crl();

  // Signs a certificate with the CA key directly through the openssl CLI, bypassing the
  // registry: models a stolen CA key or a tampered database. `subject` is an openssl
  // -subj string such as "/CN=dev1" or "/CN=a/CN=b" (escape '+' and '/' with '\').
  IssuedCertificate sign_unrecorded(const std::string& label, const std::string& subject,
                                    int days = 30);

 private:
  TempDir dir_;
  std::string db_path_;
  std::string ca_key_path_;
  std::string ca_cert_path_;
  std::string server_cert_path_;
  std::string server_key_path_;
  int issued_ = 0;
};

}  // namespace certacl::test
