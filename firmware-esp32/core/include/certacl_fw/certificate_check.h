#pragma once
// Before the device stores a pasted certificate it proves the certificate is really its own:
// issued by the CA it was given, for its own public key, with its own name as the CN. A
// wrong paste is refused here rather than discovered as a failed TLS handshake later.

#include <string>
#include <string_view>

#include "certacl_fw/device_key.h"
#include "certacl_fw/random.h"
#include "certacl_fw/result.h"

namespace certacl::fw {

[[nodiscard]] Status check_device_certificate(std::string_view certificate_pem,
                                              std::string_view ca_certificate_pem,
                                              const DeviceKey& key, std::string_view device_name,
                                              Random& random);

// The first commonName of a certificate's subject, raw bytes.
[[nodiscard]] Result<std::string> certificate_common_name(std::string_view certificate_pem);

}  // namespace certacl::fw
