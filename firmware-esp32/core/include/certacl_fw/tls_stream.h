#pragma once
// Mutual TLS 1.2 over the platform socket: the broker must present a certificate the
// device's CA signed for `server_name`, and the device presents its own certificate and key.

#include <mbedtls/ssl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "certacl_fw/byte_stream.h"
#include "certacl_fw/device_key.h"
#include "certacl_fw/random.h"
#include "certacl_fw/result.h"
#include "certacl_fw/socket.h"
#include "certacl_fw/x509_chain.h"

namespace certacl::fw {

struct TlsEndpoint {
  std::string host;  // where to connect
  std::uint16_t port = 8883;
  std::string server_name;  // the name the broker certificate must carry (SNI and checks)
  std::chrono::milliseconds timeout{10'000};  // TCP connect and handshake, each
};

struct TlsIdentity {
  std::string certificate_pem;
  std::string ca_certificate_pem;
  DeviceKey key;
};

class TlsStream final : public ByteStream {
 public:
  // `random` must outlive the stream. Fails with one line naming the step that failed.
  static Result<std::unique_ptr<TlsStream>> open(std::unique_ptr<Socket> socket,
                                                 const TlsEndpoint& endpoint, TlsIdentity identity,
                                                 Random& random);
  ~TlsStream() override;
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  IoResult write_all(const std::uint8_t* data, std::size_t size,
                     std::chrono::milliseconds timeout) override;
  IoResult read_exact(std::uint8_t* data, std::size_t size,
                      std::chrono::milliseconds timeout) override;
  // Sends close_notify (best effort) and closes the socket.
  void close();

 private:
  TlsStream(std::unique_ptr<Socket> socket, TlsIdentity identity);
  Status configure(const TlsEndpoint& endpoint, Random& random);
  Status handshake(std::chrono::milliseconds timeout);
  static int bio_send(void* self, const unsigned char* data, std::size_t size);
  static int bio_receive(void* self, unsigned char* data, std::size_t size, std::uint32_t ms);

  std::unique_ptr<Socket> socket_;
  TlsIdentity identity_;
  X509Chain ca_;
  X509Chain own_certificate_;
  mbedtls_ssl_config config_{};
  mbedtls_ssl_context ssl_{};
  bool open_ = false;
};

}  // namespace certacl::fw
