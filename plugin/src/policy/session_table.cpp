#include "session_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "certacl/identity.h"
#include "client_id_ownership.h"
#include "rule_narrowing.h"

namespace certacl::policy {
namespace {

constexpr std::size_t kMaxSessionlessAcls = 4096;
// Addresses of deferred connections; mosquitto reuses a freed context's address, so this
// stays near the peak number of connections. The bound is a backstop: forgetting a mark only
// matters for a deferred client whose id or username a device registered later takes over,
// and such a client is then decided as that device's sessionless checks are.
constexpr std::size_t kMaxDeferredClients = 65536;

std::string_view dry_run_prefix(bool dry_run) noexcept {
  return dry_run ? "DRY-RUN would " : "";
}

// A refused client's own packets (PUBLISH, SUBSCRIBE) can end its connection at once;
// a delivery to it cannot (an error there would abort the delivery to other clients).
Answer refusal(Check check, bool refused_client) noexcept {
  return refused_client && (check == Check::kPublish || check == Check::kSubscribe)
             ? Answer::kDisconnect
             : Answer::kDeny;
}

std::uint64_t name_key(std::string_view name) noexcept {
  return TextHash{}(name);
}

Decision evaluate(const ClientAcl& acl, Check check, std::string_view topic) noexcept {
  switch (check) {
    case Check::kPublish:
      return acl.check_publish(topic);
    case Check::kSubscribe:
      return acl.check_subscribe(topic);
    default:
      return acl.check_read(topic);
  }
}

}  // namespace

std::string_view verb(Check check) noexcept {
  return slug(check);
}

SessionTable::SessionTable(SessionTableOptions options,
                           std::shared_ptr<const RegistrySnapshot> registry)
    : options_(std::move(options)), registry_(std::move(registry)) {}

// ---- the sessions and their indexes --------------------------------------------------

void SessionTable::index_names(ClientKey client, const Session& session, bool add) {
  const auto update = [client, add](SessionsByName& index, std::string_view name) {
    if (add) {
      index.emplace(name_key(name), client);
    } else {
      index.erase({name_key(name), client});
    }
  };
  update(sessions_by_name_, session.device);
  for_each_rival_owner(session.client_id, session.device,
                       [&](std::string_view name) { update(sessions_by_name_, name); });
}

void SessionTable::add_session(ClientKey client, Session session) {
  drop_session(client);
  index_names(client, sessions_.emplace(client, std::move(session)).first->second, true);
}

void SessionTable::drop_session(ClientKey client) {
  const auto found = sessions_.find(client);
  if (found == sessions_.end()) return;
  index_names(client, found->second, false);
  sessions_.erase(found);
}

std::vector<ClientKey> SessionTable::concerned_sessions(const ChangedSince& changed) const {
  std::vector<ClientKey> clients;
  const auto collect = [&clients](const SessionsByName& index, std::string_view name) {
    const auto [first, last] = index.equal_range(name_key(name));
    for (auto entry = first; entry != last; ++entry) clients.push_back(entry->second);
  };
  for (std::string_view device : changed.devices) collect(sessions_by_name_, device);
  // No index by role: a role change concerns a large share of the sessions anyway, and an
  // index entry per session costs 64 B (bench/plugin, certacl_adopt_bench). Comparing role
  // names is the cheapest pass over the table.
  if (!changed.roles.empty()) {
    for (const auto& [client, session] : sessions_) {
      if (std::find(changed.roles.begin(), changed.roles.end(), session.role) !=
          changed.roles.end()) {
        clients.push_back(client);
      }
    }
  }
  std::sort(clients.begin(), clients.end());
  clients.erase(std::unique(clients.begin(), clients.end()), clients.end());
  return clients;
}

// ---- outbox ---------------------------------------------------------------------------

Effects SessionTable::take_effects() {
  Effects out;
  std::swap(out, effects_);
  return out;
}

void SessionTable::log(LogLevel level, std::string line) {
  effects_.lines.push_back({level, std::move(line)});
}

bool SessionTable::enforce(Check check, Decision decision) {
  if (decision.allowed()) {
    counters_.count(check, decision);
    return true;
  }
  if (options_.dry_run) {
    counters_.count_would_deny(check, decision.reason);
    return true;
  }
  counters_.count(check, decision);
  return false;
}

void SessionTable::kick(Session& session, ClientKey client, Reason why) {
  // Once only: a session already on its way out (or, under dry_run, already reported)
  // is not kicked or reported again, so nothing repeats every second.
  if (session.standing != Reason::kAllowed) return;
  session.standing = why;
  if (options_.dry_run) {
    counters_.count_would_deny(Check::kKick, why);
  } else {
    counters_.count(Check::kKick, Decision::deny(why));
    effects_.kicks.push_back({client, session.client_id});
  }
  if (logs(LogLevel::kWarn)) {
    log(LogLevel::kWarn,
        fmt::format("{}kick device='{}' serial={} client_id='{}' reason={}",
                    dry_run_prefix(options_.dry_run), printable(session.device),
                    printable(session.serial), printable(session.client_id), describe(why)));
  }
}

// ---- per-message denials: counters first, lines rate-limited --------------------------

LogLevel SessionTable::denial_level(std::vector<DenialLogSlot>& slots, Check check, Reason reason,
                                    std::int64_t now, std::uint64_t& held_back) {
  for (DenialLogSlot& slot : slots) {
    if (slot.check != check || slot.reason != reason) continue;
    if (now < slot.quiet_until) {
      ++slot.held_back;
      return LogLevel::kDebug;
    }
    held_back = slot.held_back;
    slot.held_back = 0;
    slot.quiet_until = now + options_.denial_log_interval;
    return LogLevel::kInfo;
  }
  slots.push_back({check, reason, now + options_.denial_log_interval, 0});
  return LogLevel::kInfo;
}

void SessionTable::log_denial(std::vector<DenialLogSlot>& slots, Check check, Decision decision,
                              std::string_view device, std::string_view client_id,
                              std::string_view topic, std::string_view note, std::int64_t now) {
  if (!logs(LogLevel::kInfo) && !logs(LogLevel::kDebug)) return;
  std::uint64_t held_back = 0;
  const LogLevel level = denial_level(slots, check, decision.reason, now, held_back);
  if (!logs(level)) return;
  std::string line = fmt::format("{}{} device='{}' client_id='{}' topic='{}' reason={}{}",
                                 options_.dry_run ? "DRY-RUN would DENY " : "DENY ", verb(check),
                                 printable(device), printable(client_id), printable(topic),
                                 describe(decision.reason), note);
  if (held_back > 0) {
    line += fmt::format(" ({} like it in the last {} s logged at debug only)", held_back,
                        options_.denial_log_interval);
  }
  log(level, std::move(line));
}

// ---- connect ----------------------------------------------------------------------------

void SessionTable::defer_client(const AdmitRequest& request) {
  if (deferred_clients_.size() >= kMaxDeferredClients) deferred_clients_.clear();
  deferred_clients_.insert(request.client);
  ++deferred_counts_[static_cast<std::size_t>(Check::kConnect)];
  if (logs(LogLevel::kInfo)) {
    log(LogLevel::kInfo,
        fmt::format("DEFER connect client_id='{}' username='{}': no client certificate; left to "
                    "mosquitto (password_file, acl_file, other plugins)",
                    printable(request.client_id), printable(request.username)));
  }
}

AdmitResult SessionTable::admit(const AdmitRequest& request) {
  const RegistrySnapshot& registry = *registry_;
  deferred_clients_.erase(request.client);
  ConnectVerdict verdict;
  if (!request.certificate_present && deferring()) {
    // Not certacl's client, unless it names a device: then it could take over that device's
    // session (same client id) or be decided as that device later (same username).
    const Reason clash = deferred_client_verdict(request.client_id, request.username, registry);
    if (clash == Reason::kAllowed) {
      drop_session(request.client);
      defer_client(request);
      AdmitResult deferred;
      deferred.defer = true;
      return deferred;
    }
    verdict.decision = Decision::deny(clash);
  } else {
    verdict = check_connect(request.certificate, request.certificate_present, request.client_id,
                            registry, options_.connect, request.now);
  }
  // The fresh read can only refuse: it closes the window after a revocation, but a
  // database file the watcher would refuse (replaced, tampered) must never let anyone in
  // or widen a role, so admission and rules still come from the snapshot in force.
  if (verdict.decision.allowed() && request.fresher) {
    const ConnectVerdict fresh =
        check_connect(request.certificate, request.certificate_present, request.client_id,
                      *request.fresher, options_.connect, request.now);
    if (!fresh.decision.allowed()) verdict.decision = fresh.decision;
  }
  // A registry nobody has been able to read for longer than the stale limit may be
  // missing revocations: refuse new connections, but still say who was refused.
  if (verdict.decision.allowed() && request.registry_stale) {
    verdict.decision = Decision::deny(Reason::kDatabaseStale);
  }
  drop_session(request.client);
  const bool accept = enforce(Check::kConnect, verdict.decision);
  if (!verdict.decision.allowed()) {
    if (logs(LogLevel::kWarn)) {
      log(LogLevel::kWarn,
          fmt::format("{}connect device='{}' serial={} client_id='{}' reason={}",
                      options_.dry_run ? "DRY-RUN would DENY " : "DENY ", printable(verdict.device),
                      verdict.serial.empty() ? "-" : printable(verdict.serial),
                      printable(request.client_id), describe(verdict.decision.reason)));
    }
    if (!accept) return {};
  }

  // Allowed, or refused under dry_run: the session records who this is so that every
  // later check reports the decision that would really have been taken.
  const RegisteredDevice* device = registry.find_device(verdict.device);
  Session session;
  session.device = device ? device->name() : verdict.device;
  session.client_id = std::string(request.client_id);
  session.serial = verdict.serial;
  session.role = device ? std::string(device->role()) : std::string();
  session.not_after = verdict.decision.allowed() ? verdict.not_after : 0;
  session.standing = verdict.decision.reason;
  if (device) session.rules_in_force = registry.policy_for_role(session.role);
  if (device && !request.client_id.empty() &&
      certacl::client_id_problem(request.client_id).empty()) {
    session.acl = ClientAcl::bind(session.rules_in_force, session.device, request.client_id);
  }
  compile_shadow(session);
  if (session.acl.rejected_rule_count() > 0 && logs(LogLevel::kError)) {
    log(LogLevel::kError,
        fmt::format("role '{}' has {} invalid rule pattern(s); they were skipped and a bad "
                    "deny rule closes its action for device '{}'",
                    printable(session.role), session.acl.rejected_rule_count(),
                    printable(session.device)));
  }
  if (verdict.decision.allowed() && logs(LogLevel::kInfo)) {
    log(LogLevel::kInfo,
        fmt::format("ALLOW connect device='{}' serial={} client_id='{}' role='{}' rules={}{}",
                    printable(session.device), printable(session.serial),
                    printable(session.client_id), printable(session.role), session.acl.rule_count(),
                    request.fresher ? " (re-checked on a fresh read: the registry changed)" : ""));
  }
  AdmitResult result;
  result.accept = true;
  if (device) result.username = device->name();
  add_session(request.client, std::move(session));
  return result;
}

// ---- access checks ----------------------------------------------------------------------

std::int64_t SessionTable::now() const {
  return options_.clock ? options_.clock() : static_cast<std::int64_t>(std::time(nullptr));
}

Answer SessionTable::check(ClientKey client, Check check, std::string_view topic) {
  const auto found = sessions_.find(client);
  if (found == sessions_.end()) return Answer::kNoSession;
  Session& session = found->second;
  const Decision decision = session.standing == Reason::kAllowed
                                ? evaluate(session.acl, check, topic)
                                : Decision::deny(session.standing);
  if (options_.shadow && session.standing == Reason::kAllowed) {
    compare_with_shadow(session, check, topic, decision);
  }
  if (decision.allowed()) {
    counters_.count(check, decision);
    return Answer::kAllow;
  }
  const bool allowed = enforce(check, decision);
  log_denial(session.denial_log, check, decision, session.device, session.client_id, topic,
             session.standing == Reason::kAllowed ? "" : " (session refused)", now());
  if (allowed) return Answer::kAllow;
  return refusal(check, session.standing != Reason::kAllowed);
}

const ClientAcl& SessionTable::sessionless_acl(std::string_view device, std::string_view role,
                                               std::string_view client_id) {
  std::string key;
  key.reserve(device.size() + client_id.size() + 1);
  key.append(device).push_back('\n');
  key.append(client_id);
  const auto found = sessionless_acls_.find(key);
  if (found != sessionless_acls_.end()) return found->second;
  if (sessionless_acls_.size() >= kMaxSessionlessAcls) sessionless_acls_.clear();
  return sessionless_acls_
      .emplace(std::move(key), ClientAcl::bind(registry_->policy_for_role(role), device, client_id))
      .first->second;
}

Answer SessionTable::check_sessionless(const SessionlessRequest& request, Check check,
                                       std::string_view topic) {
  Decision decision = Decision::deny(Reason::kNotAuthenticated);
  std::string_view note = " (live connection without a certacl session)";
  if (request.live_connection) {
    // The broker let this client in without asking the plugin: refuse all it does and end
    // the connection.
    if (!request.client_id.empty() && sessions_.count(request.client) == 0) {
      Session session;
      session.device.assign(request.username.data(), request.username.size());
      session.client_id.assign(request.client_id.data(), request.client_id.size());
      session.serial.push_back('-');
      kick(session, request.client, Reason::kNotAuthenticated);
      add_session(request.client, std::move(session));
    }
  } else if (deferring() && deferred_client_verdict(request.client_id, request.username,
                                                    *registry_) == Reason::kAllowed) {
    // Neither its client id nor its username is a device's: never a certacl identity (a
    // deferred client, its will or offline queue, the source of its retained message).
    ++deferred_counts_[static_cast<std::size_t>(check)];
    return Answer::kDefer;
  } else if (deferring() && deferred_clients_.count(request.client) > 0) {
    // Deferred at connect, and a device registered since owns its id or name: it must get
    // neither that device's rights nor mosquitto's.
    decision = Decision::deny(Reason::kDeviceNamespace);
    note = " (deferred at connect; a device registered since owns its client id or username)";
  } else {
    note = " (no live session: decided from the registry)";
    const bool usable_identity = !request.username.empty() && !request.client_id.empty() &&
                                 certacl::client_id_problem(request.client_id).empty();
    decision = usable_identity ? device_standing(request.username, *registry_, request.now)
                               : Decision::deny(Reason::kUnknownDevice);
    if (decision.allowed()) {
      const RegisteredDevice* device = registry_->find_device(request.username);
      decision = evaluate(sessionless_acl(device->name(), device->role(), request.client_id), check,
                          topic);
    }
  }
  const bool allowed = enforce(check, decision);
  if (!decision.allowed()) {
    log_denial(sessionless_denial_log_, check, decision,
               request.username.empty() ? "-" : request.username, request.client_id, topic, note,
               request.now);
  }
  if (allowed) return Answer::kAllow;
  return refusal(check, request.live_connection);
}

void SessionTable::end(ClientKey client) {
  drop_session(client);
}

// ---- registry changes and expiry --------------------------------------------------------

void SessionTable::compile_shadow(Session& session) {
  if (!options_.shadow || session.role.empty()) return;
  session.shadow_acl = ClientAcl::compile(options_.shadow->rules_for_role(session.role),
                                          session.device, session.client_id);
}

void SessionTable::compare_with_shadow(const Session& session, Check check, std::string_view topic,
                                       Decision enforced) {
  const Decision candidate = evaluate(session.shadow_acl, check, topic);
  shadow_counters_.count(check, candidate);
  if (candidate.allowed() == enforced.allowed()) return;
  ++shadow_disagreements_[static_cast<std::size_t>(check)];
  if (logs(LogLevel::kDebug)) {
    log(LogLevel::kDebug,
        fmt::format("SHADOW would {} {} device='{}' client_id='{}' topic='{}' reason={} "
                    "(enforced: {})",
                    candidate.allowed() ? "ALLOW" : "DENY", verb(check), printable(session.device),
                    printable(session.client_id), printable(topic), describe(candidate.reason),
                    describe(enforced.reason)));
  }
}

void SessionTable::recompile(Session& session, std::string_view role) {
  session.role = std::string(role);
  session.rules_in_force = registry_->policy_for_role(role);
  session.acl = ClientAcl::bind(session.rules_in_force, session.device, session.client_id);
  compile_shadow(session);
  if (logs(LogLevel::kInfo)) {
    log(LogLevel::kInfo, fmt::format("recompiled ACL device='{}' client_id='{}' role='{}' rules={}",
                                     printable(session.device), printable(session.client_id),
                                     printable(role), session.acl.rule_count()));
  }
}

void SessionTable::recheck(ClientKey client, Session& session, std::int64_t now,
                           AdoptTally& tally) {
  ++tally.rechecked;
  // Refused or on its way out: never compared again.
  if (session.standing != Reason::kAllowed) return;
  const RegistrySnapshot& registry = *registry_;
  const Decision still_valid = recheck_registration(session.device, session.serial, registry, now);
  if (!still_valid.allowed()) {
    kick(session, client, still_valid.reason);
    ++tally.kicked;
    return;
  }
  const RegisteredDevice* device = registry.find_device(session.device);
  // The client id rule may have changed (role set-client-id, device set-role), or a device
  // registered since may own this client id.
  if (const Reason client_id =
          client_id_verdict(session.client_id, *device, registry, options_.connect);
      client_id != Reason::kAllowed) {
    kick(session, client, client_id);
    ++tally.kicked;
    return;
  }
  const std::span<const RoleRule> before =
      session.rules_in_force ? session.rules_in_force->rules() : std::span<const RoleRule>();
  const std::span<const RoleRule> after = registry.rules_for_role(device->role());
  if (device->role() == session.role && session.rules_in_force && same_rules(before, after)) {
    return;
  }
  if (narrows_delivery(before, after)) {
    // Messages already queued for this client were checked under the old rules; ending
    // the session makes mosquitto re-check each of them when the client reconnects.
    kick(session, client, Reason::kRulesNarrowed);
    ++tally.kicked;
    if (!options_.dry_run) return;
    session.standing = Reason::kAllowed;  // dry_run: report the new rules from now on
  }
  recompile(session, device->role());
  ++tally.recompiled;
}

void SessionTable::adopt(std::shared_ptr<const RegistrySnapshot> fresh, std::int64_t now) {
  // Any doubt (a whole read, a snapshot not built from the one in force) re-checks all.
  const std::optional<ChangedSince> changed =
      registry_ ? fresh->changes_since(registry_->generation()) : std::nullopt;
  registry_ = std::move(fresh);
  sessionless_acls_.clear();
  const RegistrySnapshot& registry = *registry_;
  AdoptTally tally;
  if (changed) {
    for (ClientKey client : concerned_sessions(*changed)) {
      const auto found = sessions_.find(client);  // always there: indexed with sessions_
      if (found != sessions_.end()) recheck(client, found->second, now, tally);
    }
  } else {
    for (auto& [client, session] : sessions_) recheck(client, session, now, tally);
  }
  if (!changed) log_kept_revocations(registry);
  ++adoptions_.adoptions;
  if (!changed) ++adoptions_.whole;
  adoptions_.sessions_rechecked += tally.rechecked;
  if (logs(LogLevel::kInfo)) {
    log(LogLevel::kInfo,
        fmt::format("registry change {} adopted: {} devices, {} certificates, {} live "
                    "sessions ({} re-checked: {}), {} recompiled, {} {}kicked ({})",
                    registry.change_counter(), registry.device_count(),
                    registry.certificate_count(), sessions_.size(), tally.rechecked,
                    changed ? fmt::format("{} changed devices, {} changed roles",
                                          changed->devices.size(), changed->roles.size())
                            : std::string("all"),
                    tally.recompiled, tally.kicked, options_.dry_run ? "would be " : "",
                    registry.incremental() ? fmt::format("{} changes applied incrementally",
                                                         registry.applied_changes())
                                           : std::string("full read")));
  }
}

void SessionTable::log_kept_revocations(const RegistrySnapshot& registry) {
  const std::span<const KeptRevocation> kept = registry.kept_revocations();
  if (kept.empty() || !logs(LogLevel::kError)) return;
  constexpr std::size_t kNamed = 20;
  for (const KeptRevocation& revocation : kept.first(std::min(kept.size(), kNamed))) {
    log(LogLevel::kError,
        fmt::format("revocation lost by the registry, kept in force here: device='{}' "
                    "serial={} was revoked in the registry this broker had and is not in the "
                    "one read now (change {}); revoke it again with certacl-ca (a failover to a "
                    "standby that had not received it, or a restored backup?)",
                    printable(revocation.device), revocation.serial.text(),
                    registry.change_counter()));
  }
  if (kept.size() > kNamed) {
    log(LogLevel::kError,
        fmt::format("{} more revocations lost by the registry are kept in force here",
                    kept.size() - kNamed));
  }
}

void SessionTable::expire(std::int64_t now) {
  if (now < next_expiry_scan_) return;
  next_expiry_scan_ = now + 1;
  for (auto& [client, session] : sessions_) {
    if (session.standing == Reason::kAllowed && now > session.not_after) {
      kick(session, client, Reason::kCertificateExpired);
    }
  }
}

}  // namespace certacl::policy
