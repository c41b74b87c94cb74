#pragma once
// What the broker tests on PostgreSQL share: a real CA (certacl-ca), the role "sensor"
// (publish fleet/%u/#), devices enrolled with real certificates and registered in PostgreSQL
// through PostgresStore as certacl_ca (registry_copy.h), and clients holding those
// certificates.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "certacl/store/postgres_store.h"
#include "certacl_test/broker_fixture.h"
#include "certacl_test/ca_fixture.h"
#include "certacl_test/mqtt_client.h"

namespace certacl::test {

class EnrolledFleet {
 public:
  // Copies the CA and the role into PostgreSQL and enrolls `devices` there.
  EnrolledFleet(store::PostgresStore& writer, const std::vector<std::string>& devices);

  // Enrolls a device with certacl-ca; registers it in PostgreSQL unless `register_it` is false.
  void enroll(const std::string& device, bool register_it = true);

  // A broker with the CA's TLS files and the plugin on `db_url`, password from a file.
  [[nodiscard]] BrokerSettings broker_settings(const std::string& db_url,
                                               const std::string& password_file) const;
  // A device's client for 127.0.0.1:`port` (a broker or a balancer).
  [[nodiscard]] std::unique_ptr<MqttTestClient> client(int port, const std::string& device) const;
  // Connected, or a failed expectation with the broker's log.
  std::unique_ptr<MqttTestClient> connected(const BrokerFixture& on,
                                            const std::string& device) const;
  [[nodiscard]] int connack(int port, const std::string& device) const;

  [[nodiscard]] const IssuedCertificate& certificate(const std::string& device) const {
    return certificates_.at(device);
  }
  CaFixture ca;

 private:
  store::PostgresStore& writer_;
  std::map<std::string, IssuedCertificate> certificates_;
};

}  // namespace certacl::test
