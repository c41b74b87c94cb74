#pragma once
// Joins the Wi-Fi network from Kconfig and waits (bounded) for an IP address.

#include <cstdint>

// True once the station has an address; false after `timeout_ms`.
bool start_wifi_station(std::uint32_t timeout_ms);
