#include "certacl_fw/tls_stream.h"

#include <mbedtls/net_sockets.h>

#include <algorithm>
#include <string>
#include <utility>

#include "certacl_fw/certificate_dates.h"
#include "certacl_fw/mbedtls_compat.h"

namespace certacl::fw {
namespace {

using Clock = std::chrono::steady_clock;

std::uint32_t milliseconds_left(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  // 0 would mean "wait forever" to mbedTLS; never ask for that.
  return static_cast<std::uint32_t>(std::max<std::chrono::milliseconds::rep>(left.count(), 1));
}

std::string verify_failure_text(std::uint32_t flags) {
  std::string text(512, '\0');
  const int written = mbedtls_x509_crt_verify_info(text.data(), text.size(), "", flags);
  text.resize(written > 0 ? static_cast<std::size_t>(written) : 0);
  std::replace(text.begin(), text.end(), '\n', ';');
  while (!text.empty() && (text.back() == ';' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

TlsStream::TlsStream(std::unique_ptr<Socket> socket, TlsIdentity identity)
    : socket_(std::move(socket)), identity_(std::move(identity)) {
  mbedtls_ssl_config_init(&config_);
  mbedtls_ssl_init(&ssl_);
}

TlsStream::~TlsStream() {
  close();
  mbedtls_ssl_free(&ssl_);
  mbedtls_ssl_config_free(&config_);
}

Result<std::unique_ptr<TlsStream>> TlsStream::open(std::unique_ptr<Socket> socket,
                                                   const TlsEndpoint& endpoint,
                                                   TlsIdentity identity, Random& random) {
  if (!socket) return Status::failure("no socket was given");
  std::unique_ptr<TlsStream> stream(new TlsStream(std::move(socket), std::move(identity)));
  if (auto configured = stream->configure(endpoint, random); !configured) return configured;
  if (auto connected = stream->socket_->connect(endpoint.host, endpoint.port, endpoint.timeout);
      !connected) {
    return connected;
  }
  if (auto shaken = stream->handshake(endpoint.timeout); !shaken) {
    stream->socket_->close();
    return Status::failure("TLS handshake with " + endpoint.host + ":" +
                           std::to_string(endpoint.port) + " failed: " + shaken.error());
  }
  stream->open_ = true;
  return stream;
}

Status TlsStream::configure(const TlsEndpoint& endpoint, Random& random) {
  if (auto parsed = ca_.parse_pem(identity_.ca_certificate_pem, "the CA certificate"); !parsed) {
    return parsed;
  }
  if (auto parsed = own_certificate_.parse_pem(identity_.certificate_pem, "the device certificate");
      !parsed) {
    return parsed;
  }
  int rc = mbedtls_ssl_config_defaults(&config_, MBEDTLS_SSL_IS_CLIENT,
                                       MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) return Status::failure("cannot set TLS defaults: " + mbedtls_error_text(rc));
#if MBEDTLS_VERSION_MAJOR >= 3
  mbedtls_ssl_conf_min_tls_version(&config_, MBEDTLS_SSL_VERSION_TLS1_2);
  mbedtls_ssl_conf_max_tls_version(&config_, MBEDTLS_SSL_VERSION_TLS1_2);
#else
  mbedtls_ssl_conf_min_version(&config_, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&config_, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
  // The broker must prove itself; a device never talks to an unverified peer.
  mbedtls_ssl_conf_authmode(&config_, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&config_, &ca_.first(), nullptr);
  // Dates are checked by the core, not left to MBEDTLS_HAVE_TIME_DATE (off on ESP-IDF).
  mbedtls_ssl_conf_verify(&config_, verify_dates, nullptr);
  mbedtls_ssl_conf_rng(&config_, Random::generate, random.context());
  rc = mbedtls_ssl_conf_own_cert(&config_, &own_certificate_.first(), &identity_.key.context());
  if (rc != 0)
    return Status::failure("cannot use the device certificate: " + mbedtls_error_text(rc));
  rc = mbedtls_ssl_setup(&ssl_, &config_);
  if (rc != 0) return Status::failure("cannot set up TLS: " + mbedtls_error_text(rc));
  rc = mbedtls_ssl_set_hostname(&ssl_, endpoint.server_name.c_str());
  if (rc != 0) return Status::failure("cannot set the server name: " + mbedtls_error_text(rc));
  mbedtls_ssl_set_bio(&ssl_, this, bio_send, nullptr, bio_receive);
  return Status::success();
}

Status TlsStream::handshake(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    mbedtls_ssl_conf_read_timeout(&config_, milliseconds_left(deadline));
    const int rc = mbedtls_ssl_handshake(&ssl_);
    if (rc == 0) return Status::success();
    if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
      return Status::failure("broker certificate rejected: " +
                             verify_failure_text(mbedtls_ssl_get_verify_result(&ssl_)));
    }
    if (rc == MBEDTLS_ERR_SSL_TIMEOUT) return Status::failure("timed out");
    if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
      return Status::failure(mbedtls_error_text(rc));
    }
    if (Clock::now() >= deadline) return Status::failure("timed out");
  }
  return Status::failure("did not finish");
}

int TlsStream::bio_send(void* self, const unsigned char* data, std::size_t size) {
  return static_cast<TlsStream*>(self)->socket_->send(data, size);
}

int TlsStream::bio_receive(void* self, unsigned char* data, std::size_t size, std::uint32_t ms) {
  return static_cast<TlsStream*>(self)->socket_->receive(data, size, ms);
}

IoResult TlsStream::write_all(const std::uint8_t* data, std::size_t size,
                              std::chrono::milliseconds timeout) {
  if (!open_) return {IoOutcome::closed, "the TLS session is closed"};
  const auto deadline = Clock::now() + timeout;
  std::size_t written = 0;
  while (written < size) {
    const int rc = mbedtls_ssl_write(&ssl_, data + written, size - written);
    if (rc > 0) {
      written += static_cast<std::size_t>(rc);
      continue;
    }
    if (rc != MBEDTLS_ERR_SSL_WANT_WRITE && rc != MBEDTLS_ERR_SSL_WANT_READ) {
      return {IoOutcome::failed, "TLS write failed: " + mbedtls_error_text(rc)};
    }
    if (Clock::now() >= deadline) return {IoOutcome::timed_out, "TLS write timed out"};
  }
  return {};
}

IoResult TlsStream::read_exact(std::uint8_t* data, std::size_t size,
                               std::chrono::milliseconds timeout) {
  if (!open_) return {IoOutcome::closed, "the TLS session is closed"};
  const auto deadline = Clock::now() + timeout;
  std::size_t read = 0;
  while (read < size) {
    if (Clock::now() >= deadline) return {IoOutcome::timed_out, "TLS read timed out"};
    mbedtls_ssl_conf_read_timeout(&config_, milliseconds_left(deadline));
    const int rc = mbedtls_ssl_read(&ssl_, data + read, size - read);
    if (rc > 0) {
      read += static_cast<std::size_t>(rc);
      continue;
    }
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF ||
        rc == MBEDTLS_ERR_NET_CONN_RESET) {
      open_ = false;
      return {IoOutcome::closed, "the broker closed the connection"};
    }
    if (rc == MBEDTLS_ERR_SSL_TIMEOUT) return {IoOutcome::timed_out, "TLS read timed out"};
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
    if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) continue;
#endif
    open_ = false;
    return {IoOutcome::failed, "TLS read failed: " + mbedtls_error_text(rc)};
  }
  return {};
}

void TlsStream::close() {
  if (open_) {
    mbedtls_ssl_conf_read_timeout(&config_, 100);
    (void)mbedtls_ssl_close_notify(&ssl_);
    open_ = false;
  }
  if (socket_) socket_->close();
}

}  // namespace certacl::fw
