#include "watchdog_sleep.h"

#include <esp_log.h>
#include <esp_task_wdt.h>
#include <freertos/FreeRTOS.h>
#include <freertos/task.h>

#include <algorithm>

namespace {
bool watched = false;
}

void watch_this_task() {
  if (esp_task_wdt_add(nullptr) == ESP_OK) {
    watched = true;
  } else {
    ESP_LOGW("certacl", "the task watchdog is not running; the main task is not watched");
  }
}

void feed_watchdog() {
  if (watched) esp_task_wdt_reset();
}

void sleep_ms(std::uint64_t milliseconds) {
  while (milliseconds > 0) {
    const std::uint32_t step =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(milliseconds, 1000));
    feed_watchdog();
    vTaskDelay(pdMS_TO_TICKS(step));  // step <= 1000: no overflow
    milliseconds -= step;
  }
  feed_watchdog();
}
