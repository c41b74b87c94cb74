#pragma once
// The console on stdin/stdout: UART0 or USB-Serial-JTAG, whichever sdkconfig selects.

#include <cstdint>

// Installs the driver under stdin so reads block (and select() works) instead of failing.
void attach_console();
// True when a line (Enter) arrives within `timeout_ms`; the line is consumed.
bool console_enter_pressed(std::uint32_t timeout_ms);
