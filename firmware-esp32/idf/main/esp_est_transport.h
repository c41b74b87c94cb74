#pragma once
// The ESP32's EST transport: esp_http_client over esp-tls (Mbed TLS), checking the server
// against the CA certificate from the device settings; simplereenroll presents the device
// certificate and key. Every socket wait is bounded (timeout_ms).

#include <string>

#include "certacl_fw/est_transport.h"

class EspEstTransport final : public certacl::fw::EstTransport {
 public:
  EspEstTransport(std::string base_url, std::string ca_certificate_pem, int timeout_ms)
      : base_url_(std::move(base_url)),
        ca_pem_(std::move(ca_certificate_pem)),
        timeout_ms_(timeout_ms) {}

  certacl::fw::Result<certacl::fw::EstResponse> exchange(
      const certacl::fw::EstRequest& request) override;

 private:
  std::string base_url_;
  std::string ca_pem_;
  int timeout_ms_;
};
