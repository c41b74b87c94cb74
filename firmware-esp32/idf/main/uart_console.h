#pragma once
// Makes stdin/stdout the blocking, line-based UART console the provisioning conversation
// runs on (by default ESP-IDF's stdin does not wait for input).

void attach_uart_console();
