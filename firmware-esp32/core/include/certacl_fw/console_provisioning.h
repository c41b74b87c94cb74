#pragma once
// The whole provisioning conversation on a console (see provisioning_console.h for the
// lines): make or reuse the key, print the CSR, read the pasted certificate(s), check and
// store them, answer OK or ERROR.

#include <string_view>

#include "certacl_fw/console.h"
#include "certacl_fw/provisioning.h"
#include "certacl_fw/result.h"

namespace certacl::fw {

struct ConsoleProvisioningOptions {
  // Set when the firmware image already carries the CA certificate; otherwise the operator
  // pastes it after the device certificate.
  std::string_view built_in_ca_certificate_pem;
  bool replace_key = false;
  std::size_t max_input_lines = 512;  // the operator's paste, bounded
};

Status provision_over_console(Provisioner& provisioner, Console& console,
                              std::string_view device_name,
                              const ConsoleProvisioningOptions& options);

}  // namespace certacl::fw
