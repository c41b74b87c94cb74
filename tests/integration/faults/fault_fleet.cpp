#include "fault_fleet.h"

#include <sstream>
#include <vector>

namespace certacl::test {

FaultFleet::FaultFleet(int stale_limit_seconds)
    : ca_("certacl fault CA"), stale_limit_(stale_limit_seconds) {
  ca_.add_role("sensor");
  ca_.allow("sensor", "publish", "factory/%u/#");
  ca_.allow("sensor", "subscribe", "factory/#");
}

std::string FaultFleet::add_device(const std::string& device) {
  ca_.add_device(device, "sensor");
  const IssuedCertificate issued = ca_.enroll(device);
  certificates_[device] = issued;
  return issued.serial;
}

bool FaultFleet::start_broker() {
  BrokerSettings settings;
  settings.cafile = ca_.ca_cert_path();
  settings.certfile = ca_.server_cert_path();
  settings.keyfile = ca_.server_key_path();
  settings.db_path = ca_.db_path();
  settings.plugin_options = {{"stale_limit", std::to_string(stale_limit_)},
                             {"poll_interval_ms", "50"}};
  broker_ = std::make_unique<BrokerFixture>(settings);
  return broker_->start();
}

std::unique_ptr<MqttTestClient> FaultFleet::session(const std::string& device,
                                                    const std::string& client_id) {
  MqttClientSettings settings;
  settings.port = broker_->port();
  settings.client_id = client_id.empty() ? device : client_id;
  settings.cafile = ca_.ca_cert_path();
  settings.certfile = certificate(device).cert_path;
  settings.keyfile = certificate(device).key_path;
  auto client = std::make_unique<MqttTestClient>(settings);
  client->connect();
  return client;
}

bool FaultFleet::publish(const std::string& device, const std::string& topic,
                         const std::string& payload, const std::string& client_id) {
  const auto client = session(device, client_id);
  return client->connected() && client->publish(topic, payload, 1);
}

std::string FaultFleet::log_tail(std::size_t lines) const {
  if (!broker_) return "(no broker)";
  std::vector<std::string> kept;
  std::istringstream log(broker_->log());
  for (std::string line; std::getline(log, line);) {
    if (line.size() > 300) line = line.substr(0, 300) + "...";
    kept.push_back(std::move(line));
    if (kept.size() > lines) kept.erase(kept.begin());
  }
  std::string text = "broker log (tail):\n";
  for (const std::string& line : kept) text += line + "\n";
  return text;
}

}  // namespace certacl::test
