#include "haproxy_fixture.h"

#include <fmt/format.h>

#include <chrono>
#include <stdexcept>

namespace certacl::test {
namespace {

const std::string kHaproxy = "/usr/sbin/haproxy";

}  // namespace

std::string haproxy_config(int port, const std::vector<int>& backend_ports) {
  // mode tcp: TLS passes through, so each broker sees the device's own client certificate.
  // One thread, so round-robin strictly alternates (with several, two connections
  // arriving together may go to the same server). logasap: one line per connection as it
  // is forwarded, naming the broker it went to.
  // A connection refused by a broker is retried on another at once (redispatch), before the
  // health check (every second, down after two failures) takes the broker out.
  // Long client/server timeouts: an idle MQTT session is kept alive by the protocol itself.
  std::string config = fmt::format(
      "global\n"
      "  log stderr format raw local0 info\n"
      "  nbthread 1\n"
      "defaults\n"
      "  mode tcp\n"
      "  log global\n"
      "  option tcplog\n"
      "  option logasap\n"
      "  timeout connect 2s\n"
      "  retries 2\n"
      "  option redispatch 1\n"
      "  timeout client 1h\n"
      "  timeout server 1h\n"
      "frontend mqtts\n"
      "  bind 127.0.0.1:{}\n"
      "  default_backend brokers\n"
      "backend brokers\n"
      "  balance roundrobin\n",
      port);
  for (std::size_t i = 0; i < backend_ports.size(); ++i) {
    config +=
        fmt::format("  server broker{} 127.0.0.1:{} check inter 2s\n", i + 1, backend_ports[i]);
  }
  return config;
}

HaproxyFixture::HaproxyFixture(const std::vector<int>& backend_ports) {
  if (!file_exists(kHaproxy)) {
    throw std::runtime_error(kHaproxy + " is missing: run scripts/install-deps.sh (haproxy)");
  }
  // A port taken between choosing and binding costs one more try.
  for (int attempt = 1;; ++attempt) {
    port_ = free_loopback_port();
    config_ = haproxy_config(port_, backend_ports);
    const std::string path = directory_.file("haproxy.cfg");
    write_file(path, config_, 0600);
    // -db: stay in the foreground, so the ScopedProcess owns the only haproxy process.
    process_ = std::make_unique<ScopedProcess>(
        std::vector<std::string>{kHaproxy, "-db", "-f", path}, directory_.file("haproxy.log"));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (process_->running() && std::chrono::steady_clock::now() < deadline) {
      if (wait_for_port(port_, 100)) return;
    }
    const std::string output = log();
    process_.reset();
    if (attempt == 3) throw std::runtime_error("haproxy did not listen:\n" + output);
  }
}

std::string HaproxyFixture::log() const {
  const std::string path = directory_.file("haproxy.log");
  return file_exists(path) ? read_file(path) : std::string();
}

}  // namespace certacl::test
