#pragma once
// The one thing the EST client needs from a platform: send an HTTPS request to the EST
// server and return its answer. The ESP32 implements it with esp_http_client, the host with
// cpp-httplib, the unit tests with a loopback peer. The transport verifies the server's
// certificate against the device's trust anchor (the CA certificate from factory data).

#include <optional>
#include <string>

#include "certacl_fw/result.h"

namespace certacl::fw {

struct DeviceCredentials;

struct BasicAuth {
  std::string username;  // the device name
  std::string password;  // the one-time enrollment token
};

struct EstRequest {
  bool post = false;  // GET otherwise
  std::string path;   // e.g. "/.well-known/est/simpleenroll"
  std::string content_type;
  std::string body;
  std::optional<BasicAuth> basic_auth;
  // When set, the TLS handshake presents this certificate and key (simplereenroll).
  const DeviceCredentials* client_identity = nullptr;
};

struct EstResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

class EstTransport {
 public:
  virtual ~EstTransport() = default;
  // A failure means no HTTP answer (connect, TLS or timeout); any HTTP status is a value.
  virtual Result<EstResponse> exchange(const EstRequest& request) = 0;
};

}  // namespace certacl::fw
