// MOSQ_EVT_ACL_CHECK: runs for every SUBSCRIBE, every PUBLISH received and every delivery,
// so it only looks up the session and asks its compiled ACL. No SQLite, no allocation
// unless a denial is logged.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>  // MOSQ_ACL_*

#include "callbacks.h"

namespace certacl::plugin {
namespace {

struct AccessKind {
  policy::Check check;
  std::string_view verb;
};

AccessKind access_kind(int access) noexcept {
  switch (access) {
    case MOSQ_ACL_WRITE:
      return {policy::Check::kPublish, "publish"};
    case MOSQ_ACL_SUBSCRIBE:
      return {policy::Check::kSubscribe, "subscribe"};
    default:
      return {policy::Check::kRead, "read"};
  }
}

}  // namespace

int on_acl_check(int /*event*/, void* event_data, void* userdata) {
  auto& state = *static_cast<PluginState*>(userdata);
  const auto* data = static_cast<const mosquitto_evt_acl_check*>(event_data);
  // Leaving a subscription never widens access.
  if (data->access == MOSQ_ACL_UNSUBSCRIBE) return MOSQ_ERR_SUCCESS;
  const AccessKind kind = access_kind(data->access);
  const std::string_view topic = data->topic ? data->topic : "";

  policy::Decision decision = policy::Decision::deny(policy::Reason::kNoSession);
  const auto session = state.sessions.find(data->client);
  if (session != state.sessions.end()) {
    const policy::ClientAcl& acl = session->second.acl;
    switch (kind.check) {
      case policy::Check::kPublish:
        decision = acl.check_publish(topic);
        break;
      case policy::Check::kSubscribe:
        decision = acl.check_subscribe(topic);
        break;
      default:
        decision = acl.check_read(topic);
        break;
    }
  }
  state.counters.count(kind.check, decision);
  if (decision.allowed()) return MOSQ_ERR_SUCCESS;

  if (state.log->should_log(spdlog::level::info)) try {
      const char* client_id = mosquitto_client_id(data->client);
      state.log->info("{}{} device='{}' client_id='{}' topic='{}' reason={}",
                      state.options.dry_run ? "DRY-RUN would DENY " : "DENY ", kind.verb,
                      session != state.sessions.end() ? session->second.device : std::string("-"),
                      policy::printable(client_id ? client_id : ""), policy::printable(topic),
                      policy::describe(decision.reason));
    } catch (const std::exception&) {
      // Logging is best effort; the decision stands.
    }
  return state.options.dry_run ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
}

}  // namespace certacl::plugin
