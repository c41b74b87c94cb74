#include "plugin_state.h"

#include <fmt/format.h>

#include <ctime>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <variant>

#include "postgres_registry_loader.h"
#include "snapshot_watcher.h"

namespace certacl::plugin {
namespace {

policy::LogLevel log_level(spdlog::level::level_enum level) noexcept {
  switch (level) {
    case spdlog::level::trace:
      return policy::LogLevel::kTrace;
    case spdlog::level::debug:
      return policy::LogLevel::kDebug;
    case spdlog::level::info:
      return policy::LogLevel::kInfo;
    case spdlog::level::warn:
      return policy::LogLevel::kWarn;
    case spdlog::level::err:
    case spdlog::level::critical:
      return policy::LogLevel::kError;
    default:
      return policy::LogLevel::kOff;
  }
}

// Read at start only (never on a callback); a bad line refuses the start, naming it.
std::shared_ptr<const policy::ShadowRules> read_shadow_rules(const std::string& path) {
  if (path.empty()) return nullptr;
  std::ifstream file(path);
  if (!file)
    throw std::runtime_error(
        fmt::format("plugin_opt_shadow_rules: cannot read '{}'", policy::printable(path)));
  const std::string text((std::istreambuf_iterator<char>(file)), {});
  auto parsed = policy::ShadowRules::parse(text);
  if (const auto* error = std::get_if<std::string>(&parsed)) {
    throw std::runtime_error(
        fmt::format("plugin_opt_shadow_rules: '{}' {}", policy::printable(path), *error));
  }
  return std::get<std::shared_ptr<const policy::ShadowRules>>(std::move(parsed));
}

}  // namespace

std::int64_t unix_now() {
  return unix_seconds_now();
}

policy::SessionTableOptions table_options(const PluginOptions& options,
                                          std::shared_ptr<const policy::ShadowRules> shadow) {
  policy::SessionTableOptions table;
  table.shadow = std::move(shadow);
  table.connect = options.connect;
  table.dry_run = options.dry_run;
  table.log_level = log_level(options.log_level);
  return table;
}

std::unique_ptr<PluginState> create_plugin_state(mosquitto_plugin_id_t* identifier,
                                                 PluginOptions options) {
  auto state = std::make_unique<PluginState>();
  state->identifier = identifier;
  state->options = std::move(options);
  state->sink = std::make_shared<MosquittoLogSink>();
  state->log = std::make_shared<spdlog::logger>("certacl", state->sink);
  state->log->set_level(state->options.log_level);
  state->shadow = read_shadow_rules(state->options.shadow_rules_path);
  state->table = std::make_unique<policy::SessionTable>(
      table_options(state->options, state->shadow), watch_database(*state));
  state->started_at = unix_now();
  return state;
}

namespace {

std::shared_ptr<const policy::RegistrySnapshot> watch_postgres(PluginState& state) {
  PostgresRegistryRequest request;
  request.url = state.options.db_url;
  request.password_file = state.options.db_password_file;
  request.stale_limit = state.options.stale_limit;
  request.poll_interval = state.options.poll_interval;
  request.in_force = state.table ? &state.table->registry() : nullptr;
  PostgresRegistry opened = open_postgres_registry(request, default_postgres_module_path());
  state.probe.reset();  // it refers to the old watcher
  state.watcher.reset();
  state.watcher = std::move(opened.watcher);
  state.probe = std::move(opened.probe);
  return opened.snapshot;
}

}  // namespace

const std::string& registry_location(const PluginOptions& options) {
  return options.db_url.empty() ? options.db_path : options.db_url;
}

std::shared_ptr<const policy::RegistrySnapshot> watch_database(PluginState& state) {
  if (!state.options.db_url.empty()) return watch_postgres(state);
  // Given the registry in force (a SIGHUP or a new db_path), never step back to an older one.
  auto snapshot =
      load_snapshot(state.options.db_path, state.table ? &state.table->registry() : nullptr);
  state.probe.reset();
  // Stop the old watcher before the new one starts: one reader thread at a time.
  state.watcher.reset();
  state.watcher = std::make_unique<SnapshotWatcher>(state.options.db_path,
                                                    state.options.poll_interval, snapshot);
  state.probe = std::make_unique<RegistryProbe>(state.options.db_path);
  return snapshot;
}

std::int64_t registry_age(const PluginState& state, std::int64_t now) {
  return now - state.watcher->health().last_success;
}

bool registry_stale(const PluginState& state, std::int64_t now) {
  return registry_age(state, now) > state.options.stale_limit.count();
}

}  // namespace certacl::plugin
