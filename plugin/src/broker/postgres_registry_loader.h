#pragma once

// Finds and loads certacl_registry_postgres.so, next to the plugin's own file, only when the
// broker is configured for PostgreSQL (postgres_registry_module.h says why).
#include <string>

#include "postgres_registry_module.h"

namespace certacl::plugin {

// The module's path: the directory of the file this code was loaded from (symlinks
// resolved), plus kPostgresModuleFileName.
[[nodiscard]] std::string default_postgres_module_path();

// Loads `module_path` (once per process; it is never unloaded, since snapshots and watchers
// it made run its code until the process ends) and opens the registry through it. Throws
// std::runtime_error naming the module when it cannot be loaded, or with the module's own
// message when the registry cannot be opened.
[[nodiscard]] PostgresRegistry open_postgres_registry(const PostgresRegistryRequest& request,
                                                      const std::string& module_path);

}  // namespace certacl::plugin
