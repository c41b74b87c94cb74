// The event loop without a broker: outcomes it must report when nothing (or something that
// is not an MQTT broker) answers.

#include "engine/event_loop.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "certacl_test/files.h"
#include "provision/forged_certificate.h"

namespace certacl::sim {
namespace {

using std::chrono::milliseconds;

struct Fixture {
  test::TempDir dir;
  ForgedFiles ca =
      forge_client_certificate("test CA", nullptr, dir.file("ca.crt"), dir.file("ca.key"));
};

TEST(EventLoop, ClosedPortIsAConnectionError) {
  Fixture fixture;
  const int port = test::free_loopback_port();
  SimulatedDevice device({"sensor1", "sensor1", fixture.ca.certfile, fixture.ca.keyfile},
                         {"127.0.0.1", port, fixture.ca.certfile});
  EventLoop loop;
  loop.add(device);
  device.start_connect();
  EXPECT_TRUE(loop.run_until([&] { return device.settled(); }, milliseconds(3000)));
  EXPECT_EQ(device.state(), SessionState::kConnectionError);
  EXPECT_NE(device.describe_outcome().find("refused: connection failed"), std::string::npos)
      << device.describe_outcome();
}

TEST(EventLoop, UnreadableKeyFailsWithoutThrowing) {
  Fixture fixture;
  SimulatedDevice device({"sensor1", "sensor1", fixture.ca.certfile, fixture.dir.file("missing")},
                         {"127.0.0.1", 1, fixture.ca.certfile});
  device.start_connect();
  EXPECT_EQ(device.state(), SessionState::kConnectionError);
  EXPECT_NE(device.error_text().find("TLS setup failed"), std::string::npos);
}

TEST(EventLoop, SilentServerLeavesTheDeviceUnansweredWithinTheLimit) {
  Fixture fixture;
  // A listener that accepts TCP but never speaks TLS.
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t length = sizeof(address);
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);

  SimulatedDevice device({"sensor1", "sensor1", fixture.ca.certfile, fixture.ca.keyfile},
                         {"127.0.0.1", ntohs(address.sin_port), fixture.ca.certfile});
  EventLoop loop;
  loop.add(device);
  device.start_connect();
  EXPECT_FALSE(loop.run_until([&] { return device.settled(); }, milliseconds(300)));
  EXPECT_EQ(device.state(), SessionState::kConnecting);
  EXPECT_EQ(device.describe_outcome(), "no answer (timed out)");
  close(listener);
}

}  // namespace
}  // namespace certacl::sim
