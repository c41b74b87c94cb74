#include "uart_console.h"

#include <driver/uart.h>
#include <sdkconfig.h>

#include <cstdio>

#if __has_include(<driver/uart_vfs.h>)  // ESP-IDF >= 5.3
#include <driver/uart_vfs.h>
#define CERTACL_UART_USE_DRIVER uart_vfs_dev_use_driver
#define CERTACL_UART_RX_ENDINGS uart_vfs_dev_port_set_rx_line_endings
#else
#include <esp_vfs_dev.h>
#define CERTACL_UART_USE_DRIVER esp_vfs_dev_uart_use_driver
#define CERTACL_UART_RX_ENDINGS esp_vfs_dev_uart_port_set_rx_line_endings
#endif

void attach_uart_console() {
  std::setvbuf(stdin, nullptr, _IONBF, 0);
  // Terminals (idf.py monitor, screen, minicom) send CR for Enter; make it a line end.
  CERTACL_UART_RX_ENDINGS(CONFIG_ESP_CONSOLE_UART_NUM, ESP_LINE_ENDINGS_CR);
  uart_driver_install(static_cast<uart_port_t>(CONFIG_ESP_CONSOLE_UART_NUM), 1024, 0, 0, nullptr,
                      0);
  CERTACL_UART_USE_DRIVER(CONFIG_ESP_CONSOLE_UART_NUM);
}
