// Through a real mosquitto with the real plugin, measured from the client's side, on a
// SQLite registry (plugin_opt_db_path, default 50 ms poll) and on a PostgreSQL one
// (plugin_opt_db_url, LISTEN/NOTIFY) of 1,000 / 10,000 / 100,000 devices, side by side:
//  - revocation committed → the device's live session dropped;
//  - certificate issued (committed) → the first connect with it accepted (a fresh TLS
//    connect every 3 ms until the CONNACK says yes; the figure includes that last connect).
// Issue 13's goal for both: ≤ 250 ms p99 at 100,000 devices. Every write goes through
// certacl-ca's own use cases in-process (live_registry.h), so the commit moment is known and
// PostgreSQL's NOTIFY fires as in production; the commits are spread over the phases of the
// broker's TICK and of the SQLite poll, as changes arrive in real life. Starts its own
// PostgreSQL 15 in a temp directory (tests/support/postgres_fixture). The bench stops if any
// change was read whole instead of from the change log.
// The last column is an admitted device's connect alone: about 44 ms with mosquitto's
// default listener, about 3 ms with `tcp_nodelay` (set_tcp_nodelay true).
// Figures and what they mean: docs/SCALING.md "Measured".
// Run: build/bin/certacl_revoke_drop_bench [changes per size, default 20]
//        [sqlite|postgres|both] [tcp_nodelay]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "certacl_test/broker_fixture.h"
#include "certacl_test/mqtt_client.h"
#include "certacl_test/postgres_fixture.h"
#include "fleet.h"
#include "live_registry.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using certacl::bench::LiveRegistry;
using certacl::test::BrokerFixture;
using certacl::test::MqttClientSettings;
using certacl::test::MqttTestClient;

constexpr auto kRetryInterval = 3ms;
constexpr auto kAcceptLimit = 5s;
constexpr int kMaxAttempts = 1000;

double milliseconds(Clock::duration elapsed) {
  return std::chrono::duration<double, std::milli>(elapsed).count();
}

double percentile(std::vector<double> samples, double fraction) {
  std::sort(samples.begin(), samples.end());
  return samples[static_cast<std::size_t>(fraction * static_cast<double>(samples.size() - 1))];
}

std::string summary(const std::vector<double>& samples) {
  return fmt::format("{:.1f} / {:.1f} / {:.1f} ms", percentile(samples, 0.5),
                     percentile(samples, 0.99), *std::max_element(samples.begin(), samples.end()));
}

// Spreads the commits over 0–99 ms after the previous change took effect. That moment was a
// broker TICK (mosquitto 2.0.11 wakes an idle broker every 100 ms) and often a poll, so a
// fixed wait would always hit the same phase of both; 0–99 ms covers each phase of the TICK
// and two of the 50 ms poll.
void wait_before_change(int index) {
  std::this_thread::sleep_for(std::chrono::milliseconds(index * 37 % 100));
}

MqttClientSettings client_for(const BrokerFixture& broker, const std::string& device,
                              const certacl::test::IssuedCertificate& files,
                              const std::string& cafile) {
  MqttClientSettings client;
  client.port = broker.port();
  client.client_id = device;
  client.cafile = cafile;
  client.certfile = files.cert_path;
  client.keyfile = files.key_path;
  return client;
}

struct Figures {
  std::vector<double> drops;
  std::vector<double> accepts;
  std::vector<double> connects;  // an admitted device's connect alone, for comparison
  int refused_attempts = 0;      // connects refused before the accepted ones, all together
};

// Connects with the new certificate until the broker accepts it (bounded in count and time);
// the time from its commit to the accepting CONNACK, in ms.
double first_accept(const MqttClientSettings& client, Clock::time_point committed,
                    int& refused_attempts) {
  for (int attempt = 0; attempt < kMaxAttempts && Clock::now() < committed + kAcceptLimit;
       ++attempt) {
    MqttTestClient mqtt(client);
    if (mqtt.connect(2s).connected) return milliseconds(Clock::now() - committed);
    ++refused_attempts;
    std::this_thread::sleep_for(kRetryInterval);
  }
  throw std::runtime_error(
      fmt::format("'{}' was not accepted within {} s of its issuance", client.client_id,
                  std::chrono::duration_cast<std::chrono::seconds>(kAcceptLimit).count()));
}

// `tcp_nodelay`: the listener sets TCP_NODELAY (mosquitto's default is off, and then each
// connect took about 44 ms here, likely Nagle meeting a delayed ACK on loopback).
Figures measure(LiveRegistry& registry, int count, bool tcp_nodelay) {
  std::vector<certacl::test::IssuedCertificate> probes;
  for (int i = 0; i < count; ++i) {
    registry.add_device(fmt::format("probe-{}", i));
    probes.push_back(registry.issue(fmt::format("probe-{}", i)).files);
    registry.add_device(fmt::format("fresh-{}", i));  // registered, its certificate comes later
  }
  certacl::test::BrokerSettings settings = registry.broker_settings();
  if (tcp_nodelay) settings.extra_config = "set_tcp_nodelay true";
  BrokerFixture broker(settings);
  if (!broker.start(60s)) throw std::runtime_error("the broker did not start: " + broker.log());

  Figures figures;
  std::vector<std::unique_ptr<MqttTestClient>> sessions;
  for (int i = 0; i < count; ++i) {
    sessions.push_back(std::make_unique<MqttTestClient>(client_for(
        broker, fmt::format("probe-{}", i), probes[static_cast<std::size_t>(i)], settings.cafile)));
    const auto start = Clock::now();
    if (!sessions.back()->connect().connected) throw std::runtime_error("a probe was refused");
    figures.connects.push_back(milliseconds(Clock::now() - start));
  }

  for (int i = 0; i < count; ++i) {
    wait_before_change(i);
    registry.revoke_device(fmt::format("probe-{}", i));
    const auto committed = Clock::now();
    MqttTestClient& session = *sessions[static_cast<std::size_t>(i)];
    if (!session.wait_for_disconnect(10s)) throw std::runtime_error("a revoked probe stayed");
    figures.drops.push_back(milliseconds(*session.disconnected_at() - committed));
  }
  for (int i = 0; i < count; ++i) {
    wait_before_change(i);
    const std::string device = fmt::format("fresh-{}", i);
    const LiveRegistry::NewCertificate issued = registry.issue(device);
    figures.accepts.push_back(
        first_accept(client_for(broker, device, issued.files, settings.cafile), issued.committed_at,
                     figures.refused_attempts));
  }
  if (broker.log_count("(full read)") != 0) {
    throw std::runtime_error("a change was read whole, not from the change log");
  }
  return figures;
}

void print(std::size_t devices, const LiveRegistry& registry, const Figures& figures) {
  fmt::print("{:>8}  {:<10}  {:>28}  {:>28}  {:>8}  {:>8.1f} ms\n", devices, registry.store_name(),
             summary(figures.drops), summary(figures.accepts), figures.refused_attempts,
             percentile(figures.connects, 0.5));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<int> parsed =
      argc > 1 ? certacl::bench::count_argument(argv[1], 2) : std::optional<int>(20);
  const std::string_view stores = argc > 2 ? argv[2] : "both";
  const std::string_view listener = argc > 3 ? argv[3] : "";
  if (!parsed || (stores != "both" && stores != "sqlite" && stores != "postgres") ||
      (!listener.empty() && listener != "tcp_nodelay") || argc > 4) {
    fmt::print(stderr,
               "usage: certacl_revoke_drop_bench [changes per size, from 2] "
               "[sqlite|postgres|both] [tcp_nodelay]\n");
    return 2;
  }
  const bool tcp_nodelay = listener == "tcp_nodelay";
  const int count = *parsed;
  try {
    std::optional<certacl::test::PostgresServer> server;
    if (stores != "sqlite") server.emplace();
    fmt::print(
        "{} changes per size; p50 / p99 / max; SQLite polled every 50 ms, PostgreSQL pushed; "
        "listener TCP_NODELAY {}\n",
        count, tcp_nodelay ? "on" : "off (mosquitto's default)");
    fmt::print("{:>8}  {:<10}  {:>28}  {:>28}  {:>8}  {:>11}\n", "devices", "store",
               "revoked -> session dropped", "issued -> connect accepted", "refused",
               "connect p50");
    for (const std::size_t devices : {std::size_t{1000}, std::size_t{10000}, std::size_t{100000}}) {
      if (stores != "postgres") {
        const auto registry = certacl::bench::sqlite_registry(devices);
        print(devices, *registry, measure(*registry, count, tcp_nodelay));
      }
      if (server) {
        const auto registry = certacl::bench::postgres_registry(*server, devices);
        print(devices, *registry, measure(*registry, count, tcp_nodelay));
      }
    }
    return 0;
  } catch (const std::exception& error) {
    fmt::print(stderr, "certacl_revoke_drop_bench: {}\n", error.what());
    return 1;
  }
}
