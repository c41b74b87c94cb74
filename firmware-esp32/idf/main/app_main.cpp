// certacl ESP32 firmware: join Wi-Fi, set the clock, provision over the UART console on
// first boot (key made here, CSR out, certificate in), then publish telemetry over mTLS.
// Everything but the ESP-IDF glue is the portable core in ../../core, tested on the host.
#include <esp_log.h>
#include <esp_netif_sntp.h>
#include <esp_system.h>
#include <esp_timer.h>
#include <freertos/FreeRTOS.h>
#include <freertos/task.h>
#include <nvs_flash.h>
#include <sdkconfig.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "certacl_fw/console.h"
#include "certacl_fw/console_provisioning.h"
#include "certacl_fw/device_connection.h"
#include "certacl_fw/provisioning.h"
#include "certacl_fw/random.h"
#include "esp_entropy.h"
#include "nvs_credential_store.h"
#include "uart_console.h"
#include "wifi_station.h"

namespace {

using namespace std::chrono_literals;
using certacl::fw::DeviceConnection;
using certacl::fw::Provisioner;

constexpr const char* kTag = "certacl";
constexpr int kMaxProvisioningAttempts = 5;
constexpr std::uint32_t kMaxBackoffSeconds = 300;

void restart_after(const char* why) {
  ESP_LOGE(kTag, "%s; restarting in 10 s", why);
  vTaskDelay(pdMS_TO_TICKS(10'000));
  esp_restart();
}

void start_nvs() {
  esp_err_t error = nvs_flash_init();
  if (error == ESP_ERR_NVS_NO_FREE_PAGES || error == ESP_ERR_NVS_NEW_VERSION_FOUND) {
    // Only a layout change gets here; the stored credentials are gone with it.
    ESP_ERROR_CHECK(nvs_flash_erase());
    error = nvs_flash_init();
  }
  ESP_ERROR_CHECK(error);
}

// Certificate validity is checked against the clock, which starts at 1970 on boot.
bool sync_clock() {
  esp_sntp_config_t config = ESP_NETIF_SNTP_DEFAULT_CONFIG(CONFIG_CERTACL_SNTP_SERVER);
  esp_netif_sntp_init(&config);
  return esp_netif_sntp_sync_wait(pdMS_TO_TICKS(30'000)) == ESP_OK;
}

bool provision(Provisioner& provisioner) {
  certacl::fw::StdioConsole console(stdin, stdout);
  for (int attempt = 1; attempt <= kMaxProvisioningAttempts; ++attempt) {
    const auto done =
        certacl::fw::provision_over_console(provisioner, console, CONFIG_CERTACL_DEVICE_NAME, {});
    if (done) return true;
    ESP_LOGW(kTag, "provisioning attempt %d failed: %s", attempt, done.error().c_str());
  }
  return false;
}

std::string telemetry_payload() {
  char text[96];
  std::snprintf(text, sizeof(text), "{\"uptime_s\":%lld,\"free_heap\":%lu}",
                static_cast<long long>(esp_timer_get_time() / 1'000'000),
                static_cast<unsigned long>(esp_get_free_heap_size()));
  return text;
}

// One session: connect, then publish every interval until something fails. Returns
// whether the broker accepted the device at all (a reason to reset the back-off).
bool run_session(Provisioner& provisioner, certacl::fw::Random& random) {
  auto credentials = provisioner.load_credentials();
  if (!credentials) {
    ESP_LOGE(kTag, "%s", credentials.error().c_str());
    return false;
  }
  const certacl::fw::TlsEndpoint endpoint{CONFIG_CERTACL_BROKER_HOST,
                                          static_cast<std::uint16_t>(CONFIG_CERTACL_BROKER_PORT),
                                          CONFIG_CERTACL_BROKER_SERVER_NAME, 15s};
  certacl::fw::MqttSettings settings;
  settings.keep_alive_seconds =
      static_cast<std::uint16_t>(std::min(CONFIG_CERTACL_PUBLISH_INTERVAL_S * 3, 65535));
  auto connection = DeviceConnection::open(std::make_unique<certacl::fw::BsdSocket>(), endpoint,
                                           std::move(credentials.value()), settings, random);
  if (!connection) {
    ESP_LOGE(kTag, "%s", connection.error().c_str());
    return false;
  }
  const std::string topic = std::string(CONFIG_CERTACL_TELEMETRY_TOPIC_PREFIX) + "/" +
                            CONFIG_CERTACL_DEVICE_NAME + "/telemetry";
  ESP_LOGI(kTag, "connected as '%s', publishing to %s", CONFIG_CERTACL_DEVICE_NAME, topic.c_str());
  for (;;) {
    if (auto sent = connection.value()->mqtt().publish(topic, telemetry_payload(), 1); !sent) {
      ESP_LOGE(kTag, "publish failed: %s", sent.error().c_str());
      return true;
    }
    vTaskDelay(pdMS_TO_TICKS(CONFIG_CERTACL_PUBLISH_INTERVAL_S * 1000));
  }
}

}  // namespace

extern "C" void app_main() {
  start_nvs();
  attach_uart_console();
  if (!start_wifi_station(30'000)) restart_after("no Wi-Fi");
  if (!sync_clock()) restart_after("no time from SNTP");

  // The hardware RNG is a true RNG now that the radio runs.
  auto random =
      certacl::fw::Random::create(esp_hardware_entropy, nullptr, CONFIG_CERTACL_DEVICE_NAME);
  if (!random) restart_after(random.error().c_str());
  NvsCredentialStore store;
  Provisioner provisioner(store, *random.value());

  if (auto credentials = provisioner.load_credentials(); !credentials) {
    ESP_LOGW(kTag, "not provisioned (%s); starting console provisioning",
             credentials.error().c_str());
    if (!provision(provisioner)) restart_after("provisioning failed");
  }

  std::uint32_t backoff_seconds = 1;
  for (;;) {
    if (run_session(provisioner, *random.value())) backoff_seconds = 1;
    ESP_LOGW(kTag, "session ended; reconnecting in %lu s",
             static_cast<unsigned long>(backoff_seconds));
    vTaskDelay(pdMS_TO_TICKS(backoff_seconds * 1000));
    backoff_seconds = std::min(backoff_seconds * 2, kMaxBackoffSeconds);
  }
}
