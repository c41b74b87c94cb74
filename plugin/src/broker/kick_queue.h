#pragma once
// Clients to disconnect. Kicking runs the broker's disconnect path, which fires our own
// DISCONNECT callback and frees the client id of a clean session: it is only done at
// points where mosquitto holds no pointer into the client being kicked (see safe_point.h).

#include <string>
#include <vector>

#include "session_table.h"

namespace certacl::plugin {

class KickQueue {
 public:
  void add(policy::KickOrder order) { pending_.push_back(std::move(order)); }
  [[nodiscard]] bool empty() const noexcept { return pending_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return pending_.size(); }
  // Broker thread only. Kicks every queued client except `spared` (the client whose own
  // callback is running), which stays queued. Returns how many were found and kicked.
  std::size_t kick_all(policy::ClientKey spared = nullptr);

 private:
  std::vector<policy::KickOrder> pending_;
};

}  // namespace certacl::plugin
