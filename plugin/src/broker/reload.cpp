// MOSQ_EVT_RELOAD (SIGHUP): re-read the plugin options. Invalid new options are refused
// with a message and the running configuration stays; a changed database is read before
// it replaces the old one.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>  // struct mosquitto_opt

#include <variant>
#include <vector>

#include "callbacks.h"

namespace certacl::plugin {

std::vector<OptionPair> read_option_pairs(const mosquitto_opt* options, int count) {
  std::vector<OptionPair> pairs;
  pairs.reserve(count > 0 ? static_cast<std::size_t>(count) : 0);
  for (int i = 0; i < count; ++i) {
    pairs.emplace_back(options[i].key ? options[i].key : "",
                       options[i].value ? options[i].value : "");
  }
  return pairs;
}

namespace {

// mosquitto 2.0.x skips plugin_opt_* lines when it re-reads its configuration and passes
// no options with the RELOAD event: the running options stay, and the watcher thread is
// asked to re-read the registry at once, so an operator's SIGHUP still means "look again
// now" without any SQLite on the broker thread. The next callback adopts what it read.
void reread_database(PluginState& state) {
  state.watcher->request_reread();
  state.log->warn(
      "SIGHUP: re-reading the registry (in force: change {}); this broker passes no plugin "
      "options on reload, so the running options stay (restart to change them)",
      state.table->registry().change_counter());
}

void apply_options(PluginState& state, PluginOptions fresh) {
  const bool database_changed = fresh.db_path != state.options.db_path ||
                                fresh.db_url != state.options.db_url ||
                                fresh.db_password_file != state.options.db_password_file ||
                                fresh.poll_interval != state.options.poll_interval;
  PluginOptions previous = std::exchange(state.options, std::move(fresh));
  if (database_changed) {
    try {
      // Only for a broker that passes options on reload (2.0.11 never does): a new
      // database is read here, on the broker thread, so a bad path is refused at once.
      state.table->adopt(watch_database(state), unix_now());
    } catch (const std::exception& error) {
      state.log->error("reload refused, cannot read database '{}': {}",
                       policy::printable(registry_location(state.options)), error.what());
      state.options = std::move(previous);
      return;
    }
  }
  state.log->set_level(state.options.log_level);
  state.table->set_options(table_options(state.options, state.shadow));
  state.next_stats = 0;
  state.log->warn(
      "options reloaded: db='{}' identity={} client_id={} stale_limit={}s "
      "dry_run={} stats_interval={}s poll_interval={}ms",
      policy::printable(registry_location(state.options)),
      policy::to_string(state.options.connect.identity_source),
      policy::to_string(state.options.connect.client_id_rule), state.options.stale_limit.count(),
      state.options.dry_run, state.options.stats_interval.count(),
      state.options.poll_interval.count());
}

}  // namespace

int on_reload(int /*event*/, void* event_data, void* userdata) {
  auto& state = *static_cast<PluginState*>(userdata);
  const auto* data = static_cast<const mosquitto_evt_reload*>(event_data);
  // mosquitto now re-runs BASIC_AUTH for every connected client while iterating over them.
  state.reauthenticating = true;
  try {
    if (data->options == nullptr || data->option_count == 0) {
      reread_database(state);
    } else {
      auto parsed = parse_plugin_options(read_option_pairs(data->options, data->option_count));
      if (const auto* error = std::get_if<OptionsError>(&parsed)) {
        state.log->error("reload refused, keeping the running options: {}", error->message);
      } else {
        apply_options(state, std::get<PluginOptions>(std::move(parsed)));
      }
    }
  } catch (const std::exception& error) {
    state.log->error("reload failed, keeping the running options and registry: {}", error.what());
  }
  // Other plugins get the event too.
  return MOSQ_ERR_PLUGIN_DEFER;
}

}  // namespace certacl::plugin
