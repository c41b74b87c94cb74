// MOSQ_EVT_BASIC_AUTH: the connect-time check. The listener keeps use_identity_as_username
// off so that this runs at all; the certificate is read here and the device name becomes
// the MQTT username.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <openssl/x509.h>

#include "callbacks.h"
#include "certacl/openssl_handles.h"
#include "connect_check.h"
#include "presented_certificate.h"

namespace certacl::plugin {
namespace {

void log_denial(const PluginState& state, const policy::ConnectVerdict& verdict,
                std::string_view client_id) {
  state.log->warn("{}connect device='{}' serial={} client_id='{}' reason={}",
                  state.options.dry_run ? "DRY-RUN would DENY " : "DENY ",
                  policy::printable(verdict.device), verdict.serial.empty() ? "-" : verdict.serial,
                  policy::printable(client_id), policy::describe(verdict.decision.reason));
}

policy::ConnectVerdict decide(PluginState& state, mosquitto* client, std::string_view client_id,
                              std::int64_t now) {
  const X509Ptr certificate(static_cast<X509*>(mosquitto_client_certificate(client)));
  const auto facts = policy::read_presented_certificate(certificate.get());
  policy::ConnectVerdict verdict =
      policy::check_connect(facts ? &*facts : nullptr, certificate != nullptr, client_id,
                            *state.registry, state.options.connect, now);
  // A registry nobody has been able to read for longer than the stale limit may be
  // missing revocations: refuse new connections, but still say who was refused.
  if (verdict.decision.allowed() && registry_stale(state, now)) {
    verdict.decision = policy::Decision::deny(policy::Reason::kDatabaseStale);
  }
  return verdict;
}

}  // namespace

int on_basic_auth(int /*event*/, void* event_data, void* userdata) {
  auto& state = *static_cast<PluginState*>(userdata);
  auto* data = static_cast<mosquitto_evt_basic_auth*>(event_data);
  mosquitto* client = data->client;
  try {
    const char* raw_client_id = mosquitto_client_id(client);
    const std::string_view client_id = raw_client_id ? raw_client_id : "";
    const std::int64_t now = unix_now();
    const policy::ConnectVerdict verdict = decide(state, client, client_id, now);
    state.counters.count(policy::Check::kConnect, verdict.decision);

    if (!verdict.decision.allowed()) {
      log_denial(state, verdict, client_id);
      state.sessions.erase(client);
      return state.options.dry_run ? MOSQ_ERR_SUCCESS : MOSQ_ERR_AUTH;
    }
    ClientSession session{verdict.device,
                          std::string(client_id),
                          verdict.serial,
                          verdict.role,
                          verdict.not_after,
                          policy::ClientAcl::bind(state.registry->policy_for_role(verdict.role),
                                                  verdict.device, client_id)};
    if (session.acl.rejected_rule_count() > 0) {
      state.log->error(
          "role '{}' has {} invalid rule pattern(s); they were skipped and a bad "
          "deny rule closes its action for device '{}'",
          verdict.role, session.acl.rejected_rule_count(), verdict.device);
    }
    if (mosquitto_set_username(client, verdict.device.c_str()) != MOSQ_ERR_SUCCESS) {
      state.log->error("DENY connect device='{}' serial={}: cannot set the MQTT username",
                       verdict.device, verdict.serial);
      return MOSQ_ERR_AUTH;
    }
    state.log->info("ALLOW connect device='{}' serial={} client_id='{}' role='{}' rules={}",
                    verdict.device, verdict.serial, policy::printable(client_id), verdict.role,
                    session.acl.rule_count());
    state.sessions.insert_or_assign(client, std::move(session));
    return MOSQ_ERR_SUCCESS;
  } catch (const std::exception& error) {
    // Out of memory or a certificate OpenSSL cannot print: refuse, never crash the broker.
    state.sessions.erase(client);
    state.log->error("DENY connect: internal error: {}", error.what());
    return MOSQ_ERR_AUTH;
  }
}

}  // namespace certacl::plugin
