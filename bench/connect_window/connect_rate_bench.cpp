// mTLS connects per second through a real mosquitto with the certacl plugin, side by side:
//   quiet      the registry has not moved since the snapshot: the probe runs one PRAGMA
//   moved      the registry moved and the watcher has not caught up (it polls once a
//              minute here): every connect reads its certificate, device and rules
//   reference  optional: another build of the plugin (CERTACL_REFERENCE_PLUGIN=path, e.g.
//              main's build/lib/mosquitto_certacl.so), the connect path before the probe
// Configurations are interleaved round by round on one machine; figures are wall-clock
// broker CPU per connect (from /proc) and connects/s of 4 parallel clients.
// Run: build/bin/certacl_connect_rate_bench [rounds] [connects per round]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "certacl_test/broker_fixture.h"
#include "certacl_test/ca_fixture.h"
#include "certacl_test/mqtt_client.h"
#include "certacl_test/paths.h"

namespace {

using certacl::test::BrokerFixture;
using certacl::test::BrokerSettings;
using certacl::test::CaFixture;
using certacl::test::IssuedCertificate;
using certacl::test::MqttClientSettings;
using certacl::test::MqttTestClient;
using Clock = std::chrono::steady_clock;

struct Configuration {
  std::string name;
  std::unique_ptr<BrokerFixture> broker;
  std::vector<double> rates;            // connects/s of kClients parallel clients
  std::vector<double> cpu_per_connect;  // broker CPU microseconds per connect
};

// The broker's user+system CPU seconds, found through /proc by its configuration path.
double broker_cpu_seconds(const BrokerFixture& broker) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream cmdline(entry.path() / "cmdline");
    std::string arguments((std::istreambuf_iterator<char>(cmdline)), {});
    if (arguments.find(broker.config_path()) == std::string::npos ||
        arguments.find("mosquitto") == std::string::npos) {
      continue;
    }
    std::ifstream stat(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int index = 3; fields >> field && index <= 15; ++index) {
      if (index == 14 || index == 15) ticks += std::stod(field);  // utime, stime
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  std::fprintf(stderr, "broker process not found\n");
  std::exit(1);
}

BrokerSettings settings_for(const CaFixture& ca, const std::string& plugin, int poll_ms) {
  BrokerSettings settings;
  settings.cafile = ca.ca_cert_path();
  settings.certfile = ca.server_cert_path();
  settings.keyfile = ca.server_key_path();
  settings.db_path = ca.db_path();
  settings.plugin_path = plugin;
  settings.plugin_options = {{"log_level", "warn"},
                             {"client_id", "prefix"},
                             {"poll_interval_ms", std::to_string(poll_ms)}};
  return settings;
}

// `count` connects from kClients threads at once (each connect: TLS handshake, CONNECT,
// CONNACK, DISCONNECT); returns connects/s.
constexpr int kClients = 4;

double connects_per_second(const BrokerFixture& broker, const CaFixture& ca,
                           const IssuedCertificate& certificate, int count) {
  std::atomic<bool> refused{false};
  const auto start = Clock::now();
  std::vector<std::thread> clients;
  for (int thread = 0; thread < kClients; ++thread) {
    clients.emplace_back([&, thread] {
      MqttClientSettings settings;
      settings.port = broker.port();
      settings.client_id = "bench-" + std::to_string(thread);
      settings.cafile = ca.ca_cert_path();
      settings.certfile = certificate.cert_path;
      settings.keyfile = certificate.key_path;
      for (int i = thread; i < count; i += kClients) {
        MqttTestClient client(settings);
        if (!client.connect().connected) refused = true;
      }
    });
  }
  for (std::thread& client : clients) client.join();
  if (refused) {
    std::fprintf(stderr, "connect refused\n%s\n", broker.log().c_str());
    std::exit(1);
  }
  return count / std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 7;
  const int per_round = argc > 2 ? std::max(1, std::atoi(argv[2])) : 200;
  CaFixture ca("connect rate bench CA");
  ca.add_role("sensor");
  ca.allow("sensor", "publish", "fleet/%u/#");
  // prefix: the bench clients are bench-0 .. bench-3.
  ca.add_device("bench", "sensor");
  const IssuedCertificate certificate = ca.enroll("bench");
  const std::string plugin = certacl::test::plugin_library();

  std::vector<Configuration> configurations;
  configurations.push_back(
      {"quiet", std::make_unique<BrokerFixture>(settings_for(ca, plugin, 50)), {}, {}});
  configurations.push_back(
      {"moved", std::make_unique<BrokerFixture>(settings_for(ca, plugin, 60'000)), {}, {}});
  if (const char* reference = std::getenv("CERTACL_REFERENCE_PLUGIN")) {
    configurations.push_back(
        {"reference", std::make_unique<BrokerFixture>(settings_for(ca, reference, 50)), {}, {}});
  }
  for (Configuration& configuration : configurations) {
    if (!configuration.broker->start()) {
      std::fprintf(stderr, "%s broker did not start\n%s\n", configuration.name.c_str(),
                   configuration.broker->log().c_str());
      return 1;
    }
  }
  // Move the registry after every broker read it: "moved" (one poll a minute) keeps
  // deciding each connect on a fresh read; "quiet" and "reference" adopt it at once.
  ca.allow("sensor", "subscribe", "cmd/%u/#");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  for (int round = 0; round < rounds; ++round) {
    for (Configuration& configuration : configurations) {
      const double cpu_before = broker_cpu_seconds(*configuration.broker);
      configuration.rates.push_back(
          connects_per_second(*configuration.broker, ca, certificate, per_round));
      configuration.cpu_per_connect.push_back(
          (broker_cpu_seconds(*configuration.broker) - cpu_before) * 1e6 / per_round);
    }
  }
  std::printf(
      "%d rounds x %d connects; broker CPU per connect in microseconds (the capacity\n"
      "figure: connects/s one core sustains = 1e6 / it), and one client's connects/s\n",
      rounds, per_round);
  std::printf("%-10s %10s %10s %10s %14s\n", "config", "cpu median", "cpu min", "cpu max",
              "client conn/s");
  for (const Configuration& configuration : configurations) {
    const auto [low, high] = std::minmax_element(configuration.cpu_per_connect.begin(),
                                                 configuration.cpu_per_connect.end());
    std::printf("%-10s %10.0f %10.0f %10.0f %14.1f\n", configuration.name.c_str(),
                median(configuration.cpu_per_connect), *low, *high, median(configuration.rates));
  }
  // Rounds are interleaved, so round-by-round ratios cancel the machine's load swings.
  auto ratios = [&](std::size_t over, std::size_t under) {
    std::vector<double> out;
    for (std::size_t r = 0; r < configurations[over].cpu_per_connect.size(); ++r) {
      out.push_back(configurations[over].cpu_per_connect[r] /
                    configurations[under].cpu_per_connect[r]);
    }
    const auto [low, high] = std::minmax_element(out.begin(), out.end());
    std::printf("broker CPU per connect, %s / %s = %.3f (min %.3f, max %.3f)\n",
                configurations[over].name.c_str(), configurations[under].name.c_str(), median(out),
                *low, *high);
  };
  ratios(1, 0);
  if (configurations.size() > 2) ratios(0, 2);
  return 0;
}
