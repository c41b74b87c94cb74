#include "certacl_fw/certificate_check.h"

#include <mbedtls/oid.h>
#include <mbedtls/x509.h>

#include <array>
#include <cstring>
#include <string>

#include "certacl_fw/certificate_dates.h"
#include "certacl_fw/mbedtls_compat.h"
#include "certacl_fw/x509_chain.h"

namespace certacl::fw {
namespace {

std::string verify_flags_text(std::uint32_t flags) {
  std::array<char, 512> text{};
  const int written = mbedtls_x509_crt_verify_info(text.data(), text.size(), "", flags);
  std::string result = written > 0 ? std::string(text.data()) : std::string("unknown reason");
  // One line: the info text is newline-separated.
  for (char& c : result) {
    if (c == '\n') c = ';';
  }
  while (!result.empty() && (result.back() == ';' || result.back() == ' ')) result.pop_back();
  return result;
}

Result<std::string> first_common_name(const mbedtls_x509_crt& certificate) {
  for (const mbedtls_x509_name* entry = &certificate.subject; entry != nullptr;
       entry = entry->next) {
    if (entry->oid.p != nullptr && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &entry->oid) == 0) {
      return std::string(reinterpret_cast<const char*>(entry->val.p), entry->val.len);
    }
  }
  return Status::failure("the certificate has no subject CN");
}

}  // namespace

Result<std::string> certificate_common_name(std::string_view certificate_pem) {
  X509Chain certificate;
  if (auto status = certificate.parse_pem(certificate_pem, "the certificate"); !status) {
    return status;
  }
  return first_common_name(certificate.first());
}

Status check_device_certificate(std::string_view certificate_pem,
                                std::string_view ca_certificate_pem, const DeviceKey& key,
                                std::string_view device_name, Random& random) {
  X509Chain certificate;
  X509Chain ca;
  if (auto status = certificate.parse_pem(certificate_pem, "the device certificate"); !status) {
    return status;
  }
  if (auto status = ca.parse_pem(ca_certificate_pem, "the CA certificate"); !status) {
    return status;
  }

  std::uint32_t flags = 0;
  const int verified = mbedtls_x509_crt_verify(&certificate.first(), &ca.first(), nullptr, nullptr,
                                               &flags, verify_dates, nullptr);
  if (verified != 0) {
    return Status::failure("the device certificate does not verify against the CA certificate: " +
                           verify_flags_text(flags));
  }

#if MBEDTLS_VERSION_MAJOR >= 3
  const int paired = mbedtls_pk_check_pair(&certificate.first().pk, &key.context(),
                                           Random::generate, random.context());
#else
  (void)random;
  const int paired = mbedtls_pk_check_pair(&certificate.first().pk, &key.context());
#endif
  if (paired != 0) {
    return Status::failure("the device certificate is for another key, not this device's");
  }

  auto common_name = first_common_name(certificate.first());
  if (!common_name) return common_name.status();
  if (common_name.value() != device_name) {
    return Status::failure("the device certificate names '" + common_name.value() +
                           "', not this device '" + std::string(device_name) + "'");
  }

  // Only matters when the extension is present: then it must allow TLS client use.
  if (mbedtls_x509_crt_check_extended_key_usage(&certificate.first(), MBEDTLS_OID_CLIENT_AUTH,
                                                MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH)) != 0) {
    return Status::failure("the device certificate is not valid for TLS client authentication");
  }
  return Status::success();
}

}  // namespace certacl::fw
