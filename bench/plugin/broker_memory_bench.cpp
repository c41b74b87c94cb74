// A real mosquitto with the real plugin, measured from outside as issue 13 did: broker RSS
// without the plugin, with an empty registry and with 100,000 devices, then across registry
// changes (revocations through the CA's own revoke_device, each its own transaction, each
// adopted by the broker before the next), and the peak of a whole re-read (SIGHUP). On a
// SQLite registry, a PostgreSQL one (the plugin then loads certacl_registry_postgres.so and
// libpq), or both. Prints figures.
// Run: build/bin/certacl_broker_memory_bench [changes] [sqlite|postgres|both]
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "certacl_test/broker_fixture.h"
#include "certacl_test/postgres_fixture.h"
#include "fleet.h"
#include "live_registry.h"

namespace {

using namespace std::chrono_literals;
using certacl::bench::LiveRegistry;
using certacl::test::BrokerFixture;
using certacl::test::BrokerSettings;

constexpr std::size_t kDevices = 100'000;

// A "Vm...:" line of /proc/PID/status, in MB: VmRSS now, VmHWM the peak so far.
double status_mb(pid_t pid, const std::string& field) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(field.size())) / 1e3;
  }
  throw std::runtime_error("no " + field + " for the broker");
}

double rss_mb(pid_t pid) {
  return status_mb(pid, "VmRSS:");
}

BrokerSettings settings_for(const LiveRegistry& registry) {
  BrokerSettings settings = registry.broker_settings();
  settings.plugin_options["poll_interval_ms"] = "10";
  settings.plugin_options["log_level"] = "info";
  return settings;
}

// The baseline: mosquitto with the same mTLS listener and no plugin at all.
double rss_without_plugin(const LiveRegistry& registry) {
  const BrokerSettings tls = registry.broker_settings();
  BrokerSettings settings;
  settings.raw_config = fmt::format(
      "listener {{port}} 127.0.0.1\ncafile {}\ncertfile {}\nkeyfile {}\n"
      "require_certificate true\n",
      tls.cafile, tls.certfile, tls.keyfile);
  BrokerFixture broker(settings);
  if (!broker.start(60s)) throw std::runtime_error("mosquitto did not start: " + broker.log());
  std::this_thread::sleep_for(1s);
  return rss_mb(broker.pid());
}

// Started, and the first registry read: the "started:" line comes after it.
std::unique_ptr<BrokerFixture> started(const LiveRegistry& registry) {
  auto broker = std::make_unique<BrokerFixture>(settings_for(registry));
  if (!broker->start(60s) || !broker->wait_for_log("started: ", 60s)) {
    throw std::runtime_error("the broker did not start: " + broker->log());
  }
  std::this_thread::sleep_for(1s);  // let the first poll settle
  return broker;
}

void measure(const std::function<std::unique_ptr<LiveRegistry>(std::size_t)>& make_registry,
             int changes) {
  double bare_rss = 0;
  double empty_rss = 0;
  {
    const auto empty = make_registry(0);
    bare_rss = rss_without_plugin(*empty);
    fmt::print("{} registry\n  broker RSS, no plugin (same mTLS listener): {:.1f} MB\n",
               empty->store_name(), bare_rss);
    empty_rss = rss_mb(started(*empty)->pid());
  }
  fmt::print("  broker RSS, empty registry: {:.1f} MB\n", empty_rss);

  const auto registry = make_registry(kDevices);
  const auto broker = started(*registry);
  const double loaded = rss_mb(broker->pid());
  fmt::print(
      "  broker RSS, {} devices: {:.1f} MB (plugin's share over the empty registry: {:.1f} "
      "MB, {:.0f} B per device; over mosquitto without the plugin: {:.1f} MB)\n",
      kDevices, loaded, loaded - empty_rss, (loaded - empty_rss) * 1e6 / kDevices,
      loaded - bare_rss);
  fmt::print("  peak while the first read was built (VmHWM): {:.1f} MB\n",
             status_mb(broker->pid(), "VmHWM:"));

  double peak = loaded;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < changes; ++i) {
    const std::size_t adopted = broker->log_count(" adopted: ");
    registry->revoke_device(
        certacl::bench::device_name(static_cast<std::size_t>(i) * 97 % kDevices));
    if (!broker->wait_for_log(" adopted: ", 10s, adopted + 1)) {
      throw std::runtime_error(fmt::format("change {} was not adopted", i + 1));
    }
    peak = std::max(peak, rss_mb(broker->pid()));
    if ((i + 1) % (changes / 4 > 0 ? changes / 4 : 1) == 0) {
      fmt::print("    after {:>5} changes: RSS {:.1f} MB\n", i + 1, rss_mb(broker->pid()));
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print(
      "  {} changes in {:.0f} s: {} adopted incrementally, {} by a full read; RSS peak "
      "{:.1f} MB, end {:.1f} MB\n",
      changes, seconds, broker->log_count(" changes applied incrementally)"),
      broker->log_count("(full read)"), peak, rss_mb(broker->pid()));

  // A whole read while the broker runs (SIGHUP; also a gap in the change log, a PostgreSQL
  // reconnect): the read rows and the new snapshot next to the one in force.
  const std::size_t adopted = broker->log_count(" adopted: ");
  broker->reload();
  if (!broker->wait_for_log(" adopted: ", 60s, adopted + 1)) {
    throw std::runtime_error("the re-read after SIGHUP was not adopted");
  }
  std::this_thread::sleep_for(1s);
  fmt::print("  SIGHUP (a whole read): peak (VmHWM) {:.1f} MB, RSS after {:.1f} MB\n",
             status_mb(broker->pid(), "VmHWM:"), rss_mb(broker->pid()));
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<int> parsed =
      argc > 1 ? certacl::bench::count_argument(argv[1], 1) : std::optional<int>(1000);
  const std::string_view stores = argc > 2 ? argv[2] : "sqlite";
  if (!parsed || (stores != "both" && stores != "sqlite" && stores != "postgres") || argc > 3) {
    fmt::print(stderr,
               "usage: certacl_broker_memory_bench [changes, from 1] [sqlite|postgres|both]\n");
    return 2;
  }
  try {
    if (stores != "postgres") measure(certacl::bench::sqlite_registry, *parsed);
    if (stores != "sqlite") {
      certacl::test::PostgresServer server;
      measure(
          [&server](std::size_t devices) {
            return certacl::bench::postgres_registry(server, devices);
          },
          *parsed);
    }
    return 0;
  } catch (const std::exception& error) {
    fmt::print(stderr, "certacl_broker_memory_bench: {}\n", error.what());
    return 1;
  }
}
