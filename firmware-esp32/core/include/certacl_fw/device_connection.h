#pragma once
// One connected device: TCP, mutual TLS, MQTT CONNECT with client id = device name.
// What the firmware's telemetry loop and the host tool both open.

#include <cstdint>
#include <memory>

#include "certacl_fw/mqtt_client.h"
#include "certacl_fw/provisioning.h"
#include "certacl_fw/random.h"
#include "certacl_fw/result.h"
#include "certacl_fw/socket.h"
#include "certacl_fw/tls_stream.h"

namespace certacl::fw {

class DeviceConnection {
 public:
  // Fails with one line: the TLS step that failed, or "broker refused the connection:
  // not authorized (CONNACK 5)"; when the broker answered with a refusal, its CONNACK code
  // is also stored in *refused_code. `random` must outlive the connection.
  static Result<std::unique_ptr<DeviceConnection>> open(
      std::unique_ptr<Socket> socket, const TlsEndpoint& endpoint, DeviceCredentials credentials,
      const MqttSettings& settings, Random& random, std::uint8_t* refused_code = nullptr);
  ~DeviceConnection();
  DeviceConnection(const DeviceConnection&) = delete;
  DeviceConnection& operator=(const DeviceConnection&) = delete;

  [[nodiscard]] MqttClient& mqtt() noexcept { return mqtt_; }
  // DISCONNECT, close_notify, close; also done by the destructor.
  void close();

 private:
  DeviceConnection(std::unique_ptr<TlsStream> stream, const MqttSettings& settings)
      : stream_(std::move(stream)), mqtt_(*stream_, settings) {}

  std::unique_ptr<TlsStream> stream_;
  MqttClient mqtt_;
};

}  // namespace certacl::fw
