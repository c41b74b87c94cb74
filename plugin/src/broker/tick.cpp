// MOSQ_EVT_TICK: the broker's own thread, at least every 100 ms (only with
// per_listener_settings false: see safe_point.h). Adopts a new registry snapshot, expires
// certificates, kicks what the session table asked for, logs the registry's health and
// publishes statistics.
#include <mosquitto.h>
#include <mosquitto_broker.h>

#include "callbacks.h"
#include "safe_point.h"

namespace certacl::plugin {
namespace {

constexpr std::int64_t kHealthLogEverySeconds = 10;

void report_health(PluginState& state, std::int64_t now) {
  const RegistryWatcher::Health health = state.watcher->health();
  const std::int64_t age = now - health.last_success;
  const bool stale = age > state.options.stale_limit.count();
  if (health.last_error.empty()) {
    if (state.stale_reported || state.next_health_log != 0) {
      state.log->warn("database '{}' readable again; registry is current",
                      policy::printable(registry_location(state.options)));
    }
    state.stale_reported = false;
    state.next_health_log = 0;
    return;
  }
  // Loud but rate-limited: one line per interval while the fault lasts.
  if (now < state.next_health_log && stale == state.stale_reported) return;
  state.next_health_log = now + kHealthLogEverySeconds;
  if (stale) {
    state.log->error(
        "database stale: '{}' unreadable for {} s (limit {} s): {}; refusing "
        "new connections, live sessions keep the last good rules",
        policy::printable(registry_location(state.options)), age, state.options.stale_limit.count(),
        policy::printable(health.last_error));
  } else {
    state.log->error(
        "database unreadable: {}; keeping the snapshot read {} s ago (new "
        "connections refused after {} s)",
        policy::printable(health.last_error), age, state.options.stale_limit.count());
  }
  state.stale_reported = stale;
}

}  // namespace

void housekeeping(PluginState& state, std::int64_t now) {
  report_health(state, now);
  if (state.options.stats_interval.count() > 0 && now >= state.next_stats) {
    publish_stats(state, now);
    state.next_stats = now + state.options.stats_interval.count();
  }
}

void tickless_housekeeping(PluginState& state, std::int64_t now) {
  if (state.tick_seen || now < state.next_tickless_housekeeping) return;
  state.next_tickless_housekeeping = now + 1;  // at most once a second, as on TICK
  housekeeping(state, now);
  state.sink->drain();
}

int on_tick(int /*event*/, void* /*event_data*/, void* userdata) {
  auto& state = *static_cast<PluginState*>(userdata);
  state.tick_seen = true;
  try {
    const std::int64_t now = unix_now();
    catch_up(state, now);
    carry_out(state, nullptr, true);
    housekeeping(state, now);
  } catch (const std::exception& error) {
    state.log->error("tick failed: {}", error.what());
  }
  state.sink->drain();
  return MOSQ_ERR_SUCCESS;
}

}  // namespace certacl::plugin
