#pragma once
// One EST request and its answer, as plain values: the HTTP library fills an EstRequest
// and sends an EstResponse, so the service's decisions can be tested without sockets.

#include <openssl/x509.h>

#include <cstdint>
#include <optional>
#include <string>

namespace certacl::ca::est {

struct EstRequest {
  std::string content_type;   // as sent, parameters included
  std::string authorization;  // the Authorization header, "" when absent
  std::string body;
  std::string peer;                          // client address, for logs and rate limits
  const X509* client_certificate = nullptr;  // from the TLS session, if the client sent one
};

struct EstResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
  std::optional<std::int64_t> retry_after_seconds;  // sent as Retry-After
  bool challenge = false;  // send WWW-Authenticate: Basic (a 401 for simpleenroll)
};

}  // namespace certacl::ca::est
