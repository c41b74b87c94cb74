// MOSQ_EVT_DISCONNECT: the session ends with the connection, so a later ACL check for this
// client pointer finds nothing and is denied.
#include <mosquitto.h>
#include <mosquitto_broker.h>

#include "callbacks.h"

namespace certacl::plugin {

int on_disconnect(int /*event*/, void* event_data, void* userdata) {
  auto& state = *static_cast<PluginState*>(userdata);
  const auto* data = static_cast<const mosquitto_evt_disconnect*>(event_data);
  state.sessions.erase(data->client);
  return MOSQ_ERR_SUCCESS;
}

}  // namespace certacl::plugin
