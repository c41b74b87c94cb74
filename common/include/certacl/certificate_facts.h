#pragma once
// Facts read out of an X.509 certificate in the exact textual forms the database stores,
// so the CA (which records them) and the plugin (which compares them) can never disagree.

#include <openssl/x509.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certacl/openssl_handles.h"

namespace certacl {

// Upper-case hex without leading zeros, as BN_bn2hex prints it.
[[nodiscard]] std::string serial_hex(const X509* certificate);
// Lower-case hex SHA-256 of the DER encoding.
[[nodiscard]] std::string sha256_fingerprint(const X509* certificate);
// Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo: the same key gives the same
// value on every certificate and CSR that carries it ("" if it cannot be encoded).
[[nodiscard]] std::string public_key_sha256(const EVP_PKEY* key);
// The same digest from an already encoded SubjectPublicKeyInfo (a certificate's or a CSR's):
// plain ASN.1, where public_key_sha256 runs an OpenSSL 3 encoder (~0.2 ms).
[[nodiscard]] std::string spki_sha256(const X509_PUBKEY* spki);
// RFC 2253 text of a distinguished name.
[[nodiscard]] std::string name_text(const X509_NAME* name);
// Raw bytes of every commonName entry, UTF-8 converted. Embedded NULs are kept so that
// identity validation can refuse them.
[[nodiscard]] std::vector<std::string> common_names(const X509_NAME* name);
// Values of every subjectAltName entry of one type (GEN_DNS or GEN_URI), NULs kept.
[[nodiscard]] std::vector<std::string> subject_alt_names(const X509* certificate,
                                                         int general_name_type);
// Unix seconds, or nullopt when the time cannot be represented.
[[nodiscard]] std::optional<std::int64_t> asn1_time_to_unix(const ASN1_TIME* time);

// Parsing. Each returns nullptr on malformed input and leaves the reason in
// take_openssl_errors().
[[nodiscard]] X509Ptr parse_certificate_pem(std::string_view pem);
[[nodiscard]] X509Ptr parse_certificate_der(std::string_view der);
[[nodiscard]] std::string certificate_to_pem(const X509* certificate);

}  // namespace certacl
