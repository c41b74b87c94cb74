#include "nvs_credential_store.h"

#include <esp_err.h>
#include <nvs.h>

#include <string>

using certacl::fw::CredentialItem;
using certacl::fw::Result;
using certacl::fw::Status;

namespace {

constexpr const char* kNamespace = "certacl";

// Closes the handle on every path.
class NvsHandle {
 public:
  esp_err_t open(nvs_open_mode_t mode) { return nvs_open(kNamespace, mode, &handle_); }
  ~NvsHandle() {
    if (handle_ != 0) nvs_close(handle_);
  }
  nvs_handle_t get() const { return handle_; }

 private:
  nvs_handle_t handle_ = 0;
};

std::string failure(const char* action, CredentialItem item, esp_err_t error) {
  return std::string("cannot ") + action + " " + std::string(certacl::fw::item_name(item)) +
         " in NVS: " + esp_err_to_name(error);
}

}  // namespace

Result<std::optional<std::string>> NvsCredentialStore::load(CredentialItem item) {
  NvsHandle handle;
  esp_err_t error = handle.open(NVS_READONLY);
  // The namespace appears with the first save; before that nothing is stored.
  if (error == ESP_ERR_NVS_NOT_FOUND) return std::optional<std::string>{};
  if (error != ESP_OK) return Status::failure(failure("open", item, error));
  const std::string key(certacl::fw::item_name(item));
  std::size_t length = 0;
  error = nvs_get_blob(handle.get(), key.c_str(), nullptr, &length);
  if (error == ESP_ERR_NVS_NOT_FOUND) return std::optional<std::string>{};
  if (error != ESP_OK || length == 0 || length > certacl::fw::kMaxStoredItemBytes) {
    return Status::failure(failure("read", item, error == ESP_OK ? ESP_ERR_INVALID_SIZE : error));
  }
  std::string value(length, '\0');
  error = nvs_get_blob(handle.get(), key.c_str(), value.data(), &length);
  if (error != ESP_OK) return Status::failure(failure("read", item, error));
  value.resize(length);
  return std::optional<std::string>(std::move(value));
}

Status NvsCredentialStore::save(CredentialItem item, std::string_view value) {
  if (value.empty() || value.size() > certacl::fw::kMaxStoredItemBytes) {
    return Status::failure(failure("write", item, ESP_ERR_INVALID_SIZE));
  }
  NvsHandle handle;
  esp_err_t error = handle.open(NVS_READWRITE);
  if (error != ESP_OK) return Status::failure(failure("open", item, error));
  const std::string key(certacl::fw::item_name(item));
  // NVS writes one entry whole or not at all (the old value stays until the new one is
  // complete); commit makes it durable before the next renewal step runs.
  error = nvs_set_blob(handle.get(), key.c_str(), value.data(), value.size());
  if (error == ESP_OK) error = nvs_commit(handle.get());
  if (error != ESP_OK) return Status::failure(failure("write", item, error));
  return Status::success();
}
