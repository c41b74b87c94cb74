#pragma once
// The one state object mosquitto hands back to every callback as userdata.

#include <spdlog/logger.h>

#include <cstdint>
#include <memory>
#include <string>

#include "kick_queue.h"
#include "mosquitto_log_sink.h"
#include "plugin_options.h"
#include "registry_probe.h"
#include "registry_snapshot.h"
#include "registry_watcher.h"
#include "session_table.h"

struct mosquitto;
struct mosquitto_plugin_id_t;

namespace certacl::plugin {

struct PluginState {
  mosquitto_plugin_id_t* identifier = nullptr;
  PluginOptions options;
  std::shared_ptr<MosquittoLogSink> sink;
  std::shared_ptr<spdlog::logger> log;
  // SQLite (db_path) or PostgreSQL (db_url); the probe may refer to the watcher, so it is
  // declared after it and destroyed first.
  std::unique_ptr<RegistryWatcher> watcher;
  std::unique_ptr<ConnectProbe> probe;
  std::unique_ptr<policy::SessionTable> table;
  std::shared_ptr<const policy::ShadowRules> shadow;  // read once at start
  KickQueue kicks;
  std::int64_t started_at = 0;
  std::int64_t next_health_log = 0;
  std::int64_t next_stats = 0;
  std::int64_t next_probe_error_log = 0;
  std::int64_t next_tickless_housekeeping = 0;
  bool stale_reported = false;
  // TICK never runs under per_listener_settings true (mosquitto 2.0.11): then changes are
  // adopted in the client callbacks and kicks wait for the next connect or publish.
  bool tick_seen = false;
  bool tickless_reported = false;
  // Between MOSQ_EVT_RELOAD and the next other callback mosquitto re-runs BASIC_AUTH for
  // every client while it iterates over them: no kicking, no SQLite there.
  bool reauthenticating = false;
};

[[nodiscard]] std::int64_t unix_now();

[[nodiscard]] policy::SessionTableOptions table_options(
    const PluginOptions& options, std::shared_ptr<const policy::ShadowRules> shadow);

// Builds the logger, reads the database and starts watching it. Throws std::exception with
// a message that names the database and the cause; the broker must then not start.
[[nodiscard]] std::unique_ptr<PluginState> create_plugin_state(mosquitto_plugin_id_t* identifier,
                                                               PluginOptions options);

// Reads the registry (state.options.db_path or db_url) and (re)starts the watcher and the
// connect probe on it; returns the snapshot read, which the caller puts in force. Throws
// like create_plugin_state, leaving the old watcher.
[[nodiscard]] std::shared_ptr<const policy::RegistrySnapshot> watch_database(PluginState& state);

// The registry as log lines name it: the SQLite path or the PostgreSQL URL (which never
// carries a password: a URL with one is refused before anything is logged).
[[nodiscard]] const std::string& registry_location(const PluginOptions& options);

// Seconds since the database was last read successfully.
[[nodiscard]] std::int64_t registry_age(const PluginState& state, std::int64_t now);
[[nodiscard]] bool registry_stale(const PluginState& state, std::int64_t now);

}  // namespace certacl::plugin
