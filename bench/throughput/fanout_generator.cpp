// certacl_fanout_bench: the load generator behind bench/throughput/run.sh. One process, one
// thread, libmosquitto clients over mTLS driven by certacl-sim's epoll loop, and the broker's
// CPU read from /proc around the measured phase only (connects and subscribes excluded).
//
//   deliver: 1 publisher -> N subscribers of one filter, M messages, a bounded window in
//            flight; prints deliveries, wall seconds and broker CPU.
//   connect: K mTLS connect + CONNACK + DISCONNECT, a few under way at once; prints broker
//            CPU.
//   idle:    broker CPU over a quiet interval (what polling and timers cost per second).
//
// Output is one line of key=value pairs for the script to parse. Exit codes: 0 measured,
// 1 the broker did not behave (refused, lost messages, timed out), 2 bad usage.

#include <dirent.h>
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/event_loop.h"
#include "engine/simulated_device.h"

namespace {

using certacl::sim::BrokerEndpoint;
using certacl::sim::DeviceCredentials;
using certacl::sim::EventLoop;
using certacl::sim::SessionState;
using certacl::sim::SimulatedDevice;
using Clock = std::chrono::steady_clock;

constexpr int kExitMisbehaved = 1;
constexpr int kExitUsage = 2;

struct Settings {
  BrokerEndpoint broker;
  std::string cert_dir;  // <name>.crt and <name>.key for every device below
  std::string publisher = "bench-pub";
  std::string subscriber_prefix = "bench-sub-";
  int subscribers = 50;
  int messages = 4000;
  int window = 100;  // messages in flight at most (each one is `subscribers` deliveries)
  int payload_bytes = 64;
  int connects = 200;
  int in_flight = 10;  // connects under way at once
  double idle_seconds = 2.0;
  std::string topic = "bench/fanout/bench-pub";
  std::string filter = "bench/fanout/#";
  int broker_pid = 0;
};

// ---- broker CPU, read from /proc --------------------------------------------------------

struct BrokerCpu {
  std::uint64_t nanoseconds = 0;  // sum of every thread's schedstat run time (precise)
  std::uint64_t ticks = 0;        // utime + stime of /proc/PID/stat (clock ticks, coarse)
};

std::uint64_t schedstat_ns(const std::string& path) {
  std::ifstream file(path);
  std::uint64_t run_ns = 0;
  file >> run_ns;
  return run_ns;
}

BrokerCpu read_broker_cpu(int pid) {
  BrokerCpu cpu;
  const std::string task_dir = fmt::format("/proc/{}/task", pid);
  // Threads (mosquitto's main loop and certacl's registry watcher) all count.
  const std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir(task_dir.c_str()), &closedir);
  if (!dir)
    throw std::runtime_error(fmt::format("cannot read {}: is the broker running?", task_dir));
  while (const dirent* entry = readdir(dir.get())) {
    if (entry->d_name[0] == '.') continue;
    cpu.nanoseconds += schedstat_ns(fmt::format("{}/{}/schedstat", task_dir, entry->d_name));
  }
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  std::getline(stat, line);
  // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::string field;
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14 || index == 15) cpu.ticks += std::stoull(field);
  }
  return cpu;
}

// ---- devices ---------------------------------------------------------------------------

std::unique_ptr<SimulatedDevice> make_device(const Settings& settings, const std::string& name) {
  DeviceCredentials credentials{name, name, fmt::format("{}/{}.crt", settings.cert_dir, name),
                                fmt::format("{}/{}.key", settings.cert_dir, name)};
  auto device = std::make_unique<SimulatedDevice>(std::move(credentials), settings.broker, 60);
  device->keep_messages = false;
  // Without it Nagle holds the client's second TLS flight for the broker's delayed ACK
  // (40 ms a connect); it changes nothing the broker does, for any configuration.
  mosquitto_int_option(device->handle(), MOSQ_OPT_TCP_NODELAY, 1);
  return device;
}

std::string subscriber_name(const Settings& settings, int index) {
  return fmt::format("{}{:02}", settings.subscriber_prefix, index);
}

[[noreturn]] void misbehaved(const std::string& what) {
  std::cerr << "certacl_fanout_bench: " << what << "\n";
  std::exit(kExitMisbehaved);
}

bool connect_all(EventLoop& loop, const std::vector<SimulatedDevice*>& devices) {
  for (SimulatedDevice* device : devices) device->start_connect();
  return loop.run_until(
      [&] {
        for (const SimulatedDevice* device : devices) {
          if (!device->settled()) return false;
        }
        return true;
      },
      std::chrono::seconds(30));
}

void require_connected(const std::vector<SimulatedDevice*>& devices) {
  for (const SimulatedDevice* device : devices) {
    if (device->state() != SessionState::kConnected) {
      misbehaved(
          fmt::format("device '{}' not connected: {}", device->name(), device->describe_outcome()));
    }
  }
}

void print_cpu(const BrokerCpu& before, const BrokerCpu& after) {
  fmt::print("broker_cpu_ns={} broker_ticks={} ticks_per_second={}",
             after.nanoseconds - before.nanoseconds, after.ticks - before.ticks,
             sysconf(_SC_CLK_TCK));
}

// ---- deliver -----------------------------------------------------------------------------

int run_deliver(const Settings& settings) {
  EventLoop loop;
  auto publisher = make_device(settings, settings.publisher);
  std::vector<std::unique_ptr<SimulatedDevice>> subscribers;
  std::vector<SimulatedDevice*> everyone{publisher.get()};
  std::uint64_t received = 0;
  int subacks = 0;
  for (int i = 0; i < settings.subscribers; ++i) {
    subscribers.push_back(make_device(settings, subscriber_name(settings, i)));
    SimulatedDevice& subscriber = *subscribers.back();
    subscriber.on_message = [&received](SimulatedDevice&, const mosquitto_message&) { ++received; };
    subscriber.on_subscribed = [&subacks, &subscriber](SimulatedDevice&, int, int granted) {
      if (granted >= 0x80) misbehaved(fmt::format("'{}' subscription refused", subscriber.name()));
      ++subacks;
    };
    everyone.push_back(&subscriber);
  }
  for (SimulatedDevice* device : everyone) loop.add(*device);
  if (!connect_all(loop, everyone)) misbehaved("connects did not finish within 30 s");
  require_connected(everyone);
  for (auto& subscriber : subscribers) subscriber->subscribe(settings.filter, 0);
  if (!loop.run_until([&] { return subacks == settings.subscribers; }, std::chrono::seconds(10))) {
    misbehaved("SUBACKs did not arrive within 10 s");
  }

  const std::string payload(static_cast<std::size_t>(settings.payload_bytes), 'x');
  const auto fanout = static_cast<std::uint64_t>(settings.subscribers);
  std::uint64_t published = 0;
  // Publishes while fewer than `window` messages are in flight; a whole phase is bounded.
  auto publish_phase = [&](int messages) {
    const std::uint64_t target = published + static_cast<std::uint64_t>(messages);
    const bool done = loop.run_until(
        [&] { return published == target && received == target * fanout; },
        std::chrono::seconds(120),
        [&] {
          while (published < target && published * fanout - received <
                                           static_cast<std::uint64_t>(settings.window) * fanout) {
            if (!publisher->publish(settings.topic, payload, 0)) misbehaved("publish refused");
            ++published;
          }
          return std::chrono::milliseconds(5);
        });
    if (!done) {
      misbehaved(
          fmt::format("{} of {} deliveries arrived within 120 s", received, target * fanout));
    }
  };
  publish_phase(std::max(1, settings.messages / 20));  // warm-up: caches, allocator, TLS
  const BrokerCpu before = read_broker_cpu(settings.broker_pid);
  const std::uint64_t received_before = received;
  const auto started = Clock::now();
  publish_phase(settings.messages);
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  const BrokerCpu after = read_broker_cpu(settings.broker_pid);
  for (SimulatedDevice* device : everyone) device->disconnect();
  loop.run_for(std::chrono::milliseconds(50));

  fmt::print("deliveries={} seconds={:.4f} ", received - received_before, seconds);
  print_cpu(before, after);
  fmt::print("\n");
  return 0;
}

// ---- connect -----------------------------------------------------------------------------

// Keeps `in_flight` connects going at once (distinct devices, so no session takeover), each
// one closed as soon as its CONNACK arrives, until `connects` have completed.
int run_connect(const Settings& settings) {
  EventLoop loop;
  std::vector<std::unique_ptr<SimulatedDevice>> devices;
  for (int i = 0; i < settings.subscribers; ++i) {
    devices.push_back(make_device(settings, subscriber_name(settings, i)));
    loop.add(*devices.back());
  }
  std::deque<SimulatedDevice*> idle;
  for (auto& device : devices) idle.push_back(device.get());
  std::vector<SimulatedDevice*> busy;
  int started = 0;
  int completed = 0;
  auto run_phase = [&](int connects) {
    const int target = completed + connects;
    const int first = started;
    auto pump = [&] {
      for (auto it = busy.begin(); it != busy.end();) {
        SimulatedDevice* device = *it;
        if (device->state() == SessionState::kConnected) {
          device->disconnect();  // libmosquitto writes DISCONNECT and closes at once
          ++completed;
          idle.push_back(device);
          it = busy.erase(it);
        } else if (device->settled()) {
          misbehaved(fmt::format("device '{}' not connected: {}", device->name(),
                                 device->describe_outcome()));
        } else {
          ++it;
        }
      }
      while (static_cast<int>(busy.size()) < settings.in_flight && started - first < connects &&
             !idle.empty()) {
        busy.push_back(idle.front());
        idle.pop_front();
        busy.back()->start_connect();
        ++started;
      }
      return std::chrono::milliseconds(1);
    };
    if (!loop.run_until([&] { return completed == target; }, std::chrono::seconds(120), pump)) {
      misbehaved(fmt::format("{} of {} connects done within 120 s", completed, target));
    }
  };
  run_phase(settings.in_flight);  // warm-up
  // Lets the broker finish the warm-up's disconnects before the measurement starts.
  loop.run_for(std::chrono::milliseconds(50));
  const BrokerCpu before = read_broker_cpu(settings.broker_pid);
  const auto started_at = Clock::now();
  run_phase(settings.connects);
  // The broker handles the last DISCONNECTs after we closed: give it that moment.
  loop.run_for(std::chrono::milliseconds(50));
  const double seconds = std::chrono::duration<double>(Clock::now() - started_at).count();
  const BrokerCpu after = read_broker_cpu(settings.broker_pid);
  fmt::print("connects={} seconds={:.4f} ", settings.connects, seconds);
  print_cpu(before, after);
  fmt::print("\n");
  return 0;
}

int run_idle(const Settings& settings) {
  const BrokerCpu before = read_broker_cpu(settings.broker_pid);
  std::this_thread::sleep_for(std::chrono::duration<double>(settings.idle_seconds));
  const BrokerCpu after = read_broker_cpu(settings.broker_pid);
  fmt::print("seconds={:.4f} ", settings.idle_seconds);
  print_cpu(before, after);
  fmt::print("\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  CLI::App app{"certacl_fanout_bench: load generator of bench/throughput/run.sh"};
  app.require_subcommand(1);
  auto common = [&](CLI::App& command) {
    command.add_option("--host", settings.broker.host)->capture_default_str();
    command.add_option("--port", settings.broker.port)->required()->check(CLI::Range(1, 65535));
    command.add_option("--cafile", settings.broker.cafile)->required()->check(CLI::ExistingFile);
    command.add_option("--cert-dir", settings.cert_dir, "Holds <device>.crt and <device>.key")
        ->required()
        ->check(CLI::ExistingDirectory);
    command.add_option("--broker-pid", settings.broker_pid, "mosquitto's process id")
        ->required()
        ->check(CLI::PositiveNumber);
    command.add_option("--subscribers", settings.subscribers)
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));
  };
  CLI::App* deliver = app.add_subcommand("deliver", "Fan-out 1 -> N; broker CPU per delivery");
  common(*deliver);
  deliver->add_option("--messages", settings.messages)
      ->capture_default_str()
      ->check(CLI::Range(1, 10'000'000));
  deliver->add_option("--window", settings.window)
      ->capture_default_str()
      ->check(CLI::Range(1, 100'000));
  deliver->add_option("--payload-bytes", settings.payload_bytes)
      ->capture_default_str()
      ->check(CLI::Range(0, 100'000));
  deliver->add_option("--topic", settings.topic)->capture_default_str();
  deliver->add_option("--filter", settings.filter)->capture_default_str();
  CLI::App* connect =
      app.add_subcommand("connect", "Sequential mTLS connects; broker CPU per connect");
  common(*connect);
  connect->add_option("--connects", settings.connects)
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  CLI::App* idle = app.add_subcommand("idle", "Broker CPU while nothing happens");
  idle->add_option("--broker-pid", settings.broker_pid)->required()->check(CLI::PositiveNumber);
  idle->add_option("--seconds", settings.idle_seconds)
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : kExitUsage;
  }
  try {
    if (*deliver) return run_deliver(settings);
    if (*connect) return run_connect(settings);
    return run_idle(settings);
  } catch (const std::exception& error) {
    std::cerr << "certacl_fanout_bench: " << error.what() << "\n";
    return kExitMisbehaved;
  }
}
