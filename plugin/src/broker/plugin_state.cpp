#include "plugin_state.h"

#include <ctime>

namespace certacl::plugin {

std::int64_t unix_now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

std::unique_ptr<PluginState> create_plugin_state(mosquitto_plugin_id_t* identifier,
                                                 PluginOptions options) {
  auto state = std::make_unique<PluginState>();
  state->identifier = identifier;
  state->options = std::move(options);
  state->sink = std::make_shared<MosquittoLogSink>();
  state->log = std::make_shared<spdlog::logger>("certacl", state->sink);
  state->log->set_level(state->options.log_level);
  state->registry = watch_database(*state);
  return state;
}

std::shared_ptr<const policy::RegistrySnapshot> watch_database(PluginState& state) {
  // Given the registry in force (a SIGHUP or a new db_path), never step back to an older one.
  auto snapshot = load_snapshot(state.options.db_path, state.registry.get());
  // Stop the old watcher before the new one starts: one reader thread at a time.
  state.watcher.reset();
  state.watcher = std::make_unique<SnapshotWatcher>(state.options.db_path,
                                                    state.options.poll_interval, *snapshot);
  return snapshot;
}

std::int64_t registry_age(const PluginState& state, std::int64_t now) {
  return now - state.watcher->health().last_success;
}

bool registry_stale(const PluginState& state, std::int64_t now) {
  return registry_age(state, now) > state.options.stale_limit.count();
}

}  // namespace certacl::plugin
