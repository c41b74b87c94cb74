#include "wifi_station.h"

#include <esp_event.h>
#include <esp_log.h>
#include <esp_netif.h>
#include <esp_wifi.h>
#include <freertos/FreeRTOS.h>
#include <freertos/event_groups.h>

#include <cstring>

namespace {

constexpr const char* kTag = "certacl-wifi";
constexpr EventBits_t kGotAddress = BIT0;
EventGroupHandle_t wifi_events = nullptr;

void on_event(void* /*arg*/, esp_event_base_t base, int32_t id, void* /*data*/) {
  if (base == WIFI_EVENT && (id == WIFI_EVENT_STA_START || id == WIFI_EVENT_STA_DISCONNECTED)) {
    // Keep trying: the access point may come back; the caller's wait is what is bounded.
    esp_wifi_connect();
  } else if (base == IP_EVENT && id == IP_EVENT_STA_GOT_IP) {
    xEventGroupSetBits(wifi_events, kGotAddress);
  }
}

}  // namespace

bool start_wifi_station(const std::string& ssid, const std::string& password,
                        std::uint32_t timeout_ms) {
  wifi_events = xEventGroupCreate();
  ESP_ERROR_CHECK(esp_netif_init());
  ESP_ERROR_CHECK(esp_event_loop_create_default());
  esp_netif_create_default_wifi_sta();
  wifi_init_config_t init = WIFI_INIT_CONFIG_DEFAULT();
  ESP_ERROR_CHECK(esp_wifi_init(&init));
  ESP_ERROR_CHECK(esp_event_handler_register(WIFI_EVENT, ESP_EVENT_ANY_ID, on_event, nullptr));
  ESP_ERROR_CHECK(esp_event_handler_register(IP_EVENT, IP_EVENT_STA_GOT_IP, on_event, nullptr));

  wifi_config_t config{};
  std::strncpy(reinterpret_cast<char*>(config.sta.ssid), ssid.c_str(), sizeof(config.sta.ssid) - 1);
  std::strncpy(reinterpret_cast<char*>(config.sta.password), password.c_str(),
               sizeof(config.sta.password) - 1);
  ESP_ERROR_CHECK(esp_wifi_set_mode(WIFI_MODE_STA));
  ESP_ERROR_CHECK(esp_wifi_set_config(WIFI_IF_STA, &config));
  ESP_ERROR_CHECK(esp_wifi_start());

  // Waited for in one-second steps: pdMS_TO_TICKS of a large value overflows.
  EventBits_t bits = 0;
  for (std::uint32_t waited = 0; waited < timeout_ms && (bits & kGotAddress) == 0; waited += 1000) {
    bits = xEventGroupWaitBits(wifi_events, kGotAddress, pdFALSE, pdTRUE, pdMS_TO_TICKS(1000));
  }
  const bool joined = (bits & kGotAddress) != 0;
  ESP_LOGI(kTag, "%s '%s'", joined ? "joined" : "could not join", ssid.c_str());
  return joined;
}
