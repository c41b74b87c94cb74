// The only symbol certacl_registry_postgres.so exports: the plugin's way into the PostgreSQL
// watcher and connect probe (postgres_registry_module.h says why they live apart).
#include <exception>
#include <utility>

#include "postgres_connect_probe.h"
#include "postgres_registry_module.h"
#include "postgres_snapshot_watcher.h"

extern "C" __attribute__((visibility("default"))) void certacl_open_postgres_registry(
    const certacl::plugin::PostgresRegistryRequest& request,
    certacl::plugin::PostgresRegistry& result) noexcept {
  using namespace certacl::plugin;
  try {
    certacl::store::PostgresSettings settings;
    settings.url = request.url;
    if (!request.password_file.empty()) settings.password_file = request.password_file;
    settings.application_name = "certacl-broker";
    PostgresRegistryStart start = load_postgres_snapshot(settings, request.in_force);
    result.snapshot = start.snapshot;
    auto watcher = std::make_unique<PostgresSnapshotWatcher>(
        std::move(settings), std::move(start),
        postgres_watch_timing(request.stale_limit, request.poll_interval));
    result.probe = std::make_unique<PostgresConnectProbe>(*watcher);
    result.watcher = std::move(watcher);
  } catch (const std::exception& error) {
    result = PostgresRegistry{};
    result.error = error.what();
  } catch (...) {
    result = PostgresRegistry{};
    result.error = "the PostgreSQL registry failed with an unknown error";
  }
}
