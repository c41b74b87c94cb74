// MOSQ_EVT_DISCONNECT: the session ends with the connection. mosquitto fires this before
// it publishes the client's will and while an offline session keeps its queue: later
// checks for this client are decided from the registry by its username (acl_check.cpp).
#include <mosquitto.h>
#include <mosquitto_broker.h>

#include "callbacks.h"

namespace certacl::plugin {

int on_disconnect(int /*event*/, void* event_data, void* userdata) {
  auto& state = *static_cast<PluginState*>(userdata);
  const auto* data = static_cast<const mosquitto_evt_disconnect*>(event_data);
  state.table->end(data->client);
  return MOSQ_ERR_SUCCESS;
}

}  // namespace certacl::plugin
