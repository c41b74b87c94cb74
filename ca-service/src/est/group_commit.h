#pragma once
// Group commit: the server's one writer. Requests hand it their work; it runs whatever
// has queued up in one BEGIN IMMEDIATE transaction, each piece in its own savepoint, and
// COMMITs (one sync) before any of them is answered. So a 200 still means "on disk", but
// a crowd of devices costs one fsync per batch instead of one per certificate.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "certacl/sqlite.h"

namespace certacl::ca::est {

class GroupCommitter {
 public:
  using Work = std::function<void(SqliteDatabase&)>;

  GroupCommitter(SqliteDatabase db, std::size_t max_batch);
  // Finishes the queued work, then stops the writer thread.
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Runs `work` inside the next batch's transaction and returns once that transaction is
  // committed. Rethrows what `work` threw (its savepoint rolled back, the others kept), or
  // the DatabaseError that kept the batch from beginning or committing (a busy database:
  // the caller answers 503).
  void run(Work work);

  // How well batching works: transactions committed (or failed), the requests in them,
  // and the largest batch. The server logs these when it stops; the bench prints them.
  struct Stats {
    std::size_t transactions = 0;
    std::size_t jobs = 0;
    std::size_t largest = 0;
  };
  [[nodiscard]] Stats stats();

 private:
  struct Job {
    Work work;
    std::exception_ptr error;
    bool done = false;
  };
  void write_loop();
  void commit_batch(const std::deque<Job*>& batch);

  SqliteDatabase db_;
  std::size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::condition_variable finished_;
  std::deque<Job*> queue_;
  bool stopping_ = false;
  Stats stats_;
  std::thread writer_;
};

}  // namespace certacl::ca::est
