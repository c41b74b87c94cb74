#include "certacl_fw/provisioning.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "certacl_fw/console_provisioning.h"
#include "firmware_test_support.h"
#include "test_ca.h"

namespace certacl::fw {
namespace {

class ScriptedConsole final : public Console {
 public:
  void write_line(std::string_view line) override { written.emplace_back(line); }
  std::optional<std::string> read_line(std::size_t max_bytes) override {
    // The device asks for input only after printing its CSR; sign it then.
    if (!signed_once && on_first_read) {
      signed_once = true;
      on_first_read(*this);
    }
    if (input.empty()) return std::nullopt;
    auto line = input.front().substr(0, max_bytes);
    input.pop_front();
    return line;
  }
  void paste(const std::string& pem) {
    std::size_t start = 0;
    while (start < pem.size()) {
      const auto end = pem.find('\n', start);
      input.push_back(pem.substr(start, end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  // The CSR the device printed, put back together from the console lines.
  [[nodiscard]] std::string printed_csr() const {
    std::string csr;
    bool inside = false;
    for (const auto& line : written) {
      if (line == "-----BEGIN CERTIFICATE REQUEST-----") inside = true;
      if (inside) csr += line + "\n";
      if (line == "-----END CERTIFICATE REQUEST-----") inside = false;
    }
    return csr;
  }

  std::vector<std::string> written;
  std::deque<std::string> input;
  std::function<void(ScriptedConsole&)> on_first_read;
  bool signed_once = false;
};

class FirmwareProvisioning : public ::testing::Test {
 protected:
  std::unique_ptr<Random> random = test::make_random();
  test::MemoryStore store;
  Provisioner provisioner{store, *random};
  test::TestCa ca;
};

TEST_F(FirmwareProvisioning, KeepsTheKeyWhenRunAgainForTheSameName) {
  ASSERT_TRUE(provisioner.create_identity("sensor-7").ok());
  const auto key = store.items.at(CredentialItem::device_key);
  ASSERT_TRUE(provisioner.create_identity("sensor-7").ok());
  EXPECT_EQ(store.items.at(CredentialItem::device_key), key);
  EXPECT_EQ(store.items.at(CredentialItem::device_name), "sensor-7");
}

TEST_F(FirmwareProvisioning, RefusesToSilentlyBecomeAnotherDevice) {
  ASSERT_TRUE(provisioner.create_identity("sensor-7").ok());
  const auto key = store.items.at(CredentialItem::device_key);
  const auto status = provisioner.create_identity("sensor-8");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error(),
            "this device already has a key for 'sensor-7'; replace it explicitly to become "
            "'sensor-8'");
  EXPECT_EQ(store.items.at(CredentialItem::device_key), key);
  ASSERT_TRUE(provisioner.create_identity("sensor-8", true).ok());
  EXPECT_NE(store.items.at(CredentialItem::device_key), key);
}

TEST_F(FirmwareProvisioning, RefusesBadNamesAndBrokenStorage) {
  // The CA's rule (common/src/identity.cpp), compiled into the firmware itself.
  for (const char* name : {"a/b", "$SYS", "50%", "a\xE2\x80\xAE", "bad\xFF", "cafe\xCC\x81"}) {
    EXPECT_FALSE(provisioner.create_identity(name).ok()) << name;
  }
  EXPECT_TRUE(store.items.empty());
  store.fail_loads = true;
  const auto status = provisioner.create_identity("sensor-7");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error(), "storage is broken");
  EXPECT_TRUE(store.items.empty());
}

TEST_F(FirmwareProvisioning, InstallsACheckedCertificateAndLoadsCredentials) {
  ASSERT_TRUE(provisioner.create_identity("sensor-7").ok());
  EXPECT_FALSE(provisioner.load_credentials().ok());
  auto csr = provisioner.certificate_request();
  ASSERT_TRUE(csr.ok()) << csr.error();
  const auto certificate = ca.sign(csr.value());
  const auto installed = provisioner.install_certificate(certificate, ca.certificate_pem());
  ASSERT_TRUE(installed.ok()) << installed.error();

  auto credentials = provisioner.load_credentials();
  ASSERT_TRUE(credentials.ok()) << credentials.error();
  EXPECT_EQ(credentials.value().name, "sensor-7");
  EXPECT_EQ(credentials.value().certificate_pem, certificate);
  EXPECT_EQ(credentials.value().ca_certificate_pem, ca.certificate_pem());
}

TEST_F(FirmwareProvisioning, StoresNothingWhenTheCertificateIsWrong) {
  ASSERT_TRUE(provisioner.create_identity("sensor-7").ok());
  test::SignOptions options;
  options.common_name = "sensor-9";
  const auto certificate = ca.sign(provisioner.certificate_request().value(), options);
  const auto installed = provisioner.install_certificate(certificate, ca.certificate_pem());
  ASSERT_FALSE(installed.ok());
  EXPECT_EQ(installed.error(),
            "refusing the certificate: the device certificate names 'sensor-9', not this "
            "device 'sensor-7'");
  EXPECT_EQ(store.items.count(CredentialItem::device_certificate), 0u);
  EXPECT_EQ(store.items.count(CredentialItem::ca_certificate), 0u);
}

TEST_F(FirmwareProvisioning, ConsoleConversationEndsWithOk) {
  ScriptedConsole console;
  console.on_first_read = [this](ScriptedConsole& self) {
    self.input.push_back("operator: signed with certacl-ca");
    self.paste(ca.sign(self.printed_csr()));
    self.paste(ca.certificate_pem());
  };
  const auto status = provision_over_console(provisioner, console, "sensor-7", {});
  ASSERT_TRUE(status.ok()) << status.error();
  ASSERT_GE(console.written.size(), 4u);
  EXPECT_EQ(console.written.front(), "CERTACL-CSR-BEGIN sensor-7");
  EXPECT_EQ(console.written[console.written.size() - 2], "CERTACL-CERT-WAIT 2");
  EXPECT_EQ(console.written.back(), "CERTACL-CERT-OK");
  EXPECT_TRUE(provisioner.load_credentials().ok());
}

TEST_F(FirmwareProvisioning, ConsoleConversationReportsAWrongPaste) {
  ScriptedConsole console;
  test::TestCa stranger("stranger CA");
  console.on_first_read = [&stranger](ScriptedConsole& self) {
    self.paste(stranger.sign(self.printed_csr()));
  };
  ConsoleProvisioningOptions options;
  const std::string built_in_ca = ca.certificate_pem();
  options.built_in_ca_certificate_pem = built_in_ca;
  const auto status = provision_over_console(provisioner, console, "sensor-7", options);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(console.written[console.written.size() - 2], "CERTACL-CERT-WAIT 1");
  EXPECT_EQ(console.written.back().rfind("CERTACL-CERT-ERROR refusing the certificate: ", 0), 0u)
      << console.written.back();
  EXPECT_EQ(store.items.count(CredentialItem::device_certificate), 0u);
}

TEST_F(FirmwareProvisioning, ConsoleConversationReportsAnEndedConsole) {
  ScriptedConsole console;
  const auto status = provision_over_console(provisioner, console, "sensor-7", {});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(console.written.back(),
            "CERTACL-CERT-ERROR the console ended before 2 certificate(s) were pasted");
}

}  // namespace
}  // namespace certacl::fw
