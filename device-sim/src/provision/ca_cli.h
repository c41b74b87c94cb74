#pragma once
// The simulator provisions through the real `certacl-ca` CLI, exactly as an operator
// would, so every scenario also exercises the CA's command-line contract.

#include <chrono>
#include <string>
#include <vector>

#include "provision/subprocess.h"

namespace certacl::sim {

struct EnrollRequest {
  std::string device;
  std::string key_out;
  std::string cert_out;
  int days = 0;           // 0: the CA's default validity
  int backdate_days = 0;  // backdate > days gives an already expired certificate
};

class CertificateAuthorityCli {
 public:
  CertificateAuthorityCli(std::string binary, std::string database);

  // Each throws std::runtime_error naming the command and the CA's own error line.
  void add_role(const std::string& role);
  void add_rule(const std::string& role, const std::string& effect, const std::string& action,
                const std::string& pattern);
  void add_device(const std::string& device, const std::string& role);
  void disable_device(const std::string& device);
  // Returns the certificate's serial (upper-case hex, as the CA prints it).
  std::string enroll(const EnrollRequest& request);
  void revoke_serial(const std::string& serial);
  // `device token NAME --ttl TTL`: the one-time EST enrollment token it prints.
  std::string create_token(const std::string& device, const std::string& ttl = "1h");
  void write_crl(const std::string& path);

  [[nodiscard]] const std::string& database() const noexcept { return database_; }

 private:
  SubprocessResult run(const std::vector<std::string>& arguments);

  std::string binary_;
  std::string database_;
};

// Finds "serial=<HEX>" in the CA's output; empty when absent.
[[nodiscard]] std::string parse_serial(const std::string& output);

}  // namespace certacl::sim
