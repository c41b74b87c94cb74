#pragma once
// The mosquitto event callbacks. Each receives the PluginState as userdata and runs on the
// broker's thread.

#include <memory>
#include <vector>

#include "plugin_state.h"

struct mosquitto_opt;

namespace certacl::plugin {

int on_basic_auth(int event, void* event_data, void* userdata);
int on_acl_check(int event, void* event_data, void* userdata);
int on_tick(int event, void* event_data, void* userdata);
int on_disconnect(int event, void* event_data, void* userdata);
int on_reload(int event, void* event_data, void* userdata);
int on_message(int event, void* event_data, void* userdata);

// The plugin_opt_* list mosquitto hands to init and reload, as plain strings.
[[nodiscard]] std::vector<OptionPair> read_option_pairs(const mosquitto_opt* options, int count);

// The registry's health lines and the $SYS statistics, when due. Run on TICK, and at
// connects and publishes when mosquitto runs no TICK (per_listener_settings true).
void housekeeping(PluginState& state, std::int64_t now);
// housekeeping() at most once a second, only while no TICK has been seen.
void tickless_housekeeping(PluginState& state, std::int64_t now);

// Publishes the decision counters under $SYS/broker/certacl/.
void publish_stats(const PluginState& state, std::int64_t now);

}  // namespace certacl::plugin
