#pragma once
// A CSR's SubjectPublicKeyInfo carried into the certificate as parsed, without an
// EVP_PKEY <-> DER round trip (its SHA-256: certacl::spki_sha256).
//
// Why: in OpenSSL 3.0 every X509_set_pubkey and i2d_PUBKEY of a provider key builds an
// encoder (and X509_set_pubkey a decoder too) by searching all providers' encoders and
// decoders: about 0.2 ms each, which was half the CPU time of one enrollment
// (docs/EST.md, "Performance"). Copying the parsed fields is plain ASN.1.

#include <memory>
#include <string>

#include "certacl/openssl_handles.h"

namespace certacl::ca {

using X509PubkeyPtr = std::unique_ptr<X509_PUBKEY, OpensslDeleter<X509_PUBKEY_free>>;

// A copy of `source`'s algorithm and key bits, for keys whose re-encoding by OpenSSL is
// byte for byte the parsed encoding: EC on a named curve (the point keeps its form) and
// Ed25519. Null for any other key (RSA: a missing NULL parameter would be copied, not
// normalised), so the caller falls back to X509_set_pubkey.
[[nodiscard]] X509PubkeyPtr copy_canonical_spki(const X509_PUBKEY* source);

// Puts the fields of `spki` into `certificate`'s SubjectPublicKeyInfo. The certificate
// then has no cached EVP_PKEY: read its key with X509_get_X509_PUBKEY, not X509_get0_pubkey.
[[nodiscard]] bool set_certificate_spki(X509* certificate, const X509_PUBKEY* spki);

}  // namespace certacl::ca
