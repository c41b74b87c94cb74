// The revocation-refresh path: after certacl-ca commits, the watcher re-reads the registry
// and builds a new snapshot; this bounds how fast a revocation can take effect.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "fleet.h"
#include "registry_snapshot.h"
#include "snapshot_watcher.h"

namespace certacl::bench {
namespace {

class FleetDatabase {
 public:
  explicit FleetDatabase(std::size_t devices) {
    char pattern[] = "/tmp/certacl-bench-XXXXXX";
    const char* dir = mkdtemp(pattern);
    directory_ = dir ? dir : "/tmp";
    path_ = directory_ + "/registry.db";
    write_fleet_database(path_, devices);
  }
  ~FleetDatabase() {
    for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path_ + suffix).c_str());
    ::rmdir(directory_.c_str());
  }
  FleetDatabase(const FleetDatabase&) = delete;
  FleetDatabase& operator=(const FleetDatabase&) = delete;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string directory_;
  std::string path_;
};

void BM_SnapshotReloadFromDatabase(benchmark::State& state) {
  const FleetDatabase database(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(plugin::load_snapshot(database.path()));
  state.SetLabel(std::to_string(state.range(0)) + " devices");
}
BENCHMARK(BM_SnapshotReloadFromDatabase)->Arg(1000)->Arg(100'000)->Unit(benchmark::kMillisecond);

void BM_SnapshotBuildOnly(benchmark::State& state) {
  const RegistryContents contents = fleet(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    state.PauseTiming();
    RegistryContents copy = contents;
    state.ResumeTiming();
    benchmark::DoNotOptimize(policy::RegistrySnapshot::build(std::move(copy), kNow));
  }
}
BENCHMARK(BM_SnapshotBuildOnly)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace certacl::bench
