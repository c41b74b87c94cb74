#pragma once
// The one state object mosquitto hands back to every callback as userdata.

#include <spdlog/logger.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "client_acl.h"
#include "decision_counters.h"
#include "kick_queue.h"
#include "mosquitto_log_sink.h"
#include "plugin_options.h"
#include "registry_snapshot.h"
#include "snapshot_watcher.h"

struct mosquitto;
struct mosquitto_plugin_id_t;

namespace certacl::plugin {

// One authenticated connection: who it is and its compiled ACL.
struct ClientSession {
  std::string device;
  std::string client_id;
  std::string serial;
  std::string role;
  std::int64_t not_after = 0;
  policy::ClientAcl acl;
};

struct PluginState {
  mosquitto_plugin_id_t* identifier = nullptr;
  PluginOptions options;
  std::shared_ptr<MosquittoLogSink> sink;
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<const policy::RegistrySnapshot> registry;
  std::unique_ptr<SnapshotWatcher> watcher;
  std::unordered_map<const mosquitto*, ClientSession> sessions;
  policy::DecisionCounters counters;
  KickQueue kicks;
  std::int64_t next_expiry_scan = 0;
  std::int64_t next_health_log = 0;
  std::int64_t next_stats = 0;
  bool stale_reported = false;
};

[[nodiscard]] std::int64_t unix_now();

// Builds the logger, reads the database and starts watching it. Throws std::exception with
// a message that names the database and the cause; the broker must then not start.
[[nodiscard]] std::unique_ptr<PluginState> create_plugin_state(mosquitto_plugin_id_t* identifier,
                                                               PluginOptions options);

// Reads state.options.db_path and (re)starts the watcher on it; returns the snapshot read,
// which the caller puts in force. Throws like create_plugin_state, leaving the old watcher.
[[nodiscard]] std::shared_ptr<const policy::RegistrySnapshot> watch_database(PluginState& state);

// Seconds since the database was last read successfully.
[[nodiscard]] std::int64_t registry_age(const PluginState& state, std::int64_t now);
[[nodiscard]] bool registry_stale(const PluginState& state, std::int64_t now);

}  // namespace certacl::plugin
