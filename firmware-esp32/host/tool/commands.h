#pragma once
// certacl-device's commands: each drives the firmware core the way the ESP32 firmware does,
// with the host platform (files, getrandom, POSIX sockets) underneath.

#include <cstdint>
#include <memory>
#include <string>

#include "certacl_fw/device_connection.h"
#include "certacl_fw/random.h"
#include "certacl_fw_host/file_credential_store.h"

namespace certacl::fw::tool {

// Exit codes, so scripts can tell what kind of failure happened.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;      // bad input, unusable or missing credentials
inline constexpr int kExitUnreachable = 3;  // TCP or TLS failed
inline constexpr int kExitRefused = 4;      // the broker answered CONNACK != 0
inline constexpr int kExitMqtt = 5;         // the session failed after CONNACK
inline constexpr int kExitEst = 6;          // the EST server could not be reached or refused
inline constexpr int kExitPowerCut = 86;  // a simulated power cut ($CERTACL_DEVICE_POWER_CUT_AFTER)

struct BrokerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8883;
  std::string server_name = "localhost";
  int timeout_ms = 10'000;
};

// What every command needs: the device's storage and random generator.
struct Device {
  explicit Device(const std::string& directory) : store(directory) {}
  host::FileCredentialStore store;
  std::unique_ptr<Random> random;
  Status start();
};

// Prints "certacl-device: MESSAGE" on stderr; returns `exit_code`.
int report(int exit_code, const std::string& message);
// Opens the device's mTLS MQTT session; on failure reports and sets *exit_code.
std::unique_ptr<DeviceConnection> connect_device(Device& device, const BrokerOptions& broker,
                                                 int* exit_code);

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

// EST and the device's own loop (est_commands.cpp), driven by the factory CSV's settings.
struct RunOptions {
  std::string factory_csv;
  int seconds = 60;             // the loop ends after this long
  int exit_after_renewals = 0;  // 0: never
  bool rotate_key = true;
  int timeout_ms = 10'000;
};
// First boot: EST simpleenroll with the factory token.
int enroll(const std::string& directory, const RunOptions& options);
// One EST simplereenroll now. $CERTACL_DEVICE_POWER_CUT_AFTER=<step> ends the process
// (exit 86, no cleanup) right after that step, to test power cuts.
int renew(const std::string& directory, const RunOptions& options);
// The firmware's main loop: enroll if needed, connect, subscribe to the command topic, act on
// commands, publish telemetry, renew when due, reconnect with back-off. One line per event
// on stdout ("connected slot=0", "command=ping", "renewed slot=1", ...).
int run(const std::string& directory, const RunOptions& options);

}  // namespace certacl::fw::tool
