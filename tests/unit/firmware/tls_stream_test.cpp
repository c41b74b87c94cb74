// The TLS layer against loopback peers that misbehave: nobody listening, a peer that never
// answers, a peer that answers garbage. Each must end in one clear failure within the
// configured bound (asserted as an outcome, not a duration).
#include "certacl_fw/tls_stream.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "certacl_fw/certificate_request.h"
#include "certacl_test/files.h"
#include "firmware_test_support.h"
#include "test_ca.h"

namespace certacl::fw {
namespace {

using namespace std::chrono_literals;

// A listening socket on 127.0.0.1 whose backlog completes TCP handshakes; it never accepts,
// so the peer sees a connected socket that stays silent.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::listen(fd_, 4);
    socklen_t length = sizeof(address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

class FirmwareTls : public ::testing::Test {
 protected:
  TlsIdentity identity() {
    auto key = DeviceKey::generate(*random).value();
    const auto certificate = ca.sign(make_certificate_request(key, "sensor-7", *random).value());
    return TlsIdentity{certificate, ca.certificate_pem(), std::move(key)};
  }
  Result<std::unique_ptr<TlsStream>> open(std::uint16_t port) {
    const TlsEndpoint endpoint{"127.0.0.1", port, "localhost", 300ms};
    return TlsStream::open(std::make_unique<BsdSocket>(), endpoint, identity(), *random);
  }

  std::unique_ptr<Random> random = test::make_random();
  test::TestCa ca;
};

TEST_F(FirmwareTls, NobodyListening) {
  const auto port = static_cast<std::uint16_t>(certacl::test::free_loopback_port());
  auto stream = open(port);
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.error(),
            "cannot connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

TEST_F(FirmwareTls, SilentPeerTimesOut) {
  SilentListener listener;
  auto stream = open(listener.port());
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.error(), "TLS handshake with 127.0.0.1:" + std::to_string(listener.port()) +
                                " failed: timed out");
}

TEST_F(FirmwareTls, GarbagePeerFailsTheHandshake) {
  SilentListener listener;
  // The peer answers the ClientHello with text that is not TLS, then closes.
  std::thread peer([&listener] {
    pollfd ready{listener.fd(), POLLIN, 0};
    if (::poll(&ready, 1, 5000) != 1) return;  // bounded: the test fails on its own then
    const int connection = ::accept(listener.fd(), nullptr, nullptr);
    if (connection < 0) return;
    const std::string garbage = "HTTP/1.1 400 Bad Request\r\n\r\n";
    (void)::send(connection, garbage.data(), garbage.size(), MSG_NOSIGNAL);
    ::shutdown(connection, SHUT_WR);
    pollfd closed{connection, POLLIN, 0};
    (void)::poll(&closed, 1, 2000);  // until the device gives up
    ::close(connection);
  });
  auto stream = open(listener.port());
  peer.join();
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.error().rfind("TLS handshake with 127.0.0.1:", 0), 0u) << stream.error();
  EXPECT_EQ(stream.error().find("timed out"), std::string::npos) << stream.error();
}

TEST_F(FirmwareTls, RefusesMalformedCredentialsBeforeConnecting) {
  SilentListener listener;
  auto key = DeviceKey::generate(*random).value();
  const TlsEndpoint endpoint{"127.0.0.1", listener.port(), "localhost", 300ms};
  auto stream = TlsStream::open(
      std::make_unique<BsdSocket>(), endpoint,
      TlsIdentity{"not a certificate", ca.certificate_pem(), std::move(key)}, *random);
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.error(), "cannot read the device certificate: no PEM certificate");
}

}  // namespace
}  // namespace certacl::fw
