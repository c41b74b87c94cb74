// MOSQ_EVT_BASIC_AUTH: the connect-time check. The listener keeps use_identity_as_username
// off so that this runs at all; the certificate is read here and the device name becomes
// the MQTT username.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <openssl/x509.h>

#include "callbacks.h"
#include "certacl/openssl_handles.h"
#include "presented_certificate.h"
#include "safe_point.h"

namespace certacl::plugin {
namespace {

// A connect that begins after certacl-ca returned must not be decided on an older
// snapshot: if the database moved past it, read this one certificate's registry entries.
std::shared_ptr<const policy::RegistrySnapshot> fresher_registry(
    PluginState& state, const policy::PresentedCertificate* facts, std::int64_t now) {
  if (facts == nullptr || state.reauthenticating) return nullptr;
  try {
    return state.probe->fresher_for(facts->serial, state.table->registry().change_counter(), now);
  } catch (const std::exception& error) {
    // Unreadable now: the snapshot decides, and the stale limit bounds how long.
    if (now >= state.next_probe_error_log) {
      state.next_probe_error_log = now + 10;
      state.log->warn("connect decided on the snapshot in force: {}", error.what());
    }
    return nullptr;
  }
}

}  // namespace

int on_basic_auth(int /*event*/, void* event_data, void* userdata) {
  auto& state = *static_cast<PluginState*>(userdata);
  auto* data = static_cast<mosquitto_evt_basic_auth*>(event_data);
  mosquitto* client = data->client;
  try {
    const std::int64_t now = unix_now();
    // catch_up() ends the SIGHUP re-check window, so remember it first.
    const bool reauthenticating = state.reauthenticating;
    catch_up(state, now);
    state.reauthenticating = reauthenticating;
    const char* raw_client_id = mosquitto_client_id(client);
    const char* raw_username = mosquitto_client_username(client);
    const X509Ptr certificate(static_cast<X509*>(mosquitto_client_certificate(client)));
    const auto facts = policy::read_presented_certificate(certificate.get());
    policy::AdmitRequest request;
    request.client = client;
    request.certificate = facts ? &*facts : nullptr;
    request.certificate_present = certificate != nullptr;
    request.client_id = raw_client_id ? raw_client_id : "";
    request.username = raw_username ? raw_username : "";
    request.registry_stale = registry_stale(state, now);
    request.fresher = fresher_registry(state, request.certificate, now);
    request.now = now;
    const policy::AdmitResult result = state.table->admit(request);
    // A deferred client goes on to mosquitto's password_file or the next plugin.
    int answer =
        result.defer ? MOSQ_ERR_PLUGIN_DEFER : (result.accept ? MOSQ_ERR_SUCCESS : MOSQ_ERR_AUTH);
    if (result.accept && !result.username.empty() &&
        mosquitto_set_username(client, result.username.c_str()) != MOSQ_ERR_SUCCESS) {
      state.log->error("DENY connect device='{}': cannot set the MQTT username",
                       policy::printable(result.username));
      state.table->end(client);
      answer = MOSQ_ERR_AUTH;
    }
    // A new connect is a safe point to kick others (not while mosquitto re-checks every
    // client after SIGHUP: it is iterating over them).
    carry_out(state, client, !state.reauthenticating);
    tickless_housekeeping(state, now);
    return answer;
  } catch (const std::exception& error) {
    // Out of memory or a certificate OpenSSL cannot print: refuse, never crash the broker.
    state.table->end(client);
    state.log->error("DENY connect: internal error: {}", error.what());
    return MOSQ_ERR_AUTH;
  }
}

}  // namespace certacl::plugin
