#pragma once
// What certacl accepts in a certificate signing request, as a pure function of its bytes
// (no database, no files), so unit tests and the fuzz target can call it directly.
// A CSR only proves possession of a key and names the device; everything else it asks for
// (extensions, extra subject fields, CA:TRUE) is ignored: the CA decides the certificate.

#include <optional>
#include <string>
#include <string_view>

#include "certacl/openssl_handles.h"
#include "subject_public_key.h"

namespace certacl::ca {

struct AcceptedCsr {
  std::string common_name;  // the device identity the CSR claims
  EvpPkeyPtr public_key;
  // The CSR's SubjectPublicKeyInfo for the certificate, or null (then public_key is
  // encoded): see subject_public_key.h.
  X509PubkeyPtr spki;
};

struct CsrVerdict {
  std::optional<AcceptedCsr> accepted;
  std::string problem;  // why the CSR is refused; empty when accepted
};

// Parses one PEM "CERTIFICATE REQUEST" and checks: the key passes public_key_problem, the
// self-signature verifies, the subject has exactly one CN, the CN is a valid device name.
// Never throws on bad input. Whether the key was revoked for keyCompromise needs the
// registry: CertificateAuthority::issue checks that for every certificate it signs.
[[nodiscard]] CsrVerdict validate_csr_pem(std::string_view pem);

// For the broker's own certificate: only the self-signature and the key type are checked;
// the subject comes from the command line. common_name is left empty.
[[nodiscard]] CsrVerdict validate_server_csr_pem(std::string_view pem);

// Same checks for an already parsed request.
[[nodiscard]] CsrVerdict validate_csr(X509_REQ* request);

// Why a public key is not acceptable for a device or server certificate, or "". Accepted:
// EC on the named curves P-256 or P-384 (explicit parameters refused), Ed25519, RSA of
// 2048..8192 bits with an odd public exponent >= 65537; and EVP_PKEY_public_check passes.
[[nodiscard]] std::string public_key_problem(const EVP_PKEY* key);

}  // namespace certacl::ca
