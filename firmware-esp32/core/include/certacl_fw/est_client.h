#pragma once
// RFC 7030 (EST) client: /cacerts, /simpleenroll with HTTP Basic (device name + one-time
// token), /simplereenroll over mutual TLS with the current certificate. Requests carry the
// CSR as base64 DER (application/pkcs10); answers are base64 DER PKCS#7 certs-only, from
// which the certificates are taken out as PEM. Any other answer is a one-line failure.

#include <string>
#include <string_view>
#include <vector>

#include "certacl_fw/est_transport.h"
#include "certacl_fw/result.h"

namespace certacl::fw {

class EstClient {
 public:
  explicit EstClient(EstTransport& transport) : transport_(transport) {}

  // The CA certificates the server distributes, PEM each.
  Result<std::vector<std::string>> ca_certificates();
  // The issued certificate (PEM) for `csr_pem`.
  Result<std::string> simple_enroll(std::string_view csr_pem, const BasicAuth& auth);
  Result<std::string> simple_reenroll(std::string_view csr_pem, const DeviceCredentials& current);

 private:
  Result<std::string> enroll(std::string_view operation, EstRequest request,
                             std::string_view csr_pem);

  EstTransport& transport_;
};

// The base64 body of a PEM block without its armour and line breaks (the EST request body).
[[nodiscard]] Result<std::string> pem_body_base64(std::string_view pem);
// The certificates of a base64 DER PKCS#7 certs-only message, PEM each, in message order.
[[nodiscard]] Result<std::vector<std::string>> certificates_from_pkcs7_base64(
    std::string_view body);

}  // namespace certacl::fw
