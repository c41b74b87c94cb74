#pragma once
// The platform's TCP socket, in the calling convention mbedTLS's BIO callbacks use.
// BsdSocket implements it for POSIX hosts and for lwIP on the ESP32 (the same API).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "certacl_fw/result.h"

namespace certacl::fw {

class Socket {
 public:
  virtual ~Socket() = default;
  virtual Status connect(std::string_view host, std::uint16_t port,
                         std::chrono::milliseconds timeout) = 0;
  // Bytes sent (> 0), or a negative mbedTLS error.
  virtual int send(const unsigned char* data, std::size_t size) = 0;
  // Bytes received (> 0), 0 when the peer closed, MBEDTLS_ERR_SSL_TIMEOUT when nothing
  // arrived within `timeout_ms`, another negative mbedTLS error on failure.
  virtual int receive(unsigned char* data, std::size_t size, std::uint32_t timeout_ms) = 0;
  virtual void close() = 0;
};

class BsdSocket final : public Socket {
 public:
  BsdSocket() = default;
  ~BsdSocket() override { close(); }
  BsdSocket(const BsdSocket&) = delete;
  BsdSocket& operator=(const BsdSocket&) = delete;

  Status connect(std::string_view host, std::uint16_t port,
                 std::chrono::milliseconds timeout) override;
  int send(const unsigned char* data, std::size_t size) override;
  int receive(unsigned char* data, std::size_t size, std::uint32_t timeout_ms) override;
  void close() override;

 private:
  int fd_ = -1;
};

}  // namespace certacl::fw
