#include "wake_signal.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace certacl::plugin {

WakeSignal::WakeSignal() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

WakeSignal::~WakeSignal() {
  ::close(fd_);
}

void WakeSignal::raise() noexcept {
  const std::uint64_t one = 1;
  // Only fails when the counter would overflow, i.e. it is raised already.
  [[maybe_unused]] const ssize_t written = ::write(fd_, &one, sizeof one);
}

void WakeSignal::clear() noexcept {
  std::uint64_t value = 0;
  // Non-blocking: EAGAIN when it was not raised.
  [[maybe_unused]] const ssize_t read = ::read(fd_, &value, sizeof value);
}

void WakeSignal::wait(std::chrono::milliseconds timeout) const noexcept {
  pollfd descriptor{fd_, POLLIN, 0};
  ::poll(&descriptor, 1, static_cast<int>(timeout.count()));
}

}  // namespace certacl::plugin
