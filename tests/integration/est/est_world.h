#pragma once
// A real `certacl-ca serve` on a loopback port over a CA made by the real CLI, driven by
// the real curl and openssl commands an admin would type (docs/EST.md shows them).
// Devices dev1 and dev2 (role sensors) are registered; nothing is enrolled yet.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "certacl_test/broker_fixture.h"
#include "certacl_test/ca_fixture.h"
#include "certacl_test/process.h"

namespace certacl::test {

struct HttpAnswer {
  int status = 0;  // 0 when curl got no HTTP answer at all
  std::string headers;
  std::string body;
  std::string curl_error;
  [[nodiscard]] bool has_header(const std::string& name_and_value_prefix) const;
};

// start_server() issues 10-minute certificates unless --lifetime is among its options.
class EstWorld : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts the server (extra options appended); fails the test unless it listens.
  void start_server(const std::vector<std::string>& extra = {});
  [[nodiscard]] std::string server_log() const;
  [[nodiscard]] std::string url(const std::string& operation) const;

  // `certacl-ca device token NAME --ttl TTL`: the printed token.
  std::string token(const std::string& device, const std::string& ttl = "1h");
  // A fresh EC P-256 key and CSR (base64 DER, as EST sends it) for `subject` ("/CN=dev1");
  // returns the CSR file, the key goes to <label>.key.
  std::string make_csr(const std::string& label, const std::string& subject);
  [[nodiscard]] std::string key_of(const std::string& label) const;
  // A CSR (base64 DER) for an existing key, written to <label>.csr.b64.
  std::string make_csr_for_key(const std::string& label, const std::string& key_file,
                               const std::string& subject);
  // A broker with the certacl plugin on this CA's database (not started).
  [[nodiscard]] BrokerSettings broker_settings() const;

  // curl with --cacert ca.pem and `args`; body and headers captured.
  HttpAnswer curl(const std::vector<std::string>& args);
  HttpAnswer enroll(const std::string& user, const std::string& password,
                    const std::string& csr_file,
                    const std::string& content_type = "application/pkcs10");
  HttpAnswer reenroll(const std::string& cert_file, const std::string& key_file,
                      const std::string& csr_file);
  // base64 -d | openssl pkcs7 -inform DER -print_certs, written to <label>.pem.
  std::string certificate_file(const HttpAnswer& answer, const std::string& label);
  // `openssl x509 -noout -serial` of a PEM file: upper-case hex.
  std::string serial_of(const std::string& cert_file);
  // Token enrollment end to end; returns the certificate file (key: key_of(label)).
  std::string enrolled(const std::string& device, const std::string& label);
  [[nodiscard]] std::string audit(const std::string& device);

  std::unique_ptr<CaFixture> ca_;
  std::unique_ptr<ScopedProcess> server_;
  int port_ = 0;
};

}  // namespace certacl::test
