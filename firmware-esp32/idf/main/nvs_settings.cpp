#include "nvs_settings.h"

#include <esp_log.h>
#include <nvs.h>
#include <nvs_flash.h>
#include <sdkconfig.h>

#include "certacl_fw/credential_store.h"

using certacl::fw::Status;

namespace {

constexpr const char* kTag = "certacl-settings";
constexpr const char* kFactoryNamespace = "certacl";
constexpr const char* kOverrideNamespace = "certacl_cfg";

class Handle {
 public:
  ~Handle() {
    if (handle_ != 0) nvs_close(handle_);
  }
  nvs_handle_t* out() { return &handle_; }
  nvs_handle_t get() const { return handle_; }

 private:
  nvs_handle_t handle_ = 0;
};

// nvs_partition_gen writes "string" rows as NVS strings.
std::optional<std::string> read_string(nvs_handle_t handle, const std::string& key) {
  std::size_t length = 0;
  if (nvs_get_str(handle, key.c_str(), nullptr, &length) != ESP_OK || length == 0 ||
      length > certacl::fw::kMaxStoredItemBytes) {
    return std::nullopt;
  }
  std::string value(length, '\0');
  if (nvs_get_str(handle, key.c_str(), value.data(), &length) != ESP_OK) return std::nullopt;
  value.resize(length - 1);  // the terminating NUL
  return value;
}

}  // namespace

NvsSettings::NvsSettings() {
  const esp_err_t error = nvs_flash_init_partition(CONFIG_CERTACL_FACTORY_PARTITION);
  factory_ready_ = error == ESP_OK;
  if (!factory_ready_) {
    ESP_LOGW(kTag, "no factory settings partition '%s' (%s); use the console",
             CONFIG_CERTACL_FACTORY_PARTITION, esp_err_to_name(error));
  }
}

std::optional<std::string> NvsSettings::factory_value(std::string_view key) {
  if (!factory_ready_) return std::nullopt;
  Handle handle;
  if (nvs_open_from_partition(CONFIG_CERTACL_FACTORY_PARTITION, kFactoryNamespace, NVS_READONLY,
                              handle.out()) != ESP_OK) {
    return std::nullopt;
  }
  return read_string(handle.get(), std::string(key));
}

std::optional<std::string> NvsSettings::load(std::string_view key) {
  Handle handle;
  if (nvs_open(kOverrideNamespace, NVS_READONLY, handle.out()) != ESP_OK) return std::nullopt;
  const std::string name(key);
  std::size_t length = 0;
  if (nvs_get_blob(handle.get(), name.c_str(), nullptr, &length) != ESP_OK || length == 0 ||
      length > certacl::fw::kMaxStoredItemBytes) {
    return std::nullopt;
  }
  std::string value(length, '\0');
  if (nvs_get_blob(handle.get(), name.c_str(), value.data(), &length) != ESP_OK)
    return std::nullopt;
  value.resize(length);
  return value;
}

std::optional<std::string> NvsSettings::lookup(std::string_view key) {
  if (auto value = load(key)) return value;
  return factory_value(key);
}

Status NvsSettings::save(std::string_view key, std::string_view value) {
  if (value.size() > certacl::fw::kMaxStoredItemBytes) return Status::failure("value too large");
  Handle handle;
  esp_err_t error = nvs_open(kOverrideNamespace, NVS_READWRITE, handle.out());
  const std::string name(key);
  if (error == ESP_OK) error = nvs_set_blob(handle.get(), name.c_str(), value.data(), value.size());
  if (error == ESP_OK) error = nvs_commit(handle.get());
  if (error != ESP_OK) {
    return Status::failure("cannot save setting '" + name + "': " + esp_err_to_name(error));
  }
  return Status::success();
}
