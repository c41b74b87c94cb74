#include "certacl_fw/device_connection.h"

#include <string>
#include <utility>

namespace certacl::fw {

Result<std::unique_ptr<DeviceConnection>> DeviceConnection::open(
    std::unique_ptr<Socket> socket, const TlsEndpoint& endpoint, DeviceCredentials credentials,
    const MqttSettings& settings, Random& random, std::uint8_t* refused_code) {
  const std::string client_id = credentials.name;
  TlsIdentity identity{std::move(credentials.certificate_pem),
                       std::move(credentials.ca_certificate_pem), std::move(credentials.key)};
  auto stream = TlsStream::open(std::move(socket), endpoint, std::move(identity), random);
  if (!stream) return stream.status();

  std::unique_ptr<DeviceConnection> connection(
      new DeviceConnection(std::move(stream.value()), settings));
  auto connack = connection->mqtt_.connect(client_id);
  if (!connack)
    return Status::failure("MQTT CONNECT as '" + client_id + "' failed: " + connack.error());
  const auto code = connack.value().return_code;
  if (code != 0) {
    if (refused_code != nullptr) *refused_code = code;
    return Status::failure("broker refused the connection as '" + client_id +
                           "': " + std::string(mqtt::connack_reason(code)) + " (CONNACK " +
                           std::to_string(code) + ")");
  }
  return connection;
}

DeviceConnection::~DeviceConnection() {
  close();
}

void DeviceConnection::close() {
  if (!mqtt_.broken()) (void)mqtt_.disconnect();
  stream_->close();
}

}  // namespace certacl::fw
