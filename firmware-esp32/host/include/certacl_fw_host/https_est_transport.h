#pragma once
// The host's EST transport: HTTPS through cpp-httplib (Debian's libcpp-httplib, over OpenSSL),
// so the host-built device talks EST without a hand-written HTTP client. The server must
// present a certificate the device's CA signed for the URL's host name; simplereenroll
// presents the device's own certificate and key (mutual TLS).

#include <chrono>
#include <string>

#include "certacl_fw/device_settings.h"
#include "certacl_fw/est_transport.h"

namespace certacl::fw::host {

class HttpsEstTransport final : public EstTransport {
 public:
  HttpsEstTransport(Endpoint server, std::string ca_certificate_pem,
                    std::chrono::milliseconds timeout)
      : server_(std::move(server)), ca_pem_(std::move(ca_certificate_pem)), timeout_(timeout) {}

  Result<EstResponse> exchange(const EstRequest& request) override;

 private:
  Endpoint server_;
  std::string ca_pem_;
  std::chrono::milliseconds timeout_;
};

}  // namespace certacl::fw::host
