// The three entry points mosquitto looks up, and nothing else: read the options, build the
// state, register the callbacks; unregister them all on cleanup.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#pragma GCC visibility push(default)
#include <mosquitto_plugin.h>
#pragma GCC visibility pop

#include <exception>
#include <variant>
#include <vector>

#include "callbacks.h"
#include "registry_file_guard.h"

namespace {

using certacl::plugin::PluginState;

struct Registration {
  int event;
  MOSQ_FUNC_generic_callback callback;
};

constexpr Registration kCallbacks[] = {
    {MOSQ_EVT_BASIC_AUTH, certacl::plugin::on_basic_auth},
    {MOSQ_EVT_ACL_CHECK, certacl::plugin::on_acl_check},
    {MOSQ_EVT_TICK, certacl::plugin::on_tick},
    {MOSQ_EVT_DISCONNECT, certacl::plugin::on_disconnect},
    {MOSQ_EVT_RELOAD, certacl::plugin::on_reload},
    {MOSQ_EVT_MESSAGE, certacl::plugin::on_message},
};

void unregister_all(mosquitto_plugin_id_t* identifier) {
  for (const Registration& registration : kCallbacks) {
    mosquitto_callback_unregister(identifier, registration.event, registration.callback, nullptr);
  }
}

}  // namespace

extern "C" {

int mosquitto_plugin_version(int supported_version_count, const int* supported_versions) {
  for (int i = 0; i < supported_version_count; ++i) {
    if (supported_versions[i] == 5) return 5;
  }
  return -1;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier, void** userdata,
                          struct mosquitto_opt* options, int option_count) {
  try {
    auto parsed = certacl::plugin::parse_plugin_options(
        certacl::plugin::read_option_pairs(options, option_count));
    if (const auto* error = std::get_if<certacl::plugin::OptionsError>(&parsed)) {
      mosquitto_log_printf(MOSQ_LOG_ERR, "certacl: refusing to start: %s", error->message.c_str());
      return MOSQ_ERR_INVAL;
    }
    auto state = certacl::plugin::create_plugin_state(
        identifier, std::get<certacl::plugin::PluginOptions>(std::move(parsed)));
    for (const Registration& registration : kCallbacks) {
      if (mosquitto_callback_register(identifier, registration.event, registration.callback,
                                      nullptr, state.get()) != MOSQ_ERR_SUCCESS) {
        unregister_all(identifier);
        mosquitto_log_printf(MOSQ_LOG_ERR,
                             "certacl: refusing to start: cannot register callback for event %d",
                             registration.event);
        return MOSQ_ERR_UNKNOWN;
      }
    }
    const PluginState& running = *state;
    running.log->warn(
        "started: db='{}' ({} devices, {} certificates, change {}) identity={} "
        "client_id={} other_listeners={} stale_limit={}s dry_run={}",
        certacl::policy::printable(running.options.db_path),
        running.table->registry().device_count(), running.table->registry().certificate_count(),
        running.table->registry().change_counter(),
        certacl::policy::to_string(running.options.connect.identity_source),
        certacl::policy::to_string(running.options.connect.client_id_rule),
        certacl::policy::to_string(running.options.connect.other_listeners),
        running.options.stale_limit.count(), running.options.dry_run);
    if (const std::string warning = certacl::plugin::root_broker_warning(); !warning.empty()) {
      running.log->warn("{}", warning);
    }
    *userdata = state.release();
    return MOSQ_ERR_SUCCESS;
  } catch (const std::exception& error) {
    mosquitto_log_printf(MOSQ_LOG_ERR, "certacl: refusing to start: %s", error.what());
    return MOSQ_ERR_UNKNOWN;
  }
}

int mosquitto_plugin_cleanup(void* userdata, struct mosquitto_opt* /*options*/,
                             int /*option_count*/) {
  std::unique_ptr<PluginState> state(static_cast<PluginState*>(userdata));
  if (state) unregister_all(state->identifier);
  return MOSQ_ERR_SUCCESS;
}

}  // extern "C"
