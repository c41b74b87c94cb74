#include "kick_queue.h"

#include <mosquitto.h>
#include <mosquitto_broker.h>

namespace certacl::plugin {

std::size_t KickQueue::kick_all(policy::ClientKey spared) {
  std::vector<policy::KickOrder> orders;
  orders.swap(pending_);
  std::size_t kicked = 0;
  for (policy::KickOrder& order : orders) {
    if (order.client == spared && spared != nullptr) {
      pending_.push_back(std::move(order));
      continue;
    }
    // A null id would kick every client; sessions always carry a non-empty one.
    if (order.client_id.empty()) continue;
    if (mosquitto_kick_client_by_clientid(order.client_id.c_str(), false) == MOSQ_ERR_SUCCESS) {
      ++kicked;
    }
  }
  return kicked;
}

}  // namespace certacl::plugin
