// The test server is what the tests claim it is: loopback only, durable commits, and gone
// after its fixture.
#include <gtest/gtest.h>

#include "certacl/store/postgres_connection.h"
#include "certacl_test/postgres_fixture.h"

namespace certacl::test {
namespace {

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

}  // namespace
}  // namespace certacl::test
