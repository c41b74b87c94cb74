// The test server is what the tests claim it is: loopback only, durable commits, and gone
// after its fixture.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <thread>

#include "certacl/store/postgres_connection.h"
#include "certacl_test/postgres_fixture.h"

namespace certacl::test {
namespace {

// True while something still accepts on the port after `timeout_ms`.
bool wait_for_port_closed(int port, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!wait_for_port(port, 10)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

TEST(PostgresFixture, ListensOnLoopbackOnlyWithFsyncOnAndStopsWithTheFixture) {
  int port = 0;
  {
    PostgresServer server;
    port = server.port();
    store::PostgresSettings admin;
    admin.url = server.url("postgres");
    admin.passfile = server.passfile();
    store::PostgresConnection connection(admin);
    EXPECT_EQ(connection.exec("SHOW listen_addresses").text(0, 0), "127.0.0.1");
    EXPECT_EQ(connection.exec("SHOW fsync").text(0, 0), "on");
    EXPECT_EQ(connection.exec("SHOW synchronous_commit").text(0, 0), "on");
    EXPECT_EQ(connection.exec("SHOW port").int64(0, 0), port);
    EXPECT_TRUE(wait_for_port(port, 100));
  }
  EXPECT_FALSE(wait_for_port(port, 300)) << "the server outlived its fixture";
}

TEST(PostgresFixture, AServerLeftByAKilledTestIsStoppedByTheNextFixture) {
  std::array<int, 2> pipe_fds{};
  ASSERT_EQ(pipe(pipe_fds.data()), 0);
  const pid_t killed_test = fork();
  ASSERT_GE(killed_test, 0);
  if (killed_test == 0) {
    // Stands for a test that ctest kills: it never reaches the fixture's destructor.
    close(pipe_fds[0]);
    PostgresServer* leaked = new PostgresServer();
    const int port = leaked->port();
    (void)!write(pipe_fds[1], &port, sizeof(port));
    pause();
    _exit(0);
  }
  close(pipe_fds[1]);
  int leaked_port = 0;
  pollfd ready{pipe_fds[0], POLLIN, 0};
  ASSERT_EQ(poll(&ready, 1, 60000), 1) << "the child's server did not start in 60 s";
  ASSERT_EQ(read(pipe_fds[0], &leaked_port, sizeof(leaked_port)),
            static_cast<ssize_t>(sizeof(leaked_port)));
  close(pipe_fds[0]);
  kill(killed_test, SIGKILL);
  waitpid(killed_test, nullptr, 0);
  ASSERT_TRUE(wait_for_port(leaked_port, 1000)) << "the orphaned server should still run";

  const PostgresServer next;
  EXPECT_FALSE(wait_for_port_closed(leaked_port, 10000)) << "the orphan still listens";
}

}  // namespace
}  // namespace certacl::test
