#pragma once
// The device's life before its first connection: make a key, hand out a CSR, accept the
// certificate the CA signed. The ESP32's app_main and the host tool certacl-device both
// drive this one class, so the host tests exercise the firmware's own steps.

#include <functional>
#include <string>
#include <string_view>

#include "certacl_fw/credential_store.h"
#include "certacl_fw/device_key.h"
#include "certacl_fw/est_client.h"
#include "certacl_fw/random.h"
#include "certacl_fw/result.h"

namespace certacl::fw {

// Everything an mTLS connection needs, read back from the store and checked together.
struct DeviceCredentials {
  std::string name;
  DeviceKey key;
  std::string certificate_pem;
  std::string ca_certificate_pem;
  int slot = 0;  // the credential slot they were read from
};

// Renewal's steps, in order; the observer hears each one after it is done (the host tool
// uses it to simulate a power cut between steps).
enum class RenewalStep { key_stored, certificate_received, certificate_stored, slot_switched };
[[nodiscard]] std::string_view renewal_step_name(RenewalStep step) noexcept;
using RenewalObserver = std::function<void(RenewalStep)>;

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

  // The stored credentials of the active slot, re-checked (dates included); if they are
  // unusable, those of the other slot when they are. Fails (naming what is missing) until
  // provisioned.
  Result<DeviceCredentials> load_credentials();

  // First boot: key (kept if one exists for `name`), CSR, EST simpleenroll with the one-time
  // token, certificate checked and stored in slot 0, which becomes active. The CA certificate
  // (the trust anchor from factory data) must be installed first.
  Status enroll(EstClient& est, std::string_view name, std::string_view token);

  // EST simplereenroll over mutual TLS with the current credentials. The new key (a fresh
  // one when `rotate_key`) and certificate go into the other slot; only once that slot
  // verifies does one write make it active. A power cut at any step leaves the working slot
  // in use; the old credentials stay stored until the next renewal.
  Status renew(EstClient& est, bool rotate_key, const RenewalObserver& observer = {});

 private:
  Result<std::string> load_required(CredentialItem item, std::string_view missing_hint);
  Result<DeviceCredentials> load_slot(int slot);
  int active_slot();

  CredentialStore& store_;
  Random& random_;
};

}  // namespace certacl::fw
