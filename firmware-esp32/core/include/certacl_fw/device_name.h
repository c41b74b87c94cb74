#pragma once
// The device name is the certificate CN, the MQTT client id and a %u/%c substitute in ACL
// patterns, so the firmware refuses exactly the names the CA refuses: it compiles
// common/src/identity.cpp itself (that file has no dependencies, so it builds on the ESP32).

#include "certacl/identity.h"

namespace certacl::fw {

using certacl::device_name_problem;
using certacl::kMaxDeviceNameBytes;

}  // namespace certacl::fw
