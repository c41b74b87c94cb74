#pragma once
// The ESP32's hardware random number generator as the core's entropy source. It is a true
// RNG only while the radio (Wi-Fi/BT) or the bootloader's entropy source runs, so keys are
// made after Wi-Fi has started.

#include <cstddef>

int esp_hardware_entropy(void* context, unsigned char* output, std::size_t length,
                         std::size_t* written);
