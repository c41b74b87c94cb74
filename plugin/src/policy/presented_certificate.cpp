#include "presented_certificate.h"

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <array>
#include <exception>
#include <memory>
#include <string_view>

#include "certacl/certificate_facts.h"
#include "certacl/openssl_handles.h"

namespace certacl::policy {
namespace {

// Read on every connect, so the two facts that cost most are made here, in exactly the text
// the CA recorded (certificate_facts.h), and presented_certificate_test checks both against
// those functions.

constexpr std::string_view kLowerHex = "0123456789abcdef";
constexpr std::string_view kUpperHex = "0123456789ABCDEF";

// OpenSSL 3 looks the implementation of EVP_sha256() up by name on every digest; fetching
// it once removes that from each connect. Freed when the plugin is unloaded.
using EvpMdPtr = std::unique_ptr<EVP_MD, OpensslDeleter<EVP_MD_free>>;

const EVP_MD* sha256() {
  static const EvpMdPtr fetched(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  return fetched ? fetched.get() : EVP_sha256();
}

// sha256_fingerprint(): lower-case hex of the SHA-256 of the DER encoding.
std::string fingerprint(const X509* certificate) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (X509_digest(certificate, sha256(), digest.data(), &length) != 1) return {};
  std::string text;
  text.reserve(static_cast<std::size_t>(length) * 2);
  for (unsigned int i = 0; i < length; ++i) {
    text.push_back(kLowerHex[digest[i] >> 4]);
    text.push_back(kLowerHex[digest[i] & 0x0F]);
  }
  return text;
}

// serial_hex() (BN_bn2hex): upper-case hex of the magnitude, whole bytes, leading zero bytes
// dropped, "0" for zero. Read straight from the INTEGER's bytes instead of through a
// BIGNUM; a negative serial (never issued by the CA) takes the BIGNUM path for its '-'.
std::string serial_text(const X509* certificate) {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(certificate);
  if (serial == nullptr || ASN1_STRING_type(serial) != V_ASN1_INTEGER) {
    return serial_hex(certificate);
  }
  const unsigned char* bytes = ASN1_STRING_get0_data(serial);
  auto remaining = static_cast<std::size_t>(ASN1_STRING_length(serial));
  while (remaining > 0 && *bytes == 0) {
    ++bytes;
    --remaining;
  }
  if (remaining == 0) return "0";
  std::string text;
  text.reserve(remaining * 2);
  for (std::size_t i = 0; i < remaining; ++i) {
    text.push_back(kUpperHex[bytes[i] >> 4]);
    text.push_back(kUpperHex[bytes[i] & 0x0F]);
  }
  return text;
}

}  // namespace

std::optional<PresentedCertificate> read_presented_certificate(const X509* certificate) {
  if (certificate == nullptr) return std::nullopt;
  try {
    const auto not_before = asn1_time_to_unix(X509_get0_notBefore(certificate));
    const auto not_after = asn1_time_to_unix(X509_get0_notAfter(certificate));
    if (!not_before || !not_after) return std::nullopt;
    PresentedCertificate facts;
    facts.serial = serial_text(certificate);
    facts.sha256 = fingerprint(certificate);
    facts.issuer = name_text(X509_get_issuer_name(certificate));
    facts.not_before = *not_before;
    facts.not_after = *not_after;
    facts.common_names = common_names(X509_get_subject_name(certificate));
    // Most device certificates carry no subjectAltName: skip decoding what is not there.
    if (X509_get_ext_by_NID(certificate, NID_subject_alt_name, -1) >= 0) {
      facts.san_dns = subject_alt_names(certificate, GEN_DNS);
      facts.san_uri = subject_alt_names(certificate, GEN_URI);
    }
    return facts;
  } catch (const std::exception&) {
    // certificate_facts throws on encodings it cannot convert; to the broker that is
    // simply a certificate it cannot accept.
    return std::nullopt;
  }
}

}  // namespace certacl::policy
