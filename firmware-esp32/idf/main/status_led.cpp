#include "status_led.h"

#include <driver/gpio.h>
#include <sdkconfig.h>

StatusLed::StatusLed() {
#if CONFIG_CERTACL_LED_GPIO >= 0
  gpio_reset_pin(static_cast<gpio_num_t>(CONFIG_CERTACL_LED_GPIO));
  gpio_set_direction(static_cast<gpio_num_t>(CONFIG_CERTACL_LED_GPIO), GPIO_MODE_OUTPUT);
  gpio_set_level(static_cast<gpio_num_t>(CONFIG_CERTACL_LED_GPIO), 0);
#endif
}

bool StatusLed::set(bool on) {
#if CONFIG_CERTACL_LED_GPIO >= 0
  gpio_set_level(static_cast<gpio_num_t>(CONFIG_CERTACL_LED_GPIO), on ? 1 : 0);
  on_ = on;
  return true;
#else
  on_ = on;
  return false;
#endif
}
