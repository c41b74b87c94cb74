// MOSQ_EVT_MESSAGE: a PUBLISH has passed its ACL check and is about to be stored. The
// plugin does not change messages (it answers MOSQ_ERR_SUCCESS, leaving it untouched);
// the callback exists because, with no TICK under per_listener_settings true, a publish is
// a point where other clients can be kicked safely (see safe_point.h).
#include <mosquitto.h>
#include <mosquitto_broker.h>

#include "callbacks.h"
#include "safe_point.h"

namespace certacl::plugin {

int on_message(int /*event*/, void* event_data, void* userdata) {
  auto& state = *static_cast<PluginState*>(userdata);
  if (state.tick_seen) return MOSQ_ERR_SUCCESS;  // TICK does this every 100 ms
  const auto* data = static_cast<const mosquitto_evt_message*>(event_data);
  try {
    const std::int64_t now = unix_now();
    catch_up(state, now);
    carry_out(state, data->client, true);
    tickless_housekeeping(state, now);
  } catch (const std::exception& error) {
    state.log->error("catching up on a publish failed: {}", error.what());
  }
  return MOSQ_ERR_SUCCESS;
}

}  // namespace certacl::plugin
