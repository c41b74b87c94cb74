#include "operator_thread.h"

#include <chrono>

#include "engine/clock.h"
#include "provision/subprocess.h"

namespace certacl::soak {
namespace {
constexpr auto kCommandLimit = std::chrono::seconds(30);
}

OperatorThread::OperatorThread() : thread_([this] { work(); }) {}

OperatorThread::~OperatorThread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    tasks_.clear();
  }
  wake_.notify_all();
  thread_.join();
}

std::uint64_t OperatorThread::submit(std::vector<std::string> argv) {
  std::lock_guard lock(mutex_);
  const auto id = next_id_++;
  tasks_.emplace_back(id, std::move(argv));
  wake_.notify_all();
  return id;
}

std::vector<OperatorResult> OperatorThread::take_results() {
  std::lock_guard lock(mutex_);
  std::vector<OperatorResult> results;
  results.swap(done_);
  return results;
}

std::size_t OperatorThread::queued() const {
  std::lock_guard lock(mutex_);
  return tasks_.size() + (busy_ ? 1 : 0);
}

void OperatorThread::work() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
    if (stopping_) return;
    auto [id, argv] = std::move(tasks_.front());
    tasks_.pop_front();
    busy_ = true;
    lock.unlock();
    OperatorResult result;
    result.id = id;
    result.started_ns = sim::steady_now_ns();
    try {
      const auto run = sim::run_subprocess(
          argv, std::chrono::duration_cast<std::chrono::milliseconds>(kCommandLimit));
      result.ok = run.exit_code == 0;
      result.output = result.ok ? run.out : (run.err.empty() ? run.out : run.err);
    } catch (const std::exception& error) {
      result.output = error.what();
    }
    result.returned_ns = sim::steady_now_ns();
    lock.lock();
    busy_ = false;
    done_.push_back(std::move(result));
  }
}

}  // namespace certacl::soak
