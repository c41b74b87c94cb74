// MOSQ_EVT_TICK: the broker's own thread, at least every 100 ms. Everything with side
// effects happens here: adopting a new registry snapshot, kicking revoked clients,
// recompiling changed roles, expiring certificates, health logging and statistics.
#include <mosquitto.h>
#include <mosquitto_broker.h>

#include <vector>

#include "callbacks.h"
#include "connect_check.h"

namespace certacl::plugin {
namespace {

constexpr std::int64_t kHealthLogEverySeconds = 10;

void queue_kick(PluginState& state, const ClientSession& session, policy::Decision why) {
  state.counters.count(policy::Check::kKick, why);
  state.log->warn("{}kick device='{}' serial={} client_id='{}' reason={}",
                  state.options.dry_run ? "DRY-RUN would " : "", session.device, session.serial,
                  policy::printable(session.client_id), policy::describe(why.reason));
  if (!state.options.dry_run) state.kicks.add(session.client_id);
}

void recompile(PluginState& state, ClientSession& session, const std::string& role) {
  session.role = role;
  session.acl = policy::ClientAcl::bind(state.registry->policy_for_role(role), session.device,
                                        session.client_id);
  state.log->info("recompiled ACL device='{}' client_id='{}' role='{}' rules={}", session.device,
                  policy::printable(session.client_id), role, session.acl.rule_count());
}

void expire_sessions(PluginState& state, std::int64_t now) {
  for (auto& [client, session] : state.sessions) {
    if (now > session.not_after) {
      queue_kick(state, session, policy::Decision::deny(policy::Reason::kCertificateExpired));
    }
  }
}

void report_health(PluginState& state, std::int64_t now) {
  const SnapshotWatcher::Health health = state.watcher->health();
  const std::int64_t age = now - health.last_success;
  const bool stale = age > state.options.stale_limit.count();
  if (health.last_error.empty()) {
    if (state.stale_reported || state.next_health_log != 0) {
      state.log->warn("database '{}' readable again; registry is current", state.options.db_path);
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
        state.options.db_path, age, state.options.stale_limit.count(), health.last_error);
  } else {
    state.log->error(
        "database unreadable: {}; keeping the snapshot read {} s ago (new "
        "connections refused after {} s)",
        health.last_error, age, state.options.stale_limit.count());
  }
  state.stale_reported = stale;
}

}  // namespace

void adopt_snapshot(PluginState& state, std::shared_ptr<const policy::RegistrySnapshot> fresh,
                    std::int64_t now) {
  const std::shared_ptr<const policy::RegistrySnapshot> previous = std::move(state.registry);
  state.registry = std::move(fresh);
  const policy::RegistrySnapshot& registry = *state.registry;
  std::size_t recompiled = 0;
  for (auto& [client, session] : state.sessions) {
    const policy::Decision still_valid =
        policy::recheck_registration(session.device, session.serial, registry, now);
    if (!still_valid.allowed()) {
      queue_kick(state, session, still_valid);
      continue;
    }
    const Device* device = registry.find_device(session.device);
    if (device->role != session.role || !registry.same_rules(session.role, *previous)) {
      recompile(state, session, device->role);
      ++recompiled;
    }
  }
  state.log->info(
      "registry change {} adopted: {} devices, {} certificates, {} live sessions, "
      "{} recompiled, {} to kick",
      registry.change_counter(), registry.device_count(), registry.certificate_count(),
      state.sessions.size(), recompiled, state.kicks.size());
}

int on_tick(int /*event*/, void* /*event_data*/, void* userdata) {
  auto& state = *static_cast<PluginState*>(userdata);
  try {
    const std::int64_t now = unix_now();
    if (auto fresh = state.watcher->take_new()) adopt_snapshot(state, std::move(fresh), now);
    if (now >= state.next_expiry_scan) {
      expire_sessions(state, now);
      state.next_expiry_scan = now + 1;
    }
    report_health(state, now);
    // Kicking runs our DISCONNECT callback, so it happens after the session loops.
    state.kicks.kick_all();
    if (state.options.stats_interval.count() > 0 && now >= state.next_stats) {
      publish_stats(state, now);
      state.next_stats = now + state.options.stats_interval.count();
    }
  } catch (const std::exception& error) {
    state.log->error("tick failed: {}", error.what());
  }
  state.sink->drain();
  return MOSQ_ERR_SUCCESS;
}

}  // namespace certacl::plugin
