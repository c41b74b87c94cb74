#pragma once
// The certificates the session-table tests build on: a device's certificate as the registry
// records it, and the one that device presents at connect, both valid around kTestNow.

#include <cstdint>
#include <string>
#include <string_view>

#include "certacl/registry.h"
#include "presented_certificate.h"
#include "test_fingerprint.h"

namespace certacl::policy {

inline constexpr std::int64_t kTestNow = 1'800'000'000;
inline constexpr std::string_view kTestIssuer = "CN=certacl test CA";

inline CertificateRecord test_certificate_record(const std::string& serial,
                                                 const std::string& device) {
  CertificateRecord certificate;
  certificate.serial = serial;
  certificate.device = device;
  certificate.subject = "CN=" + device;
  certificate.issuer = std::string(kTestIssuer);
  certificate.not_before = kTestNow - 100;
  certificate.not_after = kTestNow + 100;
  certificate.sha256 = test_fingerprint("sha-" + serial);
  return certificate;
}

inline PresentedCertificate test_presented_certificate(const std::string& cn,
                                                       const std::string& serial) {
  PresentedCertificate certificate;
  certificate.serial = serial;
  certificate.sha256 = test_fingerprint("sha-" + serial);
  certificate.issuer = std::string(kTestIssuer);
  certificate.not_before = kTestNow - 100;
  certificate.not_after = kTestNow + 100;
  certificate.common_names = {cn};
  return certificate;
}

}  // namespace certacl::policy
