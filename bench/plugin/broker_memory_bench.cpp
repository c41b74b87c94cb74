// A real mosquitto with the real plugin, measured from outside as issue 13 did: broker RSS
// with an empty registry and with 100,000 devices, then across 1,000 registry changes
// (revocations, each its own transaction, each adopted by the broker before the next).
// Prints figures. Run: build/bin/certacl_broker_memory_bench [changes]
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>

#include "certacl/registry.h"
#include "certacl/sqlite.h"
#include "certacl_test/broker_fixture.h"
#include "certacl_test/ca_fixture.h"
#include "fleet.h"

namespace {

using namespace std::chrono_literals;
using certacl::test::BrokerFixture;
using certacl::test::BrokerSettings;
using certacl::test::CaFixture;

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

BrokerSettings settings_for(const CaFixture& ca) {
  BrokerSettings settings;
  settings.cafile = ca.ca_cert_path();
  settings.certfile = ca.server_cert_path();
  settings.keyfile = ca.server_key_path();
  settings.db_path = ca.db_path();
  settings.plugin_options = {{"poll_interval_ms", "10"}, {"log_level", "info"}};
  return settings;
}

// The baseline: mosquitto with the same mTLS listener and no plugin at all.
double rss_without_plugin(const CaFixture& ca) {
  BrokerSettings settings;
  settings.raw_config = fmt::format(
      "listener {{port}} 127.0.0.1\ncafile {}\ncertfile {}\nkeyfile {}\n"
      "require_certificate true\n",
      ca.ca_cert_path(), ca.server_cert_path(), ca.server_key_path());
  BrokerFixture broker(settings);
  if (!broker.start(60s)) throw std::runtime_error("mosquitto did not start: " + broker.log());
  std::this_thread::sleep_for(1s);
  return rss_mb(broker.pid());
}

// Started, and the first registry read: the "started:" line comes after it.
std::unique_ptr<BrokerFixture> started(const CaFixture& ca) {
  auto broker = std::make_unique<BrokerFixture>(settings_for(ca));
  if (!broker->start(60s) || !broker->wait_for_log("started: ", 60s)) {
    throw std::runtime_error("the broker did not start: " + broker->log());
  }
  std::this_thread::sleep_for(1s);  // let the first poll settle
  return broker;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    constexpr std::size_t kDevices = 100'000;
    const std::optional<int> parsed =
        argc > 1 ? certacl::bench::count_argument(argv[1], 1) : std::optional<int>(1000);
    if (!parsed) {
      fmt::print(stderr, "certacl_broker_memory_bench: changes must be a positive number\n");
      return 2;
    }
    const int changes = *parsed;

    CaFixture empty_ca("bench CA");
    const double bare_rss = rss_without_plugin(empty_ca);
    fmt::print("broker RSS, no plugin (same mTLS listener): {:.1f} MB\n", bare_rss);
    const auto empty = started(empty_ca);
    const double empty_rss = rss_mb(empty->pid());
    fmt::print("broker RSS, empty registry: {:.1f} MB\n", empty_rss);

    CaFixture ca("bench CA");
    {
      certacl::SqliteDatabase db(ca.db_path(), certacl::SqliteDatabase::Access::ReadWrite);
      db.configure_as_writer(5s);
      certacl::bench::write_fleet_rows(db, kDevices);
    }
    const auto broker = started(ca);
    const double loaded = rss_mb(broker->pid());
    fmt::print(
        "broker RSS, {} devices: {:.1f} MB (plugin's share over the empty registry: {:.1f} "
        "MB, {:.0f} B per device; over mosquitto without the plugin: {:.1f} MB)\n",
        kDevices, loaded, loaded - empty_rss, (loaded - empty_rss) * 1e6 / kDevices,
        loaded - bare_rss);
    fmt::print("  peak while the first read was built (VmHWM): {:.1f} MB\n",
               status_mb(broker->pid(), "VmHWM:"));

    certacl::SqliteDatabase writer(ca.db_path(), certacl::SqliteDatabase::Access::ReadWrite);
    writer.configure_as_writer(5s);
    double peak = loaded;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < changes; ++i) {
      const std::size_t adopted = broker->log_count(" adopted: ");
      {
        certacl::WriteTransaction transaction(writer);
        writer
            .prepare(
                "UPDATE certificates SET revoked_at = ?1, revocation_reason = 1 "
                "WHERE device = ?2")
            .bind(1, certacl::bench::kNow)
            .bind(2, certacl::bench::device_name(static_cast<std::size_t>(i) * 97 % kDevices))
            .run();
        transaction.commit();
      }
      if (!broker->wait_for_log(" adopted: ", 10s, adopted + 1)) {
        throw std::runtime_error(fmt::format("change {} was not adopted", i + 1));
      }
      peak = std::max(peak, rss_mb(broker->pid()));
      if ((i + 1) % (changes / 4 > 0 ? changes / 4 : 1) == 0) {
        fmt::print("  after {:>5} changes: RSS {:.1f} MB\n", i + 1, rss_mb(broker->pid()));
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::size_t incremental = broker->log_count(" changes applied incrementally)");
    const std::size_t full = broker->log_count("(full read)");
    fmt::print(
        "{} changes in {:.0f} s: {} adopted incrementally, {} by a full read; RSS peak "
        "{:.1f} MB, end {:.1f} MB\n",
        changes, seconds, incremental, full, peak, rss_mb(broker->pid()));

    // A whole read while the broker runs (SIGHUP; also a gap in the change log): the read
    // rows and the new snapshot next to the one in force, given back afterwards.
    const std::size_t adopted = broker->log_count(" adopted: ");
    broker->reload();
    if (!broker->wait_for_log(" adopted: ", 60s, adopted + 1)) {
      throw std::runtime_error("the re-read after SIGHUP was not adopted");
    }
    std::this_thread::sleep_for(1s);
    fmt::print("SIGHUP (a whole read): peak (VmHWM) {:.1f} MB, RSS after {:.1f} MB\n",
               status_mb(broker->pid(), "VmHWM:"), rss_mb(broker->pid()));
    return 0;
  } catch (const std::exception& error) {
    fmt::print(stderr, "certacl_broker_memory_bench: {}\n", error.what());
    return 1;
  }
}
