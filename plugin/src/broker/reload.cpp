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
  for (int i = 0; i < count; ++i) {
    pairs.emplace_back(options[i].key ? options[i].key : "",
                       options[i].value ? options[i].value : "");
  }
  return pairs;
}

int on_reload(int /*event*/, void* event_data, void* userdata) {
  auto& state = *static_cast<PluginState*>(userdata);
  const auto* data = static_cast<const mosquitto_evt_reload*>(event_data);
  try {
    auto parsed = parse_plugin_options(read_option_pairs(data->options, data->option_count));
    if (const auto* error = std::get_if<OptionsError>(&parsed)) {
      state.log->error("reload refused, keeping the running options: {}", error->message);
      return MOSQ_ERR_SUCCESS;
    }
    PluginOptions fresh = std::get<PluginOptions>(std::move(parsed));
    const bool database_changed = fresh.db_path != state.options.db_path ||
                                  fresh.poll_interval != state.options.poll_interval;
    PluginOptions previous = std::exchange(state.options, std::move(fresh));
    if (database_changed) {
      try {
        adopt_snapshot(state, watch_database(state), unix_now());
      } catch (const std::exception& error) {
        state.log->error("reload refused, cannot read database '{}': {}", state.options.db_path,
                         error.what());
        state.options = std::move(previous);
        return MOSQ_ERR_SUCCESS;
      }
    }
    state.log->set_level(state.options.log_level);
    state.next_stats = 0;
    state.log->warn(
        "options reloaded: db='{}' identity={} client_id={} stale_limit={}s "
        "dry_run={} stats_interval={}s poll_interval={}ms",
        state.options.db_path, policy::to_string(state.options.connect.identity_source),
        policy::to_string(state.options.connect.client_id_rule), state.options.stale_limit.count(),
        state.options.dry_run, state.options.stats_interval.count(),
        state.options.poll_interval.count());
  } catch (const std::exception& error) {
    state.log->error("reload failed, keeping the running options: {}", error.what());
  }
  return MOSQ_ERR_SUCCESS;
}

}  // namespace certacl::plugin
