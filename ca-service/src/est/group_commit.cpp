#include "est/group_commit.h"

#include <algorithm>

namespace certacl::ca::est {

GroupCommitter::GroupCommitter(SqliteDatabase db, std::size_t max_batch)
    : db_(std::move(db)), max_batch_(max_batch), writer_([this] { write_loop(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  writer_.join();
}

void GroupCommitter::run(Work work) {
  Job job{std::move(work), nullptr, false};
  std::unique_lock lock(mutex_);
  queue_.push_back(&job);
  queued_.notify_one();
  finished_.wait(lock, [&] { return job.done; });
  if (job.error) std::rethrow_exception(job.error);
}

GroupCommitter::Stats GroupCommitter::stats() {
  const std::lock_guard lock(mutex_);
  return stats_;
}

void GroupCommitter::write_loop() {
  while (true) {
    std::deque<Job*> batch;
    {
      std::unique_lock lock(mutex_);
      queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to do
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
      ++stats_.transactions;
      stats_.jobs += batch.size();
      stats_.largest = std::max(stats_.largest, batch.size());
    }
    commit_batch(batch);
    {
      const std::lock_guard lock(mutex_);
      for (Job* job : batch) job->done = true;
    }
    finished_.notify_all();
  }
}

void GroupCommitter::commit_batch(const std::deque<Job*>& batch) {
  try {
    WriteTransaction transaction(db_);
    for (Job* job : batch) {
      db_.exec("SAVEPOINT est_job");
      try {
        job->work(db_);
        db_.exec("RELEASE est_job");
      } catch (...) {
        job->error = std::current_exception();
        db_.exec("ROLLBACK TO est_job; RELEASE est_job");
      }
    }
    transaction.commit();
  } catch (...) {
    // Nothing of this batch is on disk: every job that thought it succeeded learns why.
    for (Job* job : batch) {
      if (!job->error) job->error = std::current_exception();
    }
  }
}

}  // namespace certacl::ca::est
