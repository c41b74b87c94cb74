#pragma once
// Where the adapter brings the session table up to date and carries out what it asked.
//
// mosquitto 2.0.11 runs TICK only with per_listener_settings false, so every callback
// catches up: a snapshot the watcher finished is adopted in the first callback after it,
// whatever that callback is. Kicking is more delicate: it frees a clean session's client
// id at once, so it is only done where mosquitto holds no pointer into another client:
//   TICK                         -> kick every queued client
//   BASIC_AUTH (a new connect)   -> kick every queued client (not during a SIGHUP re-check)
//   MESSAGE (a publish arrives)  -> kick every queued client but the publisher
//   ACL_CHECK, DISCONNECT        -> never (a delivery loop may hold the publisher's id);
//                                   the table already refuses every check of a queued client

#include <cstdint>

#include "plugin_state.h"

struct mosquitto;

namespace certacl::plugin {

// Adopts a pending snapshot. Cheap when there is none (one atomic load).
void adopt_pending(PluginState& state, std::int64_t now);
// Adopts a pending snapshot and kicks expired certificates (at most one scan a second).
void catch_up(PluginState& state, std::int64_t now);
// Writes the table's log lines and queues its kicks; when `may_kick`, kicks every queued
// client except `current` (whose own callback is running; it is kicked at the next point).
void carry_out(PluginState& state, const mosquitto* current, bool may_kick);

}  // namespace certacl::plugin
