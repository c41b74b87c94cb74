#include "safe_point.h"

namespace certacl::plugin {
namespace {

spdlog::level::level_enum spdlog_level(policy::LogLevel level) noexcept {
  switch (level) {
    case policy::LogLevel::kTrace:
      return spdlog::level::trace;
    case policy::LogLevel::kDebug:
      return spdlog::level::debug;
    case policy::LogLevel::kInfo:
      return spdlog::level::info;
    case policy::LogLevel::kWarn:
      return spdlog::level::warn;
    default:
      return spdlog::level::err;
  }
}

}  // namespace

void adopt_pending(PluginState& state, std::int64_t now) {
  if (!state.watcher->has_new()) return;
  if (auto fresh = state.watcher->take_new()) {
    state.table->adopt(std::move(fresh), now);
    hand_back_free_pages();  // what the snapshot replaced was freed just now
  }
}

void catch_up(PluginState& state, std::int64_t now) {
  state.reauthenticating = false;
  adopt_pending(state, now);
  state.table->expire(now);
  if (!state.tick_seen && !state.tickless_reported && now - state.started_at >= 2) {
    state.tickless_reported = true;
    state.log->warn(
        "mosquitto runs no TICK for this plugin (per_listener_settings true): registry "
        "changes are adopted in the client callbacks and clients are kicked at the next "
        "connect or publish on this listener; until then every check of a revoked client "
        "is denied");
  }
}

void carry_out(PluginState& state, const mosquitto* current, bool may_kick) {
  if (state.table->has_effects()) {
    policy::Effects effects = state.table->take_effects();
    for (const policy::LogEvent& event : effects.lines) {
      state.log->log(spdlog_level(event.level), "{}", event.line);
    }
    for (policy::KickOrder& order : effects.kicks) state.kicks.add(std::move(order));
  }
  if (may_kick && !state.kicks.empty()) state.kicks.kick_all(current);
}

}  // namespace certacl::plugin
