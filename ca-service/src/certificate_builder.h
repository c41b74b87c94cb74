#pragma once
// Builds and signs X.509 certificates for the three profiles certacl issues. The profile,
// not the request, decides every extension.

#include <cstdint>
#include <string>
#include <vector>

#include "certacl/openssl_handles.h"

namespace certacl::ca {

enum class Profile {
  kCertificateAuthority,  // CA:TRUE critical, keyCertSign + cRLSign
  kServer,                // serverAuth, digitalSignature + keyEncipherment
  kDevice,                // clientAuth, digitalSignature
};

struct SubjectAltNames {
  std::vector<std::string> dns;
  std::vector<std::string> ip;
  std::vector<std::string> uri;
  [[nodiscard]] bool empty() const noexcept { return dns.empty() && ip.empty() && uri.empty(); }
};

struct CertificateOrder {
  Profile profile = Profile::kDevice;
  std::string common_name;
  const EVP_PKEY* subject_key = nullptr;
  // When set (a CSR's key, copy_canonical_spki), the certificate carries these fields
  // instead of an encoding of subject_key; both must be the same key.
  const X509_PUBKEY* subject_spki = nullptr;
  SubjectAltNames alt_names;
  std::int64_t not_before = 0;  // Unix seconds
  std::int64_t not_after = 0;
  const BIGNUM* serial = nullptr;
};

// The digest to sign with for a given signing key (none for Ed25519).
[[nodiscard]] const EVP_MD* signing_digest(const EVP_PKEY* signing_key);

// Signs `order` with `issuer_key`. `issuer` is the CA certificate, or nullptr for the
// self-signed CA certificate itself. Throws CaError naming what failed.
[[nodiscard]] X509Ptr build_certificate(const CertificateOrder& order, const X509* issuer,
                                        EVP_PKEY* issuer_key);

// Builds a CSR for `key` whose subject is CN=`common_name` (used by enroll).
[[nodiscard]] X509ReqPtr build_request(const std::string& common_name, EVP_PKEY* key);
// The request as PEM (what `sign --csr` reads). Throws CaError(kKey).
[[nodiscard]] std::string request_pem(const X509_REQ* request);

// Parses "DNS:x", "IP:y", "URI:z" entries; throws CaError(kBadInput) naming a bad entry.
[[nodiscard]] SubjectAltNames parse_alt_names(const std::vector<std::string>& entries);

}  // namespace certacl::ca
