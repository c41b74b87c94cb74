#pragma once
// The device's life before its first connection: make a key, hand out a CSR, accept the
// certificate the CA signed. The ESP32's app_main and the host tool certacl-device both
// drive this one class, so the host tests exercise the firmware's own steps.

#include <string>
#include <string_view>

#include "certacl_fw/credential_store.h"
#include "certacl_fw/device_key.h"
#include "certacl_fw/random.h"
#include "certacl_fw/result.h"

namespace certacl::fw {

// Everything an mTLS connection needs, read back from the store and checked together.
struct DeviceCredentials {
  std::string name;
  DeviceKey key;
  std::string certificate_pem;
  std::string ca_certificate_pem;
};

class Provisioner {
 public:
  Provisioner(CredentialStore& store, Random& random) : store_(store), random_(random) {}

  // Makes and stores a new key for `name`. A device that already has a key keeps it when the
  // name is the same (re-running provisioning is harmless); a different name, or `replace`,
  // is needed to throw the old key away.
  Status create_identity(std::string_view name, bool replace = false);

  // The PEM CSR for the stored name and key.
  Result<std::string> certificate_request();

  // Checks `certificate_pem` against the key, the name and the CA certificate, then stores
  // both. An empty `ca_certificate_pem` means the CA certificate stored earlier.
  Status install_certificate(std::string_view certificate_pem, std::string_view ca_certificate_pem);

  // Stores the CA certificate alone (firmware images may carry it built in).
  Status install_ca_certificate(std::string_view ca_certificate_pem);

  // The stored credentials, re-checked; fails (naming what is missing) until provisioned.
  Result<DeviceCredentials> load_credentials();

 private:
  Result<std::string> load_required(CredentialItem item, std::string_view missing_hint);

  CredentialStore& store_;
  Random& random_;
};

}  // namespace certacl::fw
