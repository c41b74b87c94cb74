#pragma once
// Looks at the database file and its directory (lstat, no open) and refuses them unless
// they follow docs/DEPLOYMENT.md; the decision itself is policy::registry_file_problem.
// Called before the plugin first opens the database and on every poll, so a file made
// writable or swapped in later is not adopted either.

#include <string>

namespace certacl::plugin {

// Throws DatabaseError (SQLITE_PERM) with the exact path and mode when refused.
void check_registry_files(const std::string& db_path);

// The warning to log at start when the broker runs as root, or "".
[[nodiscard]] std::string root_broker_warning();

}  // namespace certacl::plugin
