#pragma once
// Client ids to disconnect. Kicking runs the broker's disconnect path, which fires our own
// DISCONNECT callback and so edits the session map: ids are collected while sessions are
// reviewed and kicked afterwards, on the broker thread.

#include <string>
#include <vector>

namespace certacl::plugin {

class KickQueue {
 public:
  void add(std::string client_id) { pending_.push_back(std::move(client_id)); }
  [[nodiscard]] bool empty() const noexcept { return pending_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return pending_.size(); }
  // Broker thread only. Returns how many clients were found and disconnected.
  std::size_t kick_all();

 private:
  std::vector<std::string> pending_;
};

}  // namespace certacl::plugin
