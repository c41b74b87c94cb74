// Several certacl-ca processes on one database: every signing succeeds (writers queue on
// BEGIN IMMEDIATE with a busy timeout) and no serial repeats.

#include <gtest/gtest.h>

#include <set>

#include "certacl/sqlite.h"
#include "certacl_test/paths.h"
#include "cli_world.h"

namespace certacl::ca::test {
namespace {

TEST(CliConcurrency, ParallelSigningNeverCollides) {
  certacl::test::CaFixture ca;
  ca.add_role("sensor");
  ca.add_device("dev1", "sensor");
  const std::string csr = openssl_csr(ca, "dev1", "/CN=dev1");
  constexpr int kWriters = 4;
  constexpr int kEach = 8;
  std::vector<std::unique_ptr<certacl::test::ScopedProcess>> writers;
  for (int writer = 0; writer < kWriters; ++writer) {
    const std::string script = "set -e; for i in $(seq 1 " + std::to_string(kEach) +
                               "); do \"$0\" --db \"$1\" sign "
                               "--csr \"$2\" --out \"$3-$i.pem\"; done";
    writers.push_back(std::make_unique<certacl::test::ScopedProcess>(
        std::vector<std::string>{"sh", "-c", script, certacl::test::ca_binary(), ca.db_path(), csr,
                                 ca.dir().file("w" + std::to_string(writer))},
        ca.dir().file("writer" + std::to_string(writer) + ".log")));
  }
  for (auto& writer : writers) {
    const auto status = writer->wait_for_exit(std::chrono::seconds(60));
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << certacl::test::read_file(writer->log_path());
  }
  SqliteDatabase db(ca.db_path(), SqliteDatabase::Access::ReadOnly);
  EXPECT_EQ(db.query_int64("SELECT count(*) FROM certificates WHERE device = 'dev1'"),
            kWriters * kEach);
  EXPECT_EQ(db.query_int64("SELECT count(DISTINCT serial) FROM certificates"),
            db.query_int64("SELECT count(*) FROM certificates"));
  EXPECT_EQ(db.query_int64("SELECT count(*) FROM audit_log WHERE action = 'sign'"),
            kWriters * kEach);
}

}  // namespace
}  // namespace certacl::ca::test
