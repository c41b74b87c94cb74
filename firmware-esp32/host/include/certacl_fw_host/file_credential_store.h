#pragma once
// The host's credential store: one file per item in a directory the device owns
// (device_key.pem with mode 0600, the rest 0644), each replaced atomically.

#include <string>

#include "certacl_fw/credential_store.h"

namespace certacl::fw::host {

class FileCredentialStore final : public CredentialStore {
 public:
  // The directory is created (mode 0700) on the first save if it does not exist.
  explicit FileCredentialStore(std::string directory) : directory_(std::move(directory)) {}

  Result<std::optional<std::string>> load(CredentialItem item) override;
  Status save(CredentialItem item, std::string_view value) override;

  [[nodiscard]] std::string path_of(CredentialItem item) const;

 private:
  std::string directory_;
};

}  // namespace certacl::fw::host
