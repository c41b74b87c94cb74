#pragma once
// Credentials in NVS namespace "certacl", one blob per item (nvs_set_str caps a value at
// 4,000 bytes; a blob holds kMaxStoredItemBytes, the console's PEM limit). In the production
// profile NVS is encrypted (nvs_keys partition, flash encryption), so the device keys are
// not readable from a dumped flash.

#include "certacl_fw/credential_store.h"

class NvsCredentialStore final : public certacl::fw::CredentialStore {
 public:
  certacl::fw::Result<std::optional<std::string>> load(certacl::fw::CredentialItem item) override;
  certacl::fw::Status save(certacl::fw::CredentialItem item, std::string_view value) override;
};
