#include "engine/event_loop.h"

#include <fmt/format.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace certacl::sim {
namespace {
constexpr auto kKeepalivePeriod = std::chrono::milliseconds(500);
constexpr auto kMaxWait = std::chrono::milliseconds(50);
constexpr int kEventsPerWait = 256;
}  // namespace

EventLoop::EventLoop() : epoll_fd_(epoll_create1(EPOLL_CLOEXEC)) {
  if (epoll_fd_ < 0) {
    throw std::runtime_error(fmt::format("cannot create epoll instance: {}", std::strerror(errno)));
  }
}

EventLoop::~EventLoop() {
  close(epoll_fd_);
}

void EventLoop::add(SimulatedDevice& device) {
  devices_.push_back(&device);
}

// Keeps epoll in step with libmosquitto: a socket appears after connect, disappears when
// libmosquitto closes it, and wants EPOLLOUT only while output is queued.
void EventLoop::sync_registration(SimulatedDevice& device, std::uint32_t index) {
  const int socket = mosquitto_socket(device.handle());
  if (socket < 0 || device.abandoned) {
    device.registered_socket = -1;
    return;
  }
  std::uint32_t wanted = EPOLLIN | EPOLLRDHUP;
  if (mosquitto_want_write(device.handle())) wanted |= EPOLLOUT;
  if (socket == device.registered_socket && wanted == device.registered_events) return;

  epoll_event event{};
  event.events = wanted;
  event.data.u32 = index;
  const int op = socket == device.registered_socket ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(epoll_fd_, op, socket, &event) != 0) {
    // The descriptor number was reused, or closed and reopened, since we last saw it.
    epoll_ctl(epoll_fd_, errno == EEXIST ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, socket, &event);
  }
  device.registered_socket = socket;
  device.registered_events = wanted;
}

// Reading first also advances a TLS handshake in progress (libmosquitto continues it from
// loop_read); then any queued output is flushed. During the handshake libmosquitto reports
// some failures only through the return code (no disconnect callback), and a refused or
// reset TCP connect not at all, so those are detected here.
void EventLoop::service(SimulatedDevice& device, std::uint32_t events) {
  mosquitto* client = device.handle();
  if (mosquitto_socket(client) < 0 || device.abandoned) return;
  const bool connecting = device.state() == SessionState::kConnecting;
  const int rc = mosquitto_loop_read(client, 1);
  if (rc != MOSQ_ERR_SUCCESS) {
    if (connecting && device.state() == SessionState::kConnecting) abandon(device, rc);
    return;
  }
  if (connecting && device.state() == SessionState::kConnecting &&
      (events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) != 0) {
    abandon(device, MOSQ_ERR_CONN_LOST);
    return;
  }
  if (mosquitto_socket(client) >= 0 && mosquitto_want_write(client)) {
    mosquitto_loop_write(client, 1);
  }
}

// Stops watching a connection that failed before CONNACK; libmosquitto keeps the socket
// until the device is destroyed, so it must leave epoll now or it would fire forever.
void EventLoop::abandon(SimulatedDevice& device, int rc) {
  const int socket = mosquitto_socket(device.handle());
  int socket_error = 0;
  if (socket >= 0) {
    socklen_t length = sizeof(socket_error);
    getsockopt(socket, SOL_SOCKET, SO_ERROR, &socket_error, &length);
    if (device.registered_socket == socket) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, socket, nullptr);
  }
  device.registered_socket = -1;
  device.registered_events = 0;
  device.abandoned = true;
  device.handshake_failed(rc, socket_error);
}

void EventLoop::keep_alive_all() {
  const auto now = SteadyClock::now();
  if (now - last_keepalive_ < kKeepalivePeriod) return;
  last_keepalive_ = now;
  for (auto* device : devices_) {
    if (!device->abandoned && mosquitto_socket(device->handle()) >= 0) {
      mosquitto_loop_misc(device->handle());
    }
  }
}

bool EventLoop::run_until(const std::function<bool()>& done, std::chrono::milliseconds limit,
                          const Between& between) {
  const auto deadline = SteadyClock::now() + limit;
  std::array<epoll_event, kEventsPerWait> events{};
  while (true) {
    if (done()) return true;
    const auto now = SteadyClock::now();
    if (now >= deadline) return false;

    auto wait = kMaxWait;
    if (between) wait = std::min(wait, between());
    wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(deadline - now));
    for (std::uint32_t i = 0; i < devices_.size(); ++i) sync_registration(*devices_[i], i);

    const int ready =
        epoll_wait(epoll_fd_, events.data(), kEventsPerWait, static_cast<int>(wait.count()));
    if (ready < 0 && errno != EINTR) {
      throw std::runtime_error(fmt::format("epoll_wait failed: {}", std::strerror(errno)));
    }
    for (int i = 0; i < ready; ++i) {
      const auto index = events[static_cast<std::size_t>(i)].data.u32;
      if (index < devices_.size())
        service(*devices_[index], events[static_cast<std::size_t>(i)].events);
    }
    keep_alive_all();
  }
}

void EventLoop::run_for(std::chrono::milliseconds duration, const Between& between) {
  run_until([] { return false; }, duration, between);
}

}  // namespace certacl::sim
