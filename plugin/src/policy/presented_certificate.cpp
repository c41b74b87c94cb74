#include "presented_certificate.h"

#include <openssl/x509v3.h>

#include <exception>

#include "certacl/certificate_facts.h"

namespace certacl::policy {

std::optional<PresentedCertificate> read_presented_certificate(const X509* certificate) {
  if (certificate == nullptr) return std::nullopt;
  try {
    const auto not_before = asn1_time_to_unix(X509_get0_notBefore(certificate));
    const auto not_after = asn1_time_to_unix(X509_get0_notAfter(certificate));
    if (!not_before || !not_after) return std::nullopt;
    PresentedCertificate facts;
    facts.serial = serial_hex(certificate);
    facts.sha256 = sha256_fingerprint(certificate);
    facts.issuer = name_text(X509_get_issuer_name(certificate));
    facts.not_before = *not_before;
    facts.not_after = *not_after;
    facts.common_names = common_names(X509_get_subject_name(certificate));
    facts.san_dns = subject_alt_names(certificate, GEN_DNS);
    facts.san_uri = subject_alt_names(certificate, GEN_URI);
    return facts;
  } catch (const std::exception&) {
    // certificate_facts throws on encodings it cannot convert; to the broker that is
    // simply a certificate it cannot accept.
    return std::nullopt;
  }
}

}  // namespace certacl::policy
