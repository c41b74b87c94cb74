// certacl ESP32 firmware: one image for the whole fleet. Settings (name, one-time token, EST
// and broker URLs, CA certificate, Wi-Fi) come from the factory NVS partition or the console.
// First boot enrolls over EST with the token; the device then keeps MQTT over mutual TLS up
// (esp-mqtt), acts on commands, and renews its certificate over EST before it expires.
// Everything but the ESP-IDF glue is the portable core in ../../core, tested on the host.
#include <esp_log.h>
#include <esp_netif_sntp.h>
#include <esp_system.h>
#include <esp_timer.h>
#include <nvs_flash.h>
#include <sdkconfig.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include "certacl_fw/backoff.h"
#include "certacl_fw/certificate_dates.h"
#include "certacl_fw/console.h"
#include "certacl_fw/device_command.h"
#include "certacl_fw/device_session.h"
#include "certacl_fw/device_settings.h"
#include "certacl_fw/est_client.h"
#include "certacl_fw/provisioning.h"
#include "certacl_fw/random.h"
#include "certacl_fw/renewal_schedule.h"
#include "certacl_fw/settings_console.h"
#include "console_port.h"
#include "esp_entropy.h"
#include "esp_est_transport.h"
#include "mqtt_session.h"
#include "nvs_credential_store.h"
#include "nvs_settings.h"
#include "status_led.h"
#include "watchdog_sleep.h"
#include "wifi_station.h"

namespace {

using namespace certacl::fw;

constexpr const char* kTag = "certacl";
constexpr int kEstTimeoutMs = 10'000;
constexpr std::uint32_t kWifiTimeoutMs = 30'000;
#if CONFIG_CERTACL_ROTATE_KEY
constexpr bool kRotateKey = true;
#else
constexpr bool kRotateKey = false;  // Kconfig leaves a disabled bool undefined
#endif

[[noreturn]] void restart_after(const char* why) {
  ESP_LOGE(kTag, "%s; restarting in 10 s", why);
  sleep_ms(10'000);
  esp_restart();
}

void start_nvs() {
  // With the production profile nvs_flash_init() reads the NVS keys from nvs_keys
  // (protected by flash encryption) and opens "nvs" encrypted.
  esp_err_t error = nvs_flash_init();
  if (error == ESP_ERR_NVS_NO_FREE_PAGES || error == ESP_ERR_NVS_NEW_VERSION_FOUND) {
    // Only a layout change gets here; the stored credentials are gone with it.
    ESP_ERROR_CHECK(nvs_flash_erase());
    error = nvs_flash_init();
  }
  ESP_ERROR_CHECK(error);
}

[[noreturn]] void settings_console_then_restart(NvsSettings& settings) {
  StdioConsole console(stdin, stdout);
  run_settings_console(console, settings);
  esp_restart();
}

// Certificate dates are checked against this clock; before SNTP it reads 1970 and the core
// refuses every certificate (wall_clock.h).
bool sync_clock() {
  esp_sntp_config_t config = ESP_NETIF_SNTP_DEFAULT_CONFIG(CONFIG_CERTACL_SNTP_SERVER);
  esp_netif_sntp_init(&config);
  for (int second = 0; second < 30; ++second) {
    feed_watchdog();
    if (esp_netif_sntp_sync_wait(pdMS_TO_TICKS(1000)) == ESP_OK) return true;
  }
  return false;
}

std::uint32_t random_u32(Random& random) {
  std::uint32_t value = 0;
  (void)Random::generate(random.context(), reinterpret_cast<unsigned char*>(&value), sizeof(value));
  return value;
}

std::string telemetry_payload(int slot, bool led) {
  char text[128];
  std::snprintf(text, sizeof(text), "{\"uptime_s\":%lld,\"free_heap\":%lu,\"slot\":%d,\"led\":%s}",
                static_cast<long long>(esp_timer_get_time() / 1'000'000),
                static_cast<unsigned long>(esp_get_free_heap_size()), slot, led ? "true" : "false");
  return text;
}

// The chip's side of the session the core runs (device_session.h).
DevicePlatform chip_platform(StatusLed& led, Random& random) {
  DevicePlatform platform;
  platform.telemetry = [&led](int slot) { return telemetry_payload(slot, led.on()); };
  platform.led = [&led](CommandKind kind, std::string& detail) {
    const bool done =
        kind == CommandKind::led_toggle ? led.toggle() : led.set(kind == CommandKind::led_on);
    detail = done ? (led.on() ? "on" : "off") : "no LED configured";
    return done;
  };
  platform.keep_running = [] {
    feed_watchdog();
    return true;
  };
  platform.log = [](const std::string& line) { ESP_LOGI(kTag, "%s", line.c_str()); };
  platform.random = [&random] { return random_u32(random); };
  return platform;
}

}  // namespace

extern "C" void app_main() {
  start_nvs();
  attach_console();
  NvsSettings stored_settings;
  if (CONFIG_CERTACL_CONSOLE_WAIT_MS > 0) {
    std::printf("certacl: press Enter within %d ms for the settings console\n",
                CONFIG_CERTACL_CONSOLE_WAIT_MS);
    if (console_enter_pressed(CONFIG_CERTACL_CONSOLE_WAIT_MS)) {
      settings_console_then_restart(stored_settings);
    }
  }
  auto settings = read_device_settings(
      [&stored_settings](std::string_view key) { return stored_settings.lookup(key); },
      /*require_wifi=*/true);
  if (!settings) {
    ESP_LOGE(kTag, "device settings incomplete: %s", settings.error().c_str());
    settings_console_then_restart(stored_settings);
  }
  // From here on nothing waits for a person: a hang restarts the device.
  watch_this_task();

  if (!start_wifi_station(settings.value().wifi_ssid, settings.value().wifi_password,
                          kWifiTimeoutMs)) {
    restart_after("no Wi-Fi");
  }
  if (!sync_clock()) restart_after("no time from SNTP");

  // The hardware RNG is a true RNG now that the radio runs.
  auto random = Random::create(esp_hardware_entropy, nullptr, settings.value().name);
  if (!random) restart_after(random.error().c_str());
  NvsCredentialStore store;
  Provisioner provisioner(store, *random.value());
  EspEstTransport transport(settings.value().est_url, settings.value().ca_certificate_pem,
                            kEstTimeoutMs);
  EstClient est(transport);

  if (auto credentials = provisioner.load_credentials(); !credentials) {
    ESP_LOGW(kTag, "no working credentials (%s); enrolling over EST", credentials.error().c_str());
    auto installed = provisioner.install_ca_certificate(settings.value().ca_certificate_pem);
    auto enrolled = installed ? provisioner.enroll(est, settings.value().name,
                                                   settings.value().enrollment_token)
                              : installed;
    if (!enrolled) {
      ESP_LOGE(kTag, "enrollment failed: %s", enrolled.error().c_str());
      // A used or wrong token needs a person: give the console a chance, then retry.
      restart_after("enrollment failed (press Enter at boot to enter a new token)");
    }
    ESP_LOGI(kTag, "enrolled as '%s'", settings.value().name.c_str());
  }

  StatusLed led;
  RenewalSchedule schedule;
  DevicePlatform platform = chip_platform(led, *random.value());
  SessionContext context{settings.value(), provisioner, est, schedule, kRotateKey};
  Backoff reconnect(BackoffPolicy{});
  for (;;) {
    auto credentials = provisioner.load_credentials();
    if (!credentials) restart_after(credentials.error().c_str());
    if (auto validity = certificate_validity(credentials.value().certificate_pem)) {
      schedule.start(validity.value(), random_u32(*random.value()));
    }
    const std::int64_t started_us = esp_timer_get_time();
    MqttSession session(settings.value(), credentials.value());
    const SessionEnd end =
        session.start() ? run_device_session(session, context, credentials.value().slot, platform)
                        : SessionEnd::lost;
    if (end == SessionEnd::renewed) continue;  // straight back with the new certificate
    reconnect.session_ended(std::chrono::milliseconds((esp_timer_get_time() - started_us) / 1000));
    const auto delay = reconnect.next_delay(random_u32(*random.value()));
    ESP_LOGW(kTag, "session ended; reconnecting in %lld ms", static_cast<long long>(delay.count()));
    sleep_ms(static_cast<std::uint64_t>(delay.count()));
  }
}
