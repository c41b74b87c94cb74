#pragma once
// certacl-device's commands: each drives the firmware core the way the ESP32 firmware does,
// with the host platform (files, getrandom, POSIX sockets) underneath.

#include <cstdint>
#include <string>

namespace certacl::fw::tool {

// Exit codes, so scripts can tell what kind of failure happened.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;      // bad input, unusable or missing credentials
inline constexpr int kExitUnreachable = 3;  // TCP or TLS failed
inline constexpr int kExitRefused = 4;      // the broker answered CONNACK != 0
inline constexpr int kExitMqtt = 5;         // the session failed after CONNACK

struct BrokerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8883;
  std::string server_name = "localhost";
  int timeout_ms = 10'000;
};

int keygen(const std::string& directory, const std::string& name, bool replace);
int csr(const std::string& directory, const std::string& out_path);
int install_certificate(const std::string& directory, const std::string& certificate_path,
                        const std::string& ca_path);
int provision(const std::string& directory, const std::string& name, const std::string& ca_path,
              bool replace);
int publish(const std::string& directory, const BrokerOptions& broker, const std::string& topic,
            const std::string& message, int qos, int count);
int subscribe(const std::string& directory, const BrokerOptions& broker, const std::string& filter,
              int qos, int count);

}  // namespace certacl::fw::tool
