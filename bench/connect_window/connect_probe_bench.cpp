// The registry probe a connect runs before it is decided (plugin/src/broker/registry_probe):
// with the registry quiet it is one PRAGMA data_version; when the database moved past the
// snapshot in force it reads this one certificate, its device and its role's rules. Next to
// it, the PostgreSQL probe (postgres_connect_probe.h) on a quiet registry: a comparison with
// the counter the watcher heard of by NOTIFY (it starts its own PostgreSQL 15).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "certacl/registry.h"
#include "certacl/sqlite.h"
#include "certacl_test_dir.h"
#include "fleet.h"
#include "live_registry.h"
#include "postgres_connect_probe.h"
#include "postgres_snapshot_watcher.h"
#include "registry_probe.h"

namespace certacl::bench {
namespace {

const std::string& database_path() {
  static const std::string path = [] {
    std::string made = scratch_directory() + "/probe-bench.db";
    std::remove(made.c_str());
    write_fleet_database(made, 10'000);
    return made;
  }();
  return path;
}

std::int64_t counter_now() {
  SqliteDatabase db(database_path(), SqliteDatabase::Access::ReadOnly);
  return read_change_counter(db);
}

void BM_ProbeRegistryQuiet(benchmark::State& state) {
  plugin::RegistryProbe probe(database_path());
  const std::int64_t in_force = counter_now();
  const std::string serial = serial_of(4'321);
  for (auto _ : state) {
    auto fresher = probe.fresher_for(serial, in_force, kNow);
    if (fresher) state.SkipWithError("the registry did not move");
    benchmark::DoNotOptimize(fresher);
  }
}
BENCHMARK(BM_ProbeRegistryQuiet);

void BM_ProbeRegistryMoved(benchmark::State& state) {
  plugin::RegistryProbe probe(database_path());
  const std::int64_t older = counter_now() - 1;
  const std::string serial = serial_of(4'321);
  for (auto _ : state) {
    auto fresher = probe.fresher_for(serial, older, kNow);
    if (!fresher || fresher->device_count() != 1) state.SkipWithError("expected one device");
    benchmark::DoNotOptimize(fresher);
  }
}
BENCHMARK(BM_ProbeRegistryMoved);

// A real PostgreSQL with the same 10,000 devices, the plugin's watcher LISTENing on it.
struct PostgresProbeWorld {
  test::PostgresServer server;
  std::unique_ptr<LiveRegistry> registry = postgres_registry(server, 10'000);
  std::unique_ptr<plugin::PostgresSnapshotWatcher> watcher;
  std::int64_t in_force = 0;

  PostgresProbeWorld() {
    const test::BrokerSettings broker = registry->broker_settings();
    store::PostgresSettings settings;
    settings.url = broker.plugin_options.at("db_url");
    settings.password_file = broker.plugin_options.at("db_password_file");
    plugin::PostgresRegistryStart start = plugin::load_postgres_snapshot(settings);
    in_force = start.snapshot->change_counter();
    watcher = std::make_unique<plugin::PostgresSnapshotWatcher>(settings, std::move(start),
                                                                plugin::PostgresWatchTiming{});
  }
};

void BM_ProbePostgresQuiet(benchmark::State& state) {
  static PostgresProbeWorld world;
  plugin::PostgresConnectProbe probe(*world.watcher);
  const std::string serial = serial_of(4'321);
  for (auto _ : state) {
    auto fresher = probe.fresher_for(serial, world.in_force, kNow);
    if (fresher) state.SkipWithError("the registry did not move");
    benchmark::DoNotOptimize(fresher);
  }
}
BENCHMARK(BM_ProbePostgresQuiet);

}  // namespace
}  // namespace certacl::bench

BENCHMARK_MAIN();
