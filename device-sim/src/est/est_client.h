#pragma once
// A device's side of EST (RFC 7030) for the simulator: make a key and a CSR, enroll with
// a one-time token (HTTP Basic), renew over mutual TLS with the current certificate.
// HTTP and TLS are cpp-httplib with OpenSSL, like the server, but the protocol is the
// RFC's, so a test of one against the other is a test of both against the standard.

#include <cstdint>
#include <string>

namespace certacl::sim {

struct EstEndpoint {
  std::string host = "127.0.0.1";
  int port = 8443;
  std::string cafile;  // the CA the EST server's certificate chains to
};

struct EstCertificate {
  std::string certfile;
  std::string keyfile;
  std::string serial;  // upper-case hex
  std::int64_t not_after = 0;
};

class EstClient {
 public:
  explicit EstClient(EstEndpoint endpoint) : endpoint_(std::move(endpoint)) {}

  // simpleenroll: a fresh P-256 key and CSR for `device`; files go to <directory>/<label>.
  // Throws std::runtime_error with the HTTP status and the server's one-line reason.
  EstCertificate enroll(const std::string& device, const std::string& token,
                        const std::string& directory, const std::string& label) const;
  // simplereenroll with `current` as the TLS client certificate, and a new key.
  EstCertificate reenroll(const std::string& device, const EstCertificate& current,
                          const std::string& directory, const std::string& label) const;

 private:
  EstEndpoint endpoint_;
};

}  // namespace certacl::sim
