// Arbitrary DER bytes through everything the plugin reads out of a client certificate:
// names, SANs, serial, fingerprint, validity, and the identity rule applied to them.

#include <openssl/x509v3.h>

#include <cstdint>

#include "certacl/certificate_facts.h"
#include "certacl/identity.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const certacl::X509Ptr certificate =
      certacl::parse_certificate_der(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!certificate) {
    (void)certacl::take_openssl_errors();
    return 0;
  }
  for (const std::string& name : certacl::common_names(X509_get_subject_name(certificate.get()))) {
    (void)certacl::device_name_problem(name);
  }
  for (const int type : {GEN_DNS, GEN_URI}) {
    for (const std::string& name : certacl::subject_alt_names(certificate.get(), type)) {
      (void)certacl::device_name_problem(name);
    }
  }
  (void)certacl::serial_hex(certificate.get());
  (void)certacl::sha256_fingerprint(certificate.get());
  (void)certacl::name_text(X509_get_issuer_name(certificate.get()));
  (void)certacl::asn1_time_to_unix(X509_get0_notBefore(certificate.get()));
  (void)certacl::asn1_time_to_unix(X509_get0_notAfter(certificate.get()));
  (void)certacl::take_openssl_errors();
  return 0;
}
