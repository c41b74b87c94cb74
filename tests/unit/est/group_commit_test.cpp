// The group committer on a real SQLite file: concurrent work lands in shared
// transactions, a failing piece rolls back only itself, and run() returns after COMMIT.
#include "est/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "certacl/sqlite.h"
#include "certacl_test/files.h"

namespace certacl::ca::est {
namespace {

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteDatabase db(path_, SqliteDatabase::Access::ReadWriteCreate);
    db.configure_as_writer(std::chrono::milliseconds(1000));
    db.exec("CREATE TABLE items (value INTEGER NOT NULL UNIQUE)");
  }
  SqliteDatabase open() {
    SqliteDatabase db(path_, SqliteDatabase::Access::ReadWrite);
    db.configure_as_writer(std::chrono::milliseconds(1000));
    return db;
  }
  // Readers wait for a commit in progress (rollback journal) instead of failing.
  SqliteDatabase reader() {
    SqliteDatabase db(path_, SqliteDatabase::Access::ReadOnly);
    db.configure_as_reader(std::chrono::milliseconds(5000));
    return db;
  }
  std::int64_t count() { return reader().query_int64("SELECT count(*) FROM items"); }
  void insert(SqliteDatabase& db, std::int64_t value) {
    db.prepare("INSERT INTO items (value) VALUES (?1)").bind(1, value).run();
  }

  test::TempDir dir_;
  std::string path_ = dir_.file("group.db");
};

TEST_F(GroupCommitTest, EveryRunIsCommittedWhenItReturns) {
  GroupCommitter committer(open(), 8);
  std::vector<std::thread> threads;
  std::atomic<int> visible_after_return{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      try {  // an exception escaping a thread would abort the whole test binary
        committer.run([&](SqliteDatabase& db) { insert(db, i); });
        SqliteDatabase db = reader();
        Statement found = db.prepare("SELECT 1 FROM items WHERE value = ?1");
        found.bind(1, std::int64_t{i});
        if (found.step()) ++visible_after_return;
      } catch (const std::exception& error) {
        ADD_FAILURE() << error.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(visible_after_return.load(), 16);
  EXPECT_EQ(count(), 16);
}

TEST_F(GroupCommitTest, AFailingPieceRollsBackOnlyItself) {
  GroupCommitter committer(open(), 8);
  committer.run([&](SqliteDatabase& db) { insert(db, 1); });
  EXPECT_THROW(committer.run([&](SqliteDatabase& db) {
    insert(db, 2);
    throw std::runtime_error("refused");
  }),
               std::runtime_error);
  EXPECT_THROW(committer.run([&](SqliteDatabase& db) { insert(db, 1); }), DatabaseError);
  committer.run([&](SqliteDatabase& db) { insert(db, 3); });
  EXPECT_EQ(count(), 2);  // 1 and 3
}

TEST_F(GroupCommitTest, ALockedDatabaseFailsTheBatchAsBusy) {
  SqliteDatabase db = open();
  sqlite3_busy_timeout(db.handle(), 200);
  GroupCommitter committer(std::move(db), 8);
  SqliteDatabase other = open();
  WriteTransaction held(other);
  try {
    committer.run([&](SqliteDatabase& writer) { insert(writer, 1); });
    ADD_FAILURE() << "the batch committed under another writer's lock";
  } catch (const DatabaseError& error) {
    EXPECT_TRUE(error.is_busy()) << error.what();
  }
}

// The statistics the server logs at stop (docs/EST.md): every request counted once, one
// transaction per batch, and no batch larger than the cap.
TEST_F(GroupCommitTest, StatisticsCountRequestsTransactionsAndTheLargestBatch) {
  GroupCommitter committer(open(), 4);
  for (int i = 0; i < 3; ++i) {
    committer.run([&](SqliteDatabase& db) { insert(db, i); });
  }
  GroupCommitter::Stats stats = committer.stats();
  EXPECT_EQ(stats.jobs, 3U);
  EXPECT_EQ(stats.transactions, 3U);  // one after the other: nothing to share a commit with
  EXPECT_EQ(stats.largest, 1U);

  std::vector<std::thread> threads;
  for (int i = 100; i < 116; ++i) {
    threads.emplace_back([&, i] {
      try {
        committer.run([&](SqliteDatabase& db) { insert(db, i); });
      } catch (const std::exception& error) {
        ADD_FAILURE() << error.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  stats = committer.stats();
  EXPECT_EQ(stats.jobs, 19U);
  EXPECT_GE(stats.transactions, 3U + 4U);  // 16 requests in batches of at most 4
  EXPECT_LE(stats.transactions, 19U);
  EXPECT_LE(stats.largest, 4U);
  EXPECT_EQ(count(), 19);
}

}  // namespace
}  // namespace certacl::ca::est
