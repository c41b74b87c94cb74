#pragma once
// The facts of the certificate a client presented, read once at connect in the same text
// forms the CA recorded (certificate_facts.h), so comparing them is plain string equality.

#include <openssl/x509.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace certacl::policy {

struct PresentedCertificate {
  std::string serial;  // upper-case hex, BN_bn2hex form
  std::string sha256;  // lower-case hex of the DER encoding
  std::string issuer;  // RFC 2253
  std::int64_t not_before = 0;
  std::int64_t not_after = 0;
  std::vector<std::string> common_names;  // raw, NULs kept so they can be refused
  std::vector<std::string> san_dns;
  std::vector<std::string> san_uri;
};

// nullopt when the certificate's fields cannot be read (e.g. a time out of range).
[[nodiscard]] std::optional<PresentedCertificate> read_presented_certificate(
    const X509* certificate);

}  // namespace certacl::policy
