#pragma once
// An ordered, reliable byte stream with bounded waits: the TLS session in the firmware, an
// in-memory script in unit tests. The MQTT client reads and writes nothing else.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace certacl::fw {

enum class IoOutcome { ok, timed_out, closed, failed };

struct IoResult {
  IoOutcome outcome = IoOutcome::ok;
  std::string detail;  // why, when not ok
  [[nodiscard]] bool ok() const noexcept { return outcome == IoOutcome::ok; }
};

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Writes all `size` bytes or fails; never waits longer than `timeout` in total.
  virtual IoResult write_all(const std::uint8_t* data, std::size_t size,
                             std::chrono::milliseconds timeout) = 0;
  // Reads exactly `size` bytes or fails; never waits longer than `timeout` in total.
  // A timed_out result with nothing read leaves the stream usable.
  virtual IoResult read_exact(std::uint8_t* data, std::size_t size,
                              std::chrono::milliseconds timeout) = 0;
};

}  // namespace certacl::fw
