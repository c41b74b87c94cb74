#include "esp_est_transport.h"

#include <esp_http_client.h>
#include <mbedtls/platform_util.h>
#include <strings.h>

#include "certacl_fw/provisioning.h"

using certacl::fw::EstRequest;
using certacl::fw::EstResponse;
using certacl::fw::Result;
using certacl::fw::Status;

namespace {

// An EST answer larger than this is not a certificate; stop reading.
constexpr std::size_t kMaxBodyBytes = 16 * 1024;

struct Exchange {
  std::string content_type;
};

esp_err_t on_http_event(esp_http_client_event_t* event) {
  if (event->event_id == HTTP_EVENT_ON_HEADER && event->header_key != nullptr &&
      event->header_value != nullptr && strcasecmp(event->header_key, "Content-Type") == 0) {
    static_cast<Exchange*>(event->user_data)->content_type = event->header_value;
  }
  return ESP_OK;
}

// Cleans up the client on every path.
class Client {
 public:
  explicit Client(const esp_http_client_config_t& config)
      : handle_(esp_http_client_init(&config)) {}
  ~Client() {
    if (handle_ != nullptr) esp_http_client_cleanup(handle_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  esp_http_client_handle_t get() const { return handle_; }

 private:
  esp_http_client_handle_t handle_;
};

// The key PEM lives only as long as the request, and is wiped after.
struct SecretText {
  std::string text;
  ~SecretText() { mbedtls_platform_zeroize(text.data(), text.size()); }
};

}  // namespace

Result<EstResponse> EspEstTransport::exchange(const EstRequest& request) {
  const std::string url = base_url_ + request.path;
  Exchange exchange;
  esp_http_client_config_t config{};
  config.url = url.c_str();
  config.cert_pem = ca_pem_.c_str();
  config.timeout_ms = timeout_ms_;
  config.event_handler = on_http_event;
  config.user_data = &exchange;
  config.method = request.post ? HTTP_METHOD_POST : HTTP_METHOD_GET;
  SecretText key_pem;
  if (request.client_identity != nullptr) {
    auto pem = request.client_identity->key.private_key_pem();
    if (!pem) return pem.status();
    key_pem.text = std::move(pem.value());
    config.client_cert_pem = request.client_identity->certificate_pem.c_str();
    config.client_key_pem = key_pem.text.c_str();
  }
  if (request.basic_auth) {
    config.username = request.basic_auth->username.c_str();
    config.password = request.basic_auth->password.c_str();
    config.auth_type = HTTP_AUTH_TYPE_BASIC;
  }

  Client client(config);
  if (client.get() == nullptr) return Status::failure("cannot create the HTTP client");
  if (request.post)
    esp_http_client_set_header(client.get(), "Content-Type", request.content_type.c_str());
  esp_err_t error = esp_http_client_open(client.get(), static_cast<int>(request.body.size()));
  if (error != ESP_OK) {
    return Status::failure("cannot reach " + base_url_ + ": " + esp_err_to_name(error));
  }
  if (request.post) {
    const int written = esp_http_client_write(client.get(), request.body.data(),
                                              static_cast<int>(request.body.size()));
    if (written != static_cast<int>(request.body.size()))
      return Status::failure("sending the request failed");
  }
  if (esp_http_client_fetch_headers(client.get()) < 0) return Status::failure("no HTTP answer");

  EstResponse response;
  response.status = esp_http_client_get_status_code(client.get());
  char buffer[512];
  for (;;) {
    const int read = esp_http_client_read(client.get(), buffer, sizeof(buffer));
    if (read < 0) return Status::failure("reading the answer failed");
    if (read == 0) break;
    response.body.append(buffer, static_cast<std::size_t>(read));
    if (response.body.size() > kMaxBodyBytes) return Status::failure("the answer is too large");
  }
  esp_http_client_close(client.get());
  response.content_type = std::move(exchange.content_type);
  return response;
}
