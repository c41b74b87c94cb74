// The writer's durability settings (docs/DEPLOYMENT.md, "SQLite journal mode").

#include "ca_database.h"

#include <gtest/gtest.h>

#include "certacl_test/files.h"

namespace certacl::ca {
namespace {

// With a rollback journal the commit point is the journal's unlink; only
// synchronous=EXTRA (3) syncs the directory after it, so a COMMIT that returned survives
// a power cut. FULL (2) would not.
TEST(CaDatabaseTest, WriterCommitsSurviveAPowerCut) {
  const certacl::test::TempDir dir;
  const std::string path = dir.file("registry.db");
  {
    SqliteDatabase created = create_database(path);
    EXPECT_EQ(created.query_int64("PRAGMA synchronous"), 3);
  }
  SqliteDatabase db = open_database(path);
  EXPECT_EQ(db.query_int64("PRAGMA synchronous"), 3);
  EXPECT_EQ(db.journal_mode(), "delete");
}

}  // namespace
}  // namespace certacl::ca
