#pragma once
// The synthetic fleet of fleet.h, written into a PostgreSQL registry in bulk.

#include <cstddef>

#include "certacl/store/postgres_connection.h"

namespace certacl::bench {

// Applies the schema, then writes role "sensor", its 20 rules and `devices` devices with
// one certificate each, as write_fleet_database does for SQLite. Per-row triggers would
// make one big transaction O(N²) (one NOTIFY and one update of the state row per row), so
// they are skipped for this load only (session_replication_role = replica, which needs the
// superuser), as migrate-store does; the change counter is set to 1 by hand. `admin` must be
// a superuser connection to the target database.
void write_fleet_postgres(store::PostgresConnection& admin, std::size_t devices);

}  // namespace certacl::bench
