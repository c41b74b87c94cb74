// MOSQ_EVT_ACL_CHECK: runs for every SUBSCRIBE, every PUBLISH received and every delivery,
// so it only looks up the session and asks its compiled ACL. No SQLite, no allocation
// unless a denial is logged. A client without a session (a will, a message queued for an
// offline session, the source of a retained message) is decided from the registry by the
// username the plugin set at connect.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>  // MOSQ_ACL_*
#include <openssl/x509.h>

#include "callbacks.h"
#include "certacl/openssl_handles.h"
#include "safe_point.h"

namespace certacl::plugin {
namespace {

policy::Check access_check(int access) noexcept {
  switch (access) {
    case MOSQ_ACL_WRITE:
      return policy::Check::kPublish;
    case MOSQ_ACL_SUBSCRIBE:
      return policy::Check::kSubscribe;
    default:
      return policy::Check::kRead;
  }
}

policy::Answer decide_sessionless(PluginState& state, mosquitto* client, policy::Check check,
                                  std::string_view topic) {
  // mosquitto closes the TLS connection before it publishes a will, keeps no connection
  // for an offline session, and builds a bare client for the retained-source check: a
  // certificate still at hand means a live client that never passed BASIC_AUTH.
  const X509Ptr certificate(static_cast<X509*>(mosquitto_client_certificate(client)));
  const char* username = mosquitto_client_username(client);
  const char* client_id = mosquitto_client_id(client);
  policy::SessionlessRequest request;
  request.client = client;
  request.live_connection = certificate != nullptr;
  request.username = username ? username : "";
  request.client_id = client_id ? client_id : "";
  request.now = unix_now();
  return state.table->check_sessionless(request, check, topic);
}

}  // namespace

int on_acl_check(int /*event*/, void* event_data, void* userdata) {
  auto& state = *static_cast<PluginState*>(userdata);
  const auto* data = static_cast<const mosquitto_evt_acl_check*>(event_data);
  // Leaving a subscription never widens access.
  if (data->access == MOSQ_ACL_UNSUBSCRIBE) return MOSQ_ERR_SUCCESS;
  try {
    state.reauthenticating = false;
    // A snapshot finished since the last callback is put in force before deciding (TICK
    // may never come: per_listener_settings true).
    if (state.watcher->has_new()) adopt_pending(state, unix_now());
    const policy::Check check = access_check(data->access);
    const std::string_view topic = data->topic ? data->topic : "";
    policy::Answer answer = state.table->check(data->client, check, topic);
    if (answer == policy::Answer::kNoSession) {
      answer = decide_sessionless(state, data->client, check, topic);
    }
    // Never kick from here: mosquitto may be in the middle of a delivery loop.
    carry_out(state, data->client, false);
    switch (answer) {
      case policy::Answer::kAllow:
        return MOSQ_ERR_SUCCESS;
      case policy::Answer::kDefer:
        // Not certacl's client: mosquitto's acl_file or the next plugin decides (with none,
        // mosquitto 2.0.11 turns an answer every plugin deferred into a denial).
        return MOSQ_ERR_PLUGIN_DEFER;
      case policy::Answer::kDisconnect:
        // The client's own PUBLISH or SUBSCRIBE: an error other than "denied" makes
        // mosquitto close this connection itself, right after this packet.
        return MOSQ_ERR_AUTH;
      default:
        return MOSQ_ERR_ACL_DENIED;
    }
  } catch (const std::exception& error) {
    state.log->error("ACL check failed, denied: {}", error.what());
    return MOSQ_ERR_ACL_DENIED;
  }
}

}  // namespace certacl::plugin
