#pragma once
// The CSR the device sends to the CA: subject CN=<device name>, signed with its own key.

#include <string>
#include <string_view>

#include "certacl_fw/device_key.h"
#include "certacl_fw/random.h"
#include "certacl_fw/result.h"

namespace certacl::fw {

// PEM "CERTIFICATE REQUEST"; fails if the name breaks the device name rule.
[[nodiscard]] Result<std::string> make_certificate_request(const DeviceKey& key,
                                                           std::string_view device_name,
                                                           Random& random);

}  // namespace certacl::fw
