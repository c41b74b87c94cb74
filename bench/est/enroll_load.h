#pragma once
// What both EST benches share: a device's CSR, and a crowd of clients enrolling over HTTPS
// against a running server, each enrollment a fresh TLS connection with HTTP Basic and a
// one-time token, as devices make them.

#include <openssl/evp.h>

#include <string>
#include <vector>

namespace certacl::bench {

struct Enrollee {
  std::string name;
  std::string token;
  std::string csr_b64;  // base64 DER, as EST sends it
  std::string csr_pem;
};

struct EnrollLoad {
  double per_second = 0;
  std::vector<double> latencies_ms;
  int failures = 0;  // answers other than 200, or none
};

// A DER PKCS#10 request for CN=name, signed by `key`.
[[nodiscard]] std::string request_der(const std::string& name, EVP_PKEY* key);
// The p-th (0..1) value of `values`, 0 when empty.
[[nodiscard]] double percentile(std::vector<double> values, double p);
// `clients` threads enroll every one of `enrollees` at 127.0.0.1:port, checking the server
// against `ca_file`.
[[nodiscard]] EnrollLoad enroll_over_https(int port, const std::string& ca_file,
                                           const std::vector<Enrollee>& enrollees, int clients);

}  // namespace certacl::bench
