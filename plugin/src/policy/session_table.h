#pragma once
// Every decision the plugin takes about connections, in one object that knows nothing about
// mosquitto: admit a connect, check an access (with or without a live session), end a
// session, adopt a new registry snapshot, expire certificates. Verdicts are returned; what
// the broker must do besides answering (clients to kick, lines to log) is left in an outbox
// that the adapter empties with take_effects() and carries out. dry_run lives here too: the
// table answers "allow" but reports, logs and counts the decision it would have taken.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "client_acl.h"
#include "connect_check.h"
#include "decision_counters.h"
#include "registry_snapshot.h"
#include "shadow_rules.h"
#include "text_lookup.h"

namespace certacl::policy {

// Identifies one connection (the broker's client pointer); never dereferenced here.
using ClientKey = const void*;

enum class LogLevel : std::uint8_t { kTrace, kDebug, kInfo, kWarn, kError, kOff };

struct LogEvent {
  LogLevel level;
  std::string line;  // every untrusted value already escaped (log_escape.h)
};

struct KickOrder {
  ClientKey client;
  std::string client_id;  // what mosquitto_kick_client_by_clientid needs; never empty
};

struct Effects {
  std::vector<KickOrder> kicks;
  std::vector<LogEvent> lines;
};

// What adopt() has looked at, for tests, benches and the stats.
struct AdoptionCounts {
  std::uint64_t adoptions = 0;
  std::uint64_t whole = 0;               // adoptions that looked at every live session
  std::uint64_t sessions_rechecked = 0;  // live sessions looked at, over all adoptions
};

struct SessionTableOptions {
  ConnectPolicy connect;
  bool dry_run = false;
  LogLevel log_level = LogLevel::kInfo;
  // A per-message denial is logged at info at most once per this many seconds for each
  // session, check and reason (with the number held back); the others go to debug.
  std::int64_t denial_log_interval = 10;
  // Unix seconds; read only when a denial is logged (the hot path never asks the time).
  std::int64_t (*clock)() = nullptr;  // nullptr: std::time
  // Candidate rules decided beside the enforced ones for every live session (never
  // enforced); nullptr: none.
  std::shared_ptr<const ShadowRules> shadow;
};

struct AdmitRequest {
  ClientKey client = nullptr;
  const PresentedCertificate* certificate = nullptr;  // nullptr: none, or unreadable
  bool certificate_present = false;
  std::string_view client_id;
  std::string_view username;  // as the client sent it (none: empty)
  bool registry_stale = false;
  // A one-device registry read at connect because the database changed after the snapshot
  // in force was built. It can only refuse what the snapshot allows, never admit more.
  std::shared_ptr<const RegistrySnapshot> fresher;
  std::int64_t now = 0;
};

struct AdmitResult {
  bool accept = false;  // the broker's answer (true under dry_run)
  // Not certacl's client (no certificate, OtherListeners::kDefer): answer "not mine" and let
  // mosquitto's password_file or another plugin decide. `accept` is false then.
  bool defer = false;
  std::string username;  // the MQTT username to set (the device name), empty: leave it
};

// A check for a client that has no live session: a will published after the connection
// closed, a message queued for an offline persistent session, the source of a retained
// message, or a live connection that never went through admit().
struct SessionlessRequest {
  ClientKey client = nullptr;
  bool live_connection = false;  // it still holds a TLS connection with a certificate
  std::string_view username;     // the plugin set it (the device name) or, for a client
                                 // certacl deferred, the client did; or empty
  std::string_view client_id;
  std::int64_t now = 0;
};

// kDisconnect: deny, and the client must not stay connected (its session is being kicked,
// or it never passed admit()). Only for PUBLISH and SUBSCRIBE, which mosquitto answers by
// closing the connection itself when the plugin returns an error other than "denied".
// kDefer: not certacl's client (OtherListeners::kDefer): mosquitto's acl_file or another
// plugin decides.
enum class Answer : std::uint8_t { kAllow, kDeny, kDisconnect, kNoSession, kDefer };

class SessionTable {
 public:
  SessionTable(SessionTableOptions options, std::shared_ptr<const RegistrySnapshot> registry);

  AdmitResult admit(const AdmitRequest& request);
  // kNoSession when the client has none: ask check_sessionless() then.
  [[nodiscard]] Answer check(ClientKey client, Check check, std::string_view topic);
  // Never kNoSession; kDisconnect only for a live connection.
  [[nodiscard]] Answer check_sessionless(const SessionlessRequest& request, Check check,
                                         std::string_view topic);
  void end(ClientKey client);
  // Puts `fresh` in force: revoked or disabled sessions are kicked, sessions whose delivery
  // rights narrowed are kicked, other changed roles are recompiled in place. Only the
  // sessions `fresh` says may have changed since the snapshot in force are re-checked
  // (RegistrySnapshot::changes_since): those of a changed device or role, and those whose
  // client id a changed device name could own; all of them when it cannot say.
  void adopt(std::shared_ptr<const RegistrySnapshot> fresh, std::int64_t now);
  // Kicks sessions whose certificate has expired; at most one scan per second. adopt()
  // leaves untouched sessions to this clock-driven scan.
  void expire(std::int64_t now);

  [[nodiscard]] Effects take_effects();
  [[nodiscard]] bool has_effects() const noexcept {
    return !effects_.kicks.empty() || !effects_.lines.empty();
  }

  void set_options(const SessionTableOptions& options) noexcept { options_ = options; }
  [[nodiscard]] const SessionTableOptions& options() const noexcept { return options_; }
  [[nodiscard]] const RegistrySnapshot& registry() const noexcept { return *registry_; }
  [[nodiscard]] const std::shared_ptr<const RegistrySnapshot>& registry_ptr() const noexcept {
    return registry_;
  }
  [[nodiscard]] const DecisionCounters& counters() const noexcept { return counters_; }
  // Decisions of the shadow rules, and how many of them differ from the enforced ones.
  [[nodiscard]] const DecisionCounters& shadow_counters() const noexcept {
    return shadow_counters_;
  }
  [[nodiscard]] std::uint64_t shadow_disagreements(Check check) const noexcept {
    return shadow_disagreements_[static_cast<std::size_t>(check)];
  }
  // Checks left to mosquitto (OtherListeners::kDefer), by check.
  [[nodiscard]] std::uint64_t deferred(Check check) const noexcept {
    return deferred_counts_[static_cast<std::size_t>(check)];
  }
  [[nodiscard]] const AdoptionCounts& adoption_counts() const noexcept { return adoptions_; }
  [[nodiscard]] std::size_t size() const noexcept { return sessions_.size(); }
  [[nodiscard]] bool has_session(ClientKey client) const { return sessions_.count(client) > 0; }

 private:
  struct DenialLogSlot {
    Check check;
    Reason reason;
    std::int64_t quiet_until;
    std::uint64_t held_back;
  };
  struct Session {
    std::string device;
    std::string client_id;
    std::string serial;
    std::string role;
    std::int64_t not_after = 0;
    ClientAcl acl;
    ClientAcl shadow_acl;  // compiled only when shadow rules are configured
    // The role's policy the ACL was bound from (its rules, unsubstituted), to tell later
    // whether they changed. Not the snapshot: adopt() leaves most sessions untouched, and
    // an old snapshot per session would keep every replaced shard alive.
    std::shared_ptr<const RolePolicy> rules_in_force;
    // kAllowed, or why this session is refused: the connect would have been refused
    // (dry_run), or it is being kicked. Every check then answers with this reason.
    Reason standing = Reason::kAllowed;
    std::vector<DenialLogSlot> denial_log;
  };

  bool enforce(Check check, Decision decision);
  void kick(Session& session, ClientKey client, Reason why);
  void log(LogLevel level, std::string line);
  [[nodiscard]] bool logs(LogLevel level) const noexcept { return level >= options_.log_level; }
  // Info for the first denial of a kind in an interval, debug for the others.
  LogLevel denial_level(std::vector<DenialLogSlot>& slots, Check check, Reason reason,
                        std::int64_t now, std::uint64_t& held_back);
  void log_denial(std::vector<DenialLogSlot>& slots, Check check, Decision decision,
                  std::string_view device, std::string_view client_id, std::string_view topic,
                  std::string_view note, std::int64_t now);
  void recompile(Session& session, std::string_view role);
  struct AdoptTally {
    std::size_t rechecked = 0;
    std::size_t recompiled = 0;
    std::size_t kicked = 0;
  };
  void recheck(ClientKey client, Session& session, std::int64_t now, AdoptTally& tally);
  // One error line per revocation the registry lost and this broker keeps (at most 20).
  void log_kept_revocations(const RegistrySnapshot& registry);
  // The live sessions `changed` may concern, each once.
  [[nodiscard]] std::vector<ClientKey> concerned_sessions(const ChangedSince& changed) const;
  // sessions_ and its index change together, only through these.
  void add_session(ClientKey client, Session session);
  void drop_session(ClientKey client);
  void index_names(ClientKey client, const Session& session, bool add);
  void compile_shadow(Session& session);
  void compare_with_shadow(const Session& session, Check check, std::string_view topic,
                           Decision enforced);
  [[nodiscard]] std::int64_t now() const;
  const ClientAcl& sessionless_acl(std::string_view device, std::string_view role,
                                   std::string_view client_id);
  void defer_client(const AdmitRequest& request);
  [[nodiscard]] bool deferring() const noexcept {
    return options_.connect.other_listeners == OtherListeners::kDefer;
  }

  SessionTableOptions options_;
  std::shared_ptr<const RegistrySnapshot> registry_;
  std::unordered_map<ClientKey, Session> sessions_;
  // Live sessions by the hash of a name they depend on: their device, and the names that
  // could own their client id ahead of it (for_each_rival_owner). A hash shared by two
  // names only makes adopt() re-check a session too many.
  using NamedSession = std::pair<std::uint64_t, ClientKey>;
  struct ByName {  // also finds every session of one name hash (equal_range)
    using is_transparent = void;
    bool operator()(const NamedSession& a, const NamedSession& b) const noexcept {
      return a.first != b.first ? a.first < b.first : std::less<ClientKey>{}(a.second, b.second);
    }
    bool operator()(const NamedSession& a, std::uint64_t b) const noexcept { return a.first < b; }
    bool operator()(std::uint64_t a, const NamedSession& b) const noexcept { return a < b.first; }
  };
  using SessionsByName = std::set<NamedSession, ByName>;
  SessionsByName sessions_by_name_;
  AdoptionCounts adoptions_;
  // Connections certacl left to mosquitto at connect. Kept after DISCONNECT (mosquitto checks
  // the will afterwards and keeps an offline session's context); a reused address is
  // overwritten by its next connect.
  std::unordered_set<ClientKey> deferred_clients_;
  std::array<std::uint64_t, kCheckCount> deferred_counts_{};
  // Compiled ACLs for sessionless checks, by "device\nclient_id"; emptied on every adopt.
  TextMap<ClientAcl> sessionless_acls_;
  std::vector<DenialLogSlot> sessionless_denial_log_;
  DecisionCounters counters_;
  DecisionCounters shadow_counters_;
  std::array<std::uint64_t, kCheckCount> shadow_disagreements_{};
  Effects effects_;
  std::int64_t next_expiry_scan_ = 0;
};

[[nodiscard]] std::string_view verb(Check check) noexcept;

}  // namespace certacl::policy
