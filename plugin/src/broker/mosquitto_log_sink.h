#pragma once
// An spdlog sink that writes into mosquitto's own log, so operators read certacl where they
// read the broker. mosquitto_log_printf may only be called on the broker's thread: lines
// logged elsewhere are queued (bounded) and written by drain() on the next TICK.

#include <spdlog/sinks/base_sink.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace certacl::plugin {

class MosquittoLogSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // Must be constructed on the broker's thread.
  MosquittoLogSink();
  // Broker thread only: writes the lines queued by other threads.
  void drain();

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override;
  void flush_() override {}

 private:
  static constexpr std::size_t kMaxQueuedLines = 1000;
  std::thread::id broker_thread_;
  std::vector<std::pair<int, std::string>> queued_;
  std::uint64_t dropped_ = 0;
};

}  // namespace certacl::plugin
