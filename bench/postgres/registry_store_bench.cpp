// SQLite vs PostgreSQL for the broker's reads: the time to read the whole registry into
// RegistryContents (what a full reload costs), and the time from a revocation call to a
// LISTENing reader knowing which device changed (what an incremental update waits for).
// Same synthetic fleet on both sides (bench/plugin/fleet.h): N devices, one certificate
// each, 20 rules. PostgreSQL is read as the certacl_broker role, through its views.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "certacl/registry.h"
#include "certacl/sqlite.h"
#include "certacl/store/postgres_registry_reader.h"
#include "certacl/store/postgres_schema.h"
#include "certacl/store/postgres_store.h"
#include "certacl_test/postgres_fixture.h"
#include "fleet.h"
#include "postgres_fleet.h"
#include "postgres_snapshot_watcher.h"
#include "snapshot_watcher.h"

namespace {

using Clock = std::chrono::steady_clock;
using certacl::test::PostgresServer;
namespace store = certacl::store;

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double percentile(std::vector<double> samples, double fraction) {
  std::sort(samples.begin(), samples.end());
  const auto index = static_cast<std::size_t>(fraction * static_cast<double>(samples.size() - 1));
  return samples[index];
}

template <typename Read>
double median_ms(int runs, Read&& read) {
  std::vector<double> samples;
  for (int run = 0; run < runs; ++run) {
    const auto start = Clock::now();
    const certacl::RegistryContents contents = read();
    samples.push_back(milliseconds_since(start));
    if (contents.devices.empty()) throw std::runtime_error("read an empty registry");
  }
  return percentile(samples, 0.5);
}

store::PostgresSettings settings_for(const PostgresServer& server, const std::string& user,
                                     const std::string& database) {
  store::PostgresSettings settings;
  settings.url = server.url(user, database);
  settings.passfile = server.passfile();
  return settings;
}

// Revocation call → the reader (woken by NOTIFY) has read the change log and knows the
// device. One revocation at a time, so each sample is alone on the wire.
std::vector<double> revocation_latencies(const store::PostgresSettings& writer_settings,
                                         const store::PostgresSettings& reader_settings,
                                         int revocations) {
  store::PostgresStore writer(writer_settings);
  store::PostgresRegistryReader reader(reader_settings);
  std::int64_t seen = reader.change_counter();
  std::mutex mutex;
  std::condition_variable known;
  int devices_known = 0;
  std::atomic<bool> failed{false};
  std::thread listener([&] {
    try {
      while (devices_known < revocations) {
        const store::ChangeWait wait = reader.wait_for_change(std::chrono::seconds(5));
        if (wait.change_counter == seen) throw std::runtime_error("no change within 5 s");
        const auto changes = reader.changes_since(seen);
        seen = wait.change_counter;
        const std::lock_guard lock(mutex);
        devices_known += static_cast<int>(changes.size());
        known.notify_one();
      }
    } catch (const std::exception& error) {
      fmt::print(stderr, "reader: {}\n", error.what());
      failed = true;
      known.notify_one();
    }
  });
  std::vector<double> samples;
  for (int i = 0; i < revocations && !failed; ++i) {
    const auto start = Clock::now();
    (void)writer.revoke_device(certacl::bench::device_name(static_cast<std::size_t>(i)), 1,
                               "bench");
    std::unique_lock lock(mutex);
    known.wait_for(lock, std::chrono::seconds(10), [&] { return devices_known > i || failed; });
    samples.push_back(milliseconds_since(start));
  }
  listener.join();
  if (failed) throw std::runtime_error("the reader failed");
  return samples;
}

// Waits (at most 10 s) for the watcher's next snapshot; the time since `start` in ms. Throws
// when none came, or when it was not applied from the change log.
double wait_for_incremental_snapshot(certacl::plugin::RegistryWatcher& watcher,
                                     Clock::time_point start) {
  const auto deadline = start + std::chrono::seconds(10);
  while (!watcher.has_new() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const auto fresh = watcher.take_new();
  if (fresh == nullptr) throw std::runtime_error("no new snapshot within 10 s");
  const double elapsed = milliseconds_since(start);
  if (!fresh->incremental()) throw std::runtime_error("the watcher read the whole registry");
  return elapsed;
}

// revoke_device() returned → the broker plugin's watcher (plugin/src/broker/
// postgres_snapshot_watcher.h) has the new snapshot built: the NOTIFY, the counter read, the
// change-log rows after its counter and the rows they name, applied to its last snapshot. The
// broker adopts it at its next callback (TICK: at most 100 ms on an idle mosquitto 2.0.11),
// which is not in this figure.
std::vector<double> watcher_latencies(const store::PostgresSettings& writer_settings,
                                      const store::PostgresSettings& broker_settings,
                                      std::size_t first_device, int count) {
  store::PostgresStore writer(writer_settings);
  certacl::plugin::PostgresSnapshotWatcher watcher(
      broker_settings, certacl::plugin::load_postgres_snapshot(broker_settings),
      {std::chrono::seconds(60), std::chrono::milliseconds(200)});
  std::vector<double> samples;
  for (int i = 0; i < count; ++i) {
    const auto start = Clock::now();
    (void)writer.revoke_device(
        certacl::bench::device_name(first_device + static_cast<std::size_t>(i)), 1, "bench");
    samples.push_back(wait_for_incremental_snapshot(watcher, start));
  }
  return samples;
}

// The same on SQLite: the revocation committed (one write transaction, as certacl-ca's
// revoke) → the plugin's SQLite watcher, polling every `poll` (the plugin's default is 50 ms),
// has applied the change-log rows to its last snapshot.
std::vector<double> sqlite_watcher_latencies(const std::string& path, std::size_t first_device,
                                             int count, std::chrono::milliseconds poll) {
  certacl::plugin::SnapshotWatcher watcher(path, poll, certacl::plugin::load_snapshot(path));
  certacl::SqliteDatabase writer(path, certacl::SqliteDatabase::Access::ReadWrite);
  writer.configure_as_writer(std::chrono::seconds(5));
  std::vector<double> samples;
  for (int i = 0; i < count; ++i) {
    const auto start = Clock::now();
    {
      certacl::WriteTransaction transaction(writer);
      writer
          .prepare(
              "UPDATE certificates SET revoked_at = ?1, revocation_reason = 1 WHERE device = ?2")
          .bind(1, certacl::bench::kNow)
          .bind(2, certacl::bench::device_name(first_device + static_cast<std::size_t>(i)))
          .run();
      transaction.commit();
    }
    samples.push_back(wait_for_incremental_snapshot(watcher, start));
  }
  return samples;
}

// Durable issuance records per second through PostgresStore::issue_certificate (writer
// lock, SERIALIZABLE, serial check, INSERT, audit row, COMMIT with fsync), signing excluded.
double issuance_records_per_second(const store::PostgresSettings& writer_settings, int count) {
  store::PostgresStore writer(writer_settings);
  int next_serial = 0x7000000;
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    const std::string device = certacl::bench::device_name(static_cast<std::size_t>(i));
    (void)writer.issue_certificate([&] { return fmt::format("{:X}", next_serial++); },
                                   [&](const std::string& serial) {
                                     certacl::CertificateRecord record;
                                     record.serial = serial;
                                     record.device = device;
                                     record.subject = "CN=" + device;
                                     record.issuer = "CN=bench CA";
                                     record.not_after = certacl::bench::kNow;
                                     record.sha256 = fmt::format("{:0>64}", serial);
                                     return store::SignedCertificate{record, "PEM", std::nullopt};
                                   },
                                   {"bench", "sign", device, std::nullopt, ""});
  }
  return count / (milliseconds_since(start) / 1000.0);
}

}  // namespace

int main() {
  try {
    PostgresServer server;
    {  // creates the certacl group roles the logins join
      store::PostgresConnection admin(settings_for(server, "postgres", "certacl"));
      store::apply_postgres_schema(admin);
    }
    (void)server.create_login("bench_broker", "certacl_broker");
    (void)server.create_login("bench_ca", "certacl_ca");
    certacl::test::TempDir scratch;

    fmt::print("read the whole registry into RegistryContents (median of 5; 3 at 100k)\n");
    fmt::print("{:>8}  {:>12}  {:>16}\n", "devices", "SQLite ms", "PostgreSQL ms");
    std::string largest_database;
    std::vector<std::pair<std::size_t, std::string>> databases;
    std::vector<std::pair<std::size_t, std::string>> sqlite_paths;
    for (const std::size_t devices : {std::size_t{1000}, std::size_t{10000}, std::size_t{100000}}) {
      const int runs = devices >= 100000 ? 3 : 5;
      const std::string sqlite_path = scratch.file(fmt::format("fleet-{}.db", devices));
      certacl::bench::write_fleet_database(sqlite_path, devices);
      sqlite_paths.push_back({devices, sqlite_path});
      const double sqlite_ms = median_ms(runs, [&] {
        certacl::SqliteDatabase db(sqlite_path, certacl::SqliteDatabase::Access::ReadOnly);
        db.configure_as_reader(std::chrono::seconds(5));
        return certacl::load_registry(db);
      });

      const std::string database = fmt::format("fleet_{}", devices);
      server.run_sql("CREATE DATABASE " + database, "postgres");
      {
        store::PostgresConnection admin(settings_for(server, "postgres", database));
        certacl::bench::write_fleet_postgres(admin, devices);
      }
      store::PostgresRegistryReader reader(settings_for(server, "bench_broker", database));
      const double postgres_ms = median_ms(runs, [&] { return reader.load_registry(); });
      fmt::print("{:>8}  {:>12.1f}  {:>16.1f}\n", devices, sqlite_ms, postgres_ms);
      largest_database = database;
      databases.push_back({devices, database});
    }

    constexpr int kWatcherRevocations = 50;
    fmt::print(
        "\nrevocation committed → the plugin's watcher has the new snapshot, applied from the "
        "change log ({} revocations each; the broker's next TICK comes on top)\n",
        kWatcherRevocations);
    fmt::print("{:>8}  {:>28}  {:>28}  {:>28}\n", "devices", "PostgreSQL (NOTIFY) p50/p99",
               "SQLite (poll 50 ms) p50/p99", "SQLite (poll 10 ms) p50/p99");
    for (std::size_t size = 0; size < databases.size(); ++size) {
      const auto& [devices, database] = databases[size];
      const std::vector<double> postgres =
          watcher_latencies(settings_for(server, "bench_ca", database),
                            settings_for(server, "bench_broker", database),
                            devices - kWatcherRevocations, kWatcherRevocations);
      const std::string& sqlite_path = sqlite_paths[size].second;
      const std::vector<double> sqlite_default =
          sqlite_watcher_latencies(sqlite_path, devices - 2 * kWatcherRevocations,
                                   kWatcherRevocations, std::chrono::milliseconds(50));
      const std::vector<double> sqlite_fast =
          sqlite_watcher_latencies(sqlite_path, devices - 3 * kWatcherRevocations,
                                   kWatcherRevocations, std::chrono::milliseconds(10));
      const auto pair = [](const std::vector<double>& samples) {
        return fmt::format("{:.1f} / {:.1f} ms", percentile(samples, 0.5),
                           percentile(samples, 0.99));
      };
      fmt::print("{:>8}  {:>28}  {:>28}  {:>28}\n", devices, pair(postgres), pair(sqlite_default),
                 pair(sqlite_fast));
    }

    constexpr int kRevocations = 50;
    const std::vector<double> latencies =
        revocation_latencies(settings_for(server, "bench_ca", largest_database),
                             settings_for(server, "bench_broker", largest_database), kRevocations);
    fmt::print(
        "\nrevoke_device() call → LISTENing reader knows the device (100k devices, {} revocations, "
        "fsync on)\n  p50 {:.2f} ms  p99 {:.2f} ms  max {:.2f} ms\n",
        kRevocations, percentile(latencies, 0.5), percentile(latencies, 0.99),
        *std::max_element(latencies.begin(), latencies.end()));
    constexpr int kIssuances = 200;
    fmt::print(
        "\nissue_certificate() records, signing excluded, one connection, fsync on: "
        "{:.0f}/s ({} records)\n",
        issuance_records_per_second(settings_for(server, "bench_ca", largest_database), kIssuances),
        kIssuances);
    return 0;
  } catch (const std::exception& error) {
    fmt::print(stderr, "certacl_postgres_bench: {}\n", error.what());
    return 1;
  }
}
