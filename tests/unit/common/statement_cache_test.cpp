// Prepared statements kept per connection (certacl/sqlite.h, StatementCache): reuse must
// never change what a query returns.

#include <gtest/gtest.h>

#include <optional>

#include "certacl/sqlite.h"
#include "certacl_test/files.h"

namespace certacl {
namespace {

class StatementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.emplace(dir_.file("cache.db"), SqliteDatabase::Access::ReadWriteCreate);
    db_->exec("CREATE TABLE items (value INTEGER NOT NULL)");
    for (int i = 1; i <= 3; ++i) {
      db_->prepare("INSERT INTO items (value) VALUES (?1)").bind(1, std::int64_t{i}).run();
    }
  }
  test::TempDir dir_;
  std::optional<SqliteDatabase> db_;
};

TEST_F(StatementCacheTest, AReusedStatementStartsAfreshWithoutOldBindings) {
  constexpr const char* kQuery = "SELECT count(*) FROM items WHERE value >= ?1";
  Statement first = db_->prepare(kQuery);
  first.bind(1, std::int64_t{2});
  ASSERT_TRUE(first.step());
  EXPECT_EQ(first.column_int64(0), 2);
  first = db_->prepare("SELECT 1");  // gives the first statement back, half read
  Statement again = db_->prepare(kQuery);
  ASSERT_TRUE(again.step());  // no binding: NULL, so nothing is >= it
  EXPECT_EQ(again.column_int64(0), 0);
}

TEST_F(StatementCacheTest, TheSameTextTwiceAtOnceIteratesIndependently) {
  constexpr const char* kQuery = "SELECT value FROM items ORDER BY value";
  Statement outer = db_->prepare(kQuery);
  int pairs = 0;
  while (outer.step()) {
    Statement inner = db_->prepare(kQuery);
    while (inner.step()) ++pairs;
  }
  EXPECT_EQ(pairs, 9);
}

TEST_F(StatementCacheTest, ASchemaChangeIsSeenByAKeptStatement) {
  constexpr const char* kQuery = "SELECT * FROM items LIMIT 1";
  { Statement warm = db_->prepare(kQuery); }
  db_->exec("ALTER TABLE items ADD COLUMN label TEXT DEFAULT 'x'");
  Statement after = db_->prepare(kQuery);
  ASSERT_TRUE(after.step());
  EXPECT_EQ(after.column_text(1), "x");
}

TEST_F(StatementCacheTest, AStatementMayOutliveItsConnection) {
  Statement survivor = db_->prepare("SELECT value FROM items");
  db_.reset();  // closes the connection; the statement is finalized later, not given back
  SUCCEED();
}

}  // namespace
}  // namespace certacl
