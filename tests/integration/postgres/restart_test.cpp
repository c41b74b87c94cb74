// A PostgreSQL restart: the reader's connection dies, it reconnects, LISTENs again and
// catches up by counter on the changes it could not be told about.
#include <gtest/gtest.h>

#include "certacl/store/postgres_registry_reader.h"
#include "postgres_world.h"

namespace certacl::test {
namespace {

using std::chrono::milliseconds;

TEST(PostgresRestart, ReaderReconnectsRelistensAndCatchesUpByCounter) {
  PostgresWorld world;
  {
    store::PostgresStore writer(world.ca);
    world.seed(writer, 3);
  }
  store::PostgresRegistryReader reader(world.broker);
  const std::int64_t seen = reader.load_registry().change_counter;

  world.server.stop();
  world.server.start();
  // Revoked while the reader is disconnected: its NOTIFY reaches nobody.
  {
    store::PostgresStore writer(world.ca);
    ASSERT_EQ(writer.revoke_device("device-2", 1, "test").size(), 1U);
  }

  const store::ChangeWait caught_up = reader.wait_for_change(milliseconds(10000));
  EXPECT_TRUE(caught_up.reconnected);
  EXPECT_GT(caught_up.change_counter, seen);
  const std::vector<store::RegistryChange> missed = reader.changes_since(seen);
  ASSERT_EQ(missed.size(), 1U);
  EXPECT_EQ(missed[0].device, "device-2");

  // LISTEN is in place again: the next change is pushed, not found by polling.
  {
    store::PostgresStore writer(world.ca);
    writer.set_device_enabled("device-0", false, "test");
  }
  const store::ChangeWait pushed = reader.wait_for_change(milliseconds(5000));
  ASSERT_TRUE(pushed.notified_counter.has_value());
  EXPECT_FALSE(pushed.reconnected);
  EXPECT_EQ(*pushed.notified_counter, pushed.change_counter);
}

TEST(PostgresRestart, AReadAfterARestartReconnectsByItself) {
  PostgresWorld world;
  {
    store::PostgresStore writer(world.ca);
    world.seed(writer, 2);
  }
  store::PostgresRegistryReader reader(world.broker);
  const std::int64_t counter = reader.change_counter();
  world.server.stop();
  world.server.start();
  const RegistryContents contents = reader.load_registry();
  EXPECT_EQ(contents.change_counter, counter);
  EXPECT_EQ(contents.devices.size(), 2U);
}

TEST(PostgresRestart, AnUnreachableServerIsReportedWhenTheWaitEnds) {
  PostgresWorld world;
  store::PostgresRegistryReader reader(world.broker);
  world.server.stop();
  EXPECT_THROW((void)reader.wait_for_change(milliseconds(1500)), store::PostgresError);
}

}  // namespace
}  // namespace certacl::test
