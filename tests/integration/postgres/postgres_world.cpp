#include "postgres_world.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <array>
#include <atomic>

#include "certacl/store/postgres_schema.h"

namespace certacl::test {
namespace {

std::string sha256_hex(const std::string& data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace

PostgresWorld::PostgresWorld() {
  admin.url = server.url("postgres");
  admin.passfile = server.passfile();
  {
    store::PostgresConnection connection(admin);
    store::apply_postgres_schema(connection);
  }
  ca.url = server.url("ca_writer");
  ca.password_file = server.create_login("ca_writer", "certacl_ca");
  broker.url = server.url("broker_reader");
  broker.password_file = server.create_login("broker_reader", "certacl_broker");
}

void PostgresWorld::seed(store::PostgresStore& writer, int count) const {
  writer.add_role("sensor", "test");
  writer.add_rule({"sensor", RuleEffect::kAllow, RuleAction::kPublish, "sensors/%c/#"}, "test");
  writer.add_rule({"sensor", RuleEffect::kAllow, RuleAction::kSubscribe, "cmd/%c"}, "test");
  for (int i = 0; i < count; ++i) {
    const std::string name = fmt::format("device-{}", i);
    writer.add_device(Device{name, "sensor", true, std::nullopt, std::nullopt, 0, 0}, "test");
    (void)issue_for(writer, name);
  }
}

store::SignedCertificate certificate_for(const std::string& device, const std::string& serial) {
  const std::string pem = fmt::format(
      "-----BEGIN CERTIFICATE-----\n{}:{}\n-----END CERTIFICATE-----\n", device, serial);
  CertificateRecord record;
  record.serial = serial;
  record.kind = CertificateKind::kDevice;
  record.device = device;
  record.subject = "CN=" + device;
  record.issuer = "CN=certacl test CA";
  record.not_before = 1'700'000'000;
  record.not_after = 1'900'000'000;
  record.sha256 = sha256_hex(pem);
  return {record, pem, sha256_hex("public key of " + device)};
}

std::string issue_for(store::PostgresStore& writer, const std::string& device) {
  static std::atomic<int> next_serial{0x1000};
  return writer.issue_certificate(
      [] { return fmt::format("{:X}", next_serial++); },
      [&](const std::string& serial) { return certificate_for(device, serial); },
      {"test", "sign", device, std::nullopt, ""});
}

}  // namespace certacl::test
