#pragma once
// The world a host-built firmware device meets: a CA (real certacl-ca, real SQLite file),
// a broker (real mosquitto with the certacl plugin on 127.0.0.1), and a watcher client
// (libmosquitto) that sees what the device publishes and can send it commands.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "certacl_test/broker_fixture.h"
#include "certacl_test/ca_fixture.h"
#include "certacl_test/files.h"
#include "certacl_test/mqtt_client.h"

namespace certacl::fw::test {

class FirmwareFleet : public ::testing::Test {
 protected:
  // Roles: "sensor" publishes under factory/%u/# and subscribes to cmd/%u; "watcher" sees
  // factory/# and may publish cmd/#. Registers sensor-7 and enrolls watcher-1.
  void SetUp() override;

  // Starts the broker and the subscribed watcher. Tests call it after provisioning: the
  // plugin learns of certificates issued later only at its next poll, and a device that
  // connects before then is (rightly) refused as unknown.
  void start_broker();

  // `certacl-ca sign --csr F --out F` for a PEM CSR; returns the certificate PEM.
  std::string sign(const std::string& csr_pem, const std::string& label);

  certacl::test::CaFixture ca;
  certacl::test::TempDir scratch;
  std::unique_ptr<certacl::test::BrokerFixture> broker;
  certacl::test::IssuedCertificate watcher_certificate;
  std::unique_ptr<certacl::test::MqttTestClient> watcher;
};

}  // namespace certacl::fw::test
