#pragma once
// An eventfd that one thread raises to end another thread's poll(2) early (the PostgreSQL
// watcher sleeps in poll on its connection, so a condition variable cannot wake it).

#include <chrono>

namespace certacl::plugin {

class WakeSignal {
 public:
  WakeSignal();  // throws std::system_error when no eventfd can be made
  ~WakeSignal();
  WakeSignal(const WakeSignal&) = delete;
  WakeSignal& operator=(const WakeSignal&) = delete;

  void raise() noexcept;
  // Clears a raised signal (the waiter calls it after waking).
  void clear() noexcept;
  // Sleeps until raised or `timeout` passed; does not clear.
  void wait(std::chrono::milliseconds timeout) const noexcept;
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  int fd_;
};

}  // namespace certacl::plugin
