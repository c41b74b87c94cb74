#include "postgres_connect_probe.h"

#include <fmt/format.h>

#include <stdexcept>

namespace certacl::plugin {

std::shared_ptr<const policy::RegistrySnapshot> PostgresConnectProbe::fresher_for(
    std::string_view /*serial*/, std::int64_t in_force_counter, std::int64_t /*now*/) {
  const std::int64_t announced = watcher_.known_counter();
  if (announced <= in_force_counter) return nullptr;  // every quiet connect: one atomic load
  // Waited in vain before, and the watcher has not read the database since: do not stall
  // every connect of an outage.
  if (gave_up_at_reads_ && *gave_up_at_reads_ == watcher_.reads()) {
    throw std::runtime_error(fmt::format(
        "change {} was announced but the registry watcher has not read it yet", announced));
  }
  PostgresSnapshotWatcher::CatchUp caught = watcher_.wait_until_read(wait_);
  if (!caught.caught_up) {
    gave_up_at_reads_ = caught.reads;
    throw std::runtime_error(
        fmt::format("change {} was announced but not read within {} ms", announced, wait_.count()));
  }
  gave_up_at_reads_.reset();
  if (caught.pending && caught.pending->change_counter() > in_force_counter) {
    return std::move(caught.pending);
  }
  return nullptr;
}

}  // namespace certacl::plugin
