#pragma once
// The soak's operator: runs certacl-ca commands (revoke, sign a new CSR, disable, enable,
// add a rule) one after another on its own thread, so the event loop that drives the
// fleet never waits for a CA process. Each command's start and return are stamped on the
// steady clock, which the loop uses to judge what the broker had to do by when.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace certacl::soak {

struct OperatorResult {
  std::uint64_t id = 0;
  std::int64_t started_ns = 0;
  std::int64_t returned_ns = 0;
  bool ok = false;
  std::string output;  // stdout on success, the error line otherwise
};

class OperatorThread {
 public:
  OperatorThread();
  ~OperatorThread();  // finishes the command in progress, drops the rest
  OperatorThread(const OperatorThread&) = delete;
  OperatorThread& operator=(const OperatorThread&) = delete;

  // Queues argv (run with a 30 s limit); returns its id.
  std::uint64_t submit(std::vector<std::string> argv);
  // Results finished since the last call.
  std::vector<OperatorResult> take_results();
  [[nodiscard]] std::size_t queued() const;

 private:
  void work();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<std::uint64_t, std::vector<std::string>>> tasks_;
  std::vector<OperatorResult> done_;
  std::uint64_t next_id_ = 1;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace certacl::soak
