#pragma once
// One epoll loop over the sockets of every simulated device: no thread per device, so a
// single process holds thousands of connections.

#include <chrono>
#include <functional>
#include <vector>

#include "engine/simulated_device.h"

namespace certacl::sim {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // The device must outlive the loop (or be removed before it dies).
  void add(SimulatedDevice& device);

  // Drives every device until `done()` is true or `limit` passes; true when done.
  // `between` runs once per wake-up (to start connects, publish on schedule, show progress)
  // and may return a shorter wait before the next wake-up.
  using Between = std::function<std::chrono::milliseconds()>;
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit,
                 const Between& between = {});
  void run_for(std::chrono::milliseconds duration, const Between& between = {});

 private:
  void sync_registration(SimulatedDevice& device, std::uint32_t index);
  void service(SimulatedDevice& device, std::uint32_t events);
  void abandon(SimulatedDevice& device, int rc);
  void keep_alive_all();

  int epoll_fd_ = -1;
  std::vector<SimulatedDevice*> devices_;
  TimePoint last_keepalive_{};
};

}  // namespace certacl::sim
