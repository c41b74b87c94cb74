#pragma once
// Credentials in NVS namespace "certacl", one string entry per item. Enable NVS encryption
// (flash encryption + nvs_keys partition) in production so the device key is not readable
// from a dumped flash.

#include "certacl_fw/credential_store.h"

class NvsCredentialStore final : public certacl::fw::CredentialStore {
 public:
  certacl::fw::Result<std::optional<std::string>> load(certacl::fw::CredentialItem item) override;
  certacl::fw::Status save(certacl::fw::CredentialItem item, std::string_view value) override;
};
