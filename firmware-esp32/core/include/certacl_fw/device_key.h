#pragma once
// The device's own key pair: EC P-256, made on the device, never leaving it except as the
// PEM the platform's secret storage keeps (NVS on the ESP32, a 0600 file on the host).

#include <mbedtls/pk.h>

#include <string>
#include <string_view>

#include "certacl_fw/random.h"
#include "certacl_fw/result.h"

namespace certacl::fw {

class DeviceKey {
 public:
  static Result<DeviceKey> generate(Random& random);
  // Accepts the PKCS#8 or SEC1 PEM that private_key_pem() writes; refuses anything but EC P-256.
  static Result<DeviceKey> from_pem(std::string_view pem, Random& random);

  DeviceKey(DeviceKey&& other) noexcept;
  DeviceKey& operator=(DeviceKey&& other) noexcept;
  DeviceKey(const DeviceKey&) = delete;
  DeviceKey& operator=(const DeviceKey&) = delete;
  ~DeviceKey();

  [[nodiscard]] Result<std::string> private_key_pem() const;
  [[nodiscard]] Result<std::string> public_key_pem() const;
  // mbedTLS wants non-const contexts even where it only reads them.
  [[nodiscard]] mbedtls_pk_context& context() const noexcept { return pk_; }

 private:
  DeviceKey();
  mutable mbedtls_pk_context pk_{};
};

}  // namespace certacl::fw
