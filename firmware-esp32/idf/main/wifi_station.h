#pragma once
// Joins the Wi-Fi network named in the device settings; true once an address is assigned.

#include <cstdint>
#include <string>

bool start_wifi_station(const std::string& ssid, const std::string& password,
                        std::uint32_t timeout_ms);
