#pragma once

// The boundary between the plugin and its PostgreSQL module (certacl_registry_postgres.so).
// libpq pulls Kerberos, LDAP and GnuTLS into the process (about 3 MB of resident code and
// their start-up work, docs/SCALING.md "Memory"); a broker on SQLite needs none of it, so
// the plugin loads the module only for plugin_opt_db_url. Plain data crosses the boundary;
// both sides are built together from the same sources and the same compiler.
#include <chrono>
#include <memory>
#include <string>

#include "registry_probe.h"
#include "registry_snapshot.h"
#include "registry_watcher.h"

namespace certacl::plugin {

struct PostgresRegistryRequest {
  std::string url;            // checked by plugin_options: a postgresql:// URL, no password
  std::string password_file;  // empty: libpq's PGPASSFILE or ~/.pgpass
  std::chrono::seconds stale_limit{60};
  std::chrono::milliseconds poll_interval{50};
  const policy::RegistrySnapshot* in_force = nullptr;  // never step back from it
};

struct PostgresRegistry {
  std::shared_ptr<const policy::RegistrySnapshot> snapshot;  // read whole, to put in force
  std::unique_ptr<RegistryWatcher> watcher;
  std::unique_ptr<ConnectProbe> probe;  // refers to *watcher: destroy it first
  std::string error;                    // set instead of the three above
};

// What the module exports (extern "C", so dlsym finds it by this name). It never throws:
// a failure is returned in `error`.
inline constexpr const char* kOpenPostgresRegistrySymbol = "certacl_open_postgres_registry";
using OpenPostgresRegistry = void (*)(const PostgresRegistryRequest& request,
                                      PostgresRegistry& result);

inline constexpr const char* kPostgresModuleFileName = "certacl_registry_postgres.so";

}  // namespace certacl::plugin
