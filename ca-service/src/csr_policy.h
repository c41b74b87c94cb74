#pragma once
// What certacl accepts in a certificate signing request, as a pure function of its bytes
// (no database, no files), so unit tests and the fuzz target can call it directly.
// A CSR only proves possession of a key and names the device; everything else it asks for
// (extensions, extra subject fields, CA:TRUE) is ignored: the CA decides the certificate.

#include <optional>
#include <string>
#include <string_view>

#include "certacl/openssl_handles.h"

namespace certacl::ca {

struct AcceptedCsr {
  std::string common_name;  // the device identity the CSR claims
  EvpPkeyPtr public_key;
};

struct CsrVerdict {
  std::optional<AcceptedCsr> accepted;
  std::string problem;  // why the CSR is refused; empty when accepted
};

// Parses one PEM "CERTIFICATE REQUEST" and checks: self-signature verifies, the subject
// has exactly one CN, the CN is a valid device name, the key is EC P-256/P-384, Ed25519
// or RSA >= 2048 bits. Never throws on bad input.
[[nodiscard]] CsrVerdict validate_csr_pem(std::string_view pem);

// For the broker's own certificate: only the self-signature and the key type are checked;
// the subject comes from the command line. common_name is left empty.
[[nodiscard]] CsrVerdict validate_server_csr_pem(std::string_view pem);

// Same checks for an already parsed request.
[[nodiscard]] CsrVerdict validate_csr(X509_REQ* request);

// Why a public key is not acceptable for a device or server certificate, or "".
[[nodiscard]] std::string public_key_problem(const EVP_PKEY* key);

}  // namespace certacl::ca
