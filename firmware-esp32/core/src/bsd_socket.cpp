#include <fcntl.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <netdb.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "certacl_fw/socket.h"

namespace certacl::fw {
namespace {

struct AddressListFree {
  void operator()(addrinfo* list) const { freeaddrinfo(list); }
};

timeval to_timeval(std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(timeout.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((timeout.count() % 1000) * 1000);
  return tv;
}

// Waits until `fd` is readable (or writable), at most `timeout`: 1 ready, 0 timeout, -1 error.
int wait_ready(int fd, bool for_write, std::chrono::milliseconds timeout) {
  fd_set set;
  FD_ZERO(&set);
  FD_SET(fd, &set);
  timeval tv = to_timeval(timeout);
  int rc = 0;
  do {
    rc = for_write ? select(fd + 1, nullptr, &set, nullptr, &tv)
                   : select(fd + 1, &set, nullptr, nullptr, &tv);
  } while (rc < 0 && errno == EINTR);
  return rc;
}

// Non-blocking connect bounded by `timeout`; the socket is blocking again afterwards, with
// send bounded by SO_SNDTIMEO (receives are bounded per call by select).
Status connect_one(int fd, const addrinfo& address, std::chrono::milliseconds timeout) {
  const int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    return Status::failure(std::string("cannot make the socket non-blocking: ") +
                           std::strerror(errno));
  }
  if (::connect(fd, address.ai_addr, address.ai_addrlen) != 0) {
    if (errno != EINPROGRESS) return Status::failure(std::strerror(errno));
    const int ready = wait_ready(fd, true, timeout);
    if (ready == 0) return Status::failure("timed out");
    if (ready < 0) return Status::failure(std::strerror(errno));
    int error = 0;
    socklen_t length = sizeof(error);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    if (error != 0) return Status::failure(std::strerror(error));
  }
  if (fcntl(fd, F_SETFL, flags) < 0) {
    return Status::failure(std::string("cannot make the socket blocking: ") + std::strerror(errno));
  }
  const timeval send_timeout = to_timeval(timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout));
  return Status::success();
}

std::string resolve_error_text(int code) {
#ifdef ESP_PLATFORM
  return "getaddrinfo error " + std::to_string(code);  // lwIP has no gai_strerror
#else
  return gai_strerror(code);
#endif
}

}  // namespace

Status BsdSocket::connect(std::string_view host, std::uint16_t port,
                          std::chrono::milliseconds timeout) {
  close();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string host_text(host);
  const std::string port_text = std::to_string(port);
  const int resolved = getaddrinfo(host_text.c_str(), port_text.c_str(), &hints, &found);
  if (resolved != 0 || found == nullptr) {
    return Status::failure("cannot resolve '" + host_text + "': " + resolve_error_text(resolved));
  }
  const std::unique_ptr<addrinfo, AddressListFree> addresses(found);

  std::string last_error = "no address";
  for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
    const int fd = ::socket(address->ai_family, address->ai_socktype, address->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    auto connected = connect_one(fd, *address, timeout);
    if (connected) {
      fd_ = fd;
      return Status::success();
    }
    last_error = connected.error();
    ::close(fd);
  }
  return Status::failure("cannot connect to " + host_text + ":" + port_text + ": " + last_error);
}

int BsdSocket::send(const unsigned char* data, std::size_t size) {
  if (fd_ < 0) return MBEDTLS_ERR_NET_INVALID_CONTEXT;
#ifdef MSG_NOSIGNAL
  constexpr int kFlags = MSG_NOSIGNAL;  // a closed peer is an error here, not a SIGPIPE
#else
  constexpr int kFlags = 0;
#endif
  ssize_t sent = 0;
  do {
    sent = ::send(fd_, data, size, kFlags);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    return (errno == EPIPE || errno == ECONNRESET) ? MBEDTLS_ERR_NET_CONN_RESET
                                                   : MBEDTLS_ERR_NET_SEND_FAILED;
  }
  return static_cast<int>(sent);
}

int BsdSocket::receive(unsigned char* data, std::size_t size, std::uint32_t timeout_ms) {
  if (fd_ < 0) return MBEDTLS_ERR_NET_INVALID_CONTEXT;
  const int ready = wait_ready(fd_, false, std::chrono::milliseconds(timeout_ms));
  if (ready == 0) return MBEDTLS_ERR_SSL_TIMEOUT;
  if (ready < 0) return MBEDTLS_ERR_NET_RECV_FAILED;
  ssize_t received = 0;
  do {
    received = ::recv(fd_, data, size, 0);
  } while (received < 0 && errno == EINTR);
  if (received < 0) {
    return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
  }
  return static_cast<int>(received);
}

void BsdSocket::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace certacl::fw
