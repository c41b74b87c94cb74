#include "kick_queue.h"

#include <mosquitto.h>
#include <mosquitto_broker.h>

namespace certacl::plugin {

std::size_t KickQueue::kick_all() {
  std::vector<std::string> ids;
  ids.swap(pending_);
  std::size_t kicked = 0;
  for (const std::string& id : ids) {
    // A null id would kick every client; sessions always carry a non-empty one.
    if (id.empty()) continue;
    if (mosquitto_kick_client_by_clientid(id.c_str(), false) == MOSQ_ERR_SUCCESS) ++kicked;
  }
  return kicked;
}

}  // namespace certacl::plugin
