#pragma once
// The bytes EST puts on the wire (RFC 7030 as clarified by RFC 8951): base64 bodies with
// no Content-Transfer-Encoding games, DER PKCS#10 requests in, DER PKCS#7 certs-only
// structures out, and the CsrAttrs answer. Pure functions: no HTTP, no database.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certacl/openssl_handles.h"

namespace certacl::ca::est {

// Strict base64 (RFC 4648 alphabet, '=' padding only at the end); line breaks and spaces
// between characters are allowed (RFC 8951 §3.1). nullopt for anything else or empty.
[[nodiscard]] std::optional<std::string> decode_base64(std::string_view text);
// Base64 in lines of 64 characters, each ending in LF (what `base64 -d` accepts).
[[nodiscard]] std::string encode_base64(std::string_view bytes);

// A DER PKCS#10 request, parsed for csr_policy (which checks everything else), or null
// when the bytes are not exactly one complete request.
[[nodiscard]] X509ReqPtr parse_csr_der(std::string_view der);
// The same re-encoded as PEM (for clients of validate_csr_pem), or nullopt.
[[nodiscard]] std::optional<std::string> csr_der_to_pem(std::string_view der);

// A degenerate PKCS#7 SignedData holding only certificates (RFC 7030 §4.1.3, "certs-only").
// Throws std::runtime_error if OpenSSL cannot build it.
[[nodiscard]] std::string certs_only_pkcs7_der(const std::vector<const X509*>& certificates);

// CsrAttrs (RFC 7030 §4.5.2): an EC P-256 key (id-ecPublicKey with the prime256v1 curve)
// signed with ecdsa-with-SHA256. The subject form (CN = the registered device name) cannot
// be said in CsrAttrs; docs/EST.md states it.
[[nodiscard]] std::string_view csr_attributes_der() noexcept;

}  // namespace certacl::ca::est
