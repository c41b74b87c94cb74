#include "console_port.h"

#include <sdkconfig.h>
#include <sys/select.h>
#include <unistd.h>

#include <cstdio>

#if CONFIG_ESP_CONSOLE_USB_SERIAL_JTAG
#include <driver/usb_serial_jtag.h>
#include <driver/usb_serial_jtag_vfs.h>
#else
#include <driver/uart.h>
#include <driver/uart_vfs.h>
#endif

void attach_console() {
  std::setvbuf(stdin, nullptr, _IONBF, 0);
#if CONFIG_ESP_CONSOLE_USB_SERIAL_JTAG
  usb_serial_jtag_driver_config_t config = USB_SERIAL_JTAG_DRIVER_CONFIG_DEFAULT();
  usb_serial_jtag_driver_install(&config);
  usb_serial_jtag_vfs_set_rx_line_endings(ESP_LINE_ENDINGS_CR);
  usb_serial_jtag_vfs_use_driver();
#else
  // Terminals (idf.py monitor, screen, minicom) send CR for Enter; make it a line end.
  uart_vfs_dev_port_set_rx_line_endings(CONFIG_ESP_CONSOLE_UART_NUM, ESP_LINE_ENDINGS_CR);
  uart_driver_install(static_cast<uart_port_t>(CONFIG_ESP_CONSOLE_UART_NUM), 1024, 0, 0, nullptr,
                      0);
  uart_vfs_dev_use_driver(CONFIG_ESP_CONSOLE_UART_NUM);
#endif
}

bool console_enter_pressed(std::uint32_t timeout_ms) {
  fd_set readable;
  FD_ZERO(&readable);
  FD_SET(STDIN_FILENO, &readable);
  timeval timeout{static_cast<time_t>(timeout_ms / 1000),
                  static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
  if (select(STDIN_FILENO + 1, &readable, nullptr, nullptr, &timeout) <= 0) return false;
  char line[64];
  return std::fgets(line, sizeof(line), stdin) != nullptr;
}
