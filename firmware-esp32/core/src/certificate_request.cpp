#include "certacl_fw/certificate_request.h"

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_csr.h>

#include <array>
#include <memory>
#include <string>

#include "certacl_fw/device_name.h"
#include "certacl_fw/mbedtls_compat.h"

namespace certacl::fw {
namespace {

constexpr std::size_t kCsrPemBytes = 4096;

struct CsrWriter {
  CsrWriter() { mbedtls_x509write_csr_init(&csr); }
  ~CsrWriter() { mbedtls_x509write_csr_free(&csr); }
  CsrWriter(const CsrWriter&) = delete;
  CsrWriter& operator=(const CsrWriter&) = delete;
  mbedtls_x509write_csr csr{};
};

// The CN is stored as raw bytes rather than through mbedtls_x509write_csr_set_subject_name,
// whose "CN=..." string syntax gives ',' and '\' special meaning: a legal device name such
// as "hall,2" would otherwise be split or refused.
int set_common_name(mbedtls_x509write_csr& csr, std::string_view name) {
  mbedtls_asn1_named_data* entry = mbedtls_asn1_store_named_data(
      &csr.MBEDTLS_PRIVATE(subject), MBEDTLS_OID_AT_CN, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_CN),
      reinterpret_cast<const unsigned char*>(name.data()), name.size());
  if (entry == nullptr) return MBEDTLS_ERR_ASN1_ALLOC_FAILED;
  entry->val.tag = MBEDTLS_ASN1_UTF8_STRING;
  return 0;
}

}  // namespace

Result<std::string> make_certificate_request(const DeviceKey& key, std::string_view device_name,
                                             Random& random) {
  if (const auto problem = device_name_problem(device_name); !problem.empty()) {
    return Status::failure("cannot make a CSR: device name " + std::string(problem));
  }
  CsrWriter writer;
  mbedtls_x509write_csr_set_md_alg(&writer.csr, MBEDTLS_MD_SHA256);
  mbedtls_x509write_csr_set_key(&writer.csr, &key.context());
  int rc = set_common_name(writer.csr, device_name);
  if (rc == 0)
    rc = mbedtls_x509write_csr_set_key_usage(&writer.csr, MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
  if (rc != 0) return Status::failure("cannot make a CSR: " + mbedtls_error_text(rc));

  std::array<unsigned char, kCsrPemBytes> buffer{};
  rc = mbedtls_x509write_csr_pem(&writer.csr, buffer.data(), buffer.size(), Random::generate,
                                 random.context());
  if (rc != 0) return Status::failure("cannot sign the CSR: " + mbedtls_error_text(rc));
  return std::string(reinterpret_cast<const char*>(buffer.data()));
}

}  // namespace certacl::fw
