// Decision counters under $SYS/broker/certacl/ (documented in docs/PLUGIN.md), retained so
// a dashboard that subscribes late still sees the latest figures.
#include <fmt/format.h>
#include <mosquitto.h>
#include <mosquitto_broker.h>

#include "callbacks.h"

namespace certacl::plugin {
namespace {

constexpr std::string_view kRoot = "$SYS/broker/certacl";

void publish(const std::string& topic, const std::string& payload) {
  mosquitto_broker_publish_copy(nullptr, topic.c_str(), static_cast<int>(payload.size()),
                                payload.data(), 0, true, nullptr);
}

void publish_number(std::string_view path, std::uint64_t value) {
  publish(fmt::format("{}/{}", kRoot, path), std::to_string(value));
}

}  // namespace

void publish_stats(const PluginState& state, std::int64_t now) {
  using policy::Check;
  const policy::DecisionCounters& counters = state.table->counters();
  const policy::RegistrySnapshot& registry = state.table->registry();
  for (std::size_t check_index = 0; check_index < policy::kCheckCount; ++check_index) {
    const auto check = static_cast<Check>(check_index);
    const std::string_view check_name = policy::slug(check);
    if (check != Check::kKick) {
      publish_number(fmt::format("{}/allowed", check_name), counters.allowed(check));
    }
    publish_number(fmt::format("{}/denied", check_name), counters.denied(check));
    for (std::size_t reason_index = 1; reason_index < policy::kReasonCount; ++reason_index) {
      const auto reason = static_cast<policy::Reason>(reason_index);
      const std::uint64_t count = counters.get(check, reason);
      if (count == 0) continue;
      publish_number(fmt::format("{}/denied/{}", check_name, policy::slug(reason)), count);
    }
    if (state.options.connect.other_listeners == policy::OtherListeners::kDefer &&
        check != Check::kKick) {
      publish_number(fmt::format("{}/deferred", check_name), state.table->deferred(check));
    }
    if (!state.options.dry_run && counters.would_deny(check) == 0) continue;
    publish_number(fmt::format("{}/would_deny", check_name), counters.would_deny(check));
    for (std::size_t reason_index = 1; reason_index < policy::kReasonCount; ++reason_index) {
      const auto reason = static_cast<policy::Reason>(reason_index);
      const std::uint64_t count = counters.get_would_deny(check, reason);
      if (count == 0) continue;
      publish_number(fmt::format("{}/would_deny/{}", check_name, policy::slug(reason)), count);
    }
  }
  if (state.shadow) {
    const policy::DecisionCounters& shadow = state.table->shadow_counters();
    for (std::size_t check_index = 0; check_index < policy::kCheckCount; ++check_index) {
      const auto check = static_cast<Check>(check_index);
      if (check == Check::kConnect || check == Check::kKick) continue;
      const std::string_view check_name = policy::slug(check);
      publish_number(fmt::format("shadow/{}/allowed", check_name), shadow.allowed(check));
      publish_number(fmt::format("shadow/{}/denied", check_name), shadow.denied(check));
      publish_number(fmt::format("shadow/{}/differs", check_name),
                     state.table->shadow_disagreements(check));
    }
  }
  publish_number("sessions", state.table->size());
  publish_number("registry/devices", registry.device_count());
  publish_number("registry/certificates", registry.certificate_count());
  publish_number("registry/change_counter", static_cast<std::uint64_t>(registry.change_counter()));
  const policy::AdoptionCounts& adoptions = state.table->adoption_counts();
  publish_number("registry/adoptions", adoptions.adoptions);
  publish_number("registry/adoptions_all_sessions", adoptions.whole);
  publish_number("registry/sessions_rechecked", adoptions.sessions_rechecked);
  const std::int64_t age = registry_age(state, now);
  publish_number("registry/age_seconds", static_cast<std::uint64_t>(age < 0 ? 0 : age));
  publish_number("registry/stale", registry_stale(state, now) ? 1 : 0);
}

}  // namespace certacl::plugin
