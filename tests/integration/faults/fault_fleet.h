#pragma once
// One small real fleet per fault test, assembled from the shared fixtures: a CA made by
// certacl-ca in a fresh SQLite file (CaFixture), devices of role "sensor" with their
// certificates, and mosquitto with the certacl plugin on a free loopback port
// (BrokerFixture). Clients are MqttTestClient sessions, so every connect goes through real
// TLS and the real plugin. Everything is stopped and removed on destruction.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "certacl_test/broker_fixture.h"
#include "certacl_test/ca_fixture.h"
#include "certacl_test/mqtt_client.h"

namespace certacl::test {

class FaultFleet {
 public:
  // stale_limit: seconds the plugin serves from its last good snapshot of an unreadable
  // database before it refuses new connections.
  explicit FaultFleet(int stale_limit_seconds = 60);

  // Registers `device` (role sensor: publish factory/%u/#, subscribe factory/#), enrolls
  // it and returns its serial.
  std::string add_device(const std::string& device);
  // False (and the log in the failure message) if the broker did not start.
  [[nodiscard]] bool start_broker();

  // A connected (or refused) session as `device`; client id defaults to the device name.
  std::unique_ptr<MqttTestClient> session(const std::string& device,
                                          const std::string& client_id = {});
  // Connects as `device` and publishes at QoS 1: true when the broker accepted the
  // connection and acknowledged the message.
  bool publish(const std::string& device, const std::string& topic, const std::string& payload,
               const std::string& client_id = {});

  // Polls until `predicate` holds, at most `timeout`.
  template <typename Predicate>
  static bool eventually(Predicate predicate,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (predicate()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return predicate();
  }

  // The last lines of the broker log, each cut to 300 bytes, for failure messages.
  [[nodiscard]] std::string log_tail(std::size_t lines = 40) const;

  [[nodiscard]] CaFixture& ca() noexcept { return ca_; }
  [[nodiscard]] BrokerFixture& broker() noexcept { return *broker_; }
  [[nodiscard]] const std::string& db_path() const noexcept { return ca_.db_path(); }
  [[nodiscard]] std::string file(const std::string& name) const { return ca_.dir().file(name); }
  [[nodiscard]] const IssuedCertificate& certificate(const std::string& device) const {
    return certificates_.at(device);
  }

 private:
  CaFixture ca_;
  int stale_limit_;
  std::map<std::string, IssuedCertificate> certificates_;
  std::unique_ptr<BrokerFixture> broker_;
};

}  // namespace certacl::test
