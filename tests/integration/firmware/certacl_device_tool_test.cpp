// certacl-device, the host build of the firmware, driven as an operator would: keygen, CSR,
// certacl-ca sign, install (from a file or pasted on the console), publish; and the exit
// codes that tell a script what went wrong.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "certacl_test/process.h"
#include "firmware_fleet.h"

namespace certacl::fw::test {
namespace {

using namespace std::chrono_literals;
using certacl::test::CommandResult;

class CertacldeviceTool : public FirmwareFleet {
 protected:
  CommandResult device(const std::vector<std::string>& args, const std::string& input = {}) {
    std::vector<std::string> argv = {CERTACL_DEVICE_BINARY, "--dir", scratch.file("device")};
    argv.insert(argv.end(), args.begin(), args.end());
    certacl::test::CommandOptions options;
    options.timeout = 30s;
    options.standard_input = input;
    return certacl::test::run_command(argv, options);
  }
  std::vector<std::string> broker_args() const {
    return {"--port", std::to_string(broker->port()), "--server-name", "localhost", "--timeout-ms",
            "5000"};
  }
  CommandResult publish(const std::string& topic, const std::string& message) {
    auto args = std::vector<std::string>{"publish", "--topic", topic, "--message", message};
    const auto extra = broker_args();
    args.insert(args.end(), extra.begin(), extra.end());
    return device(args);
  }
};

TEST_F(CertacldeviceTool, FileBasedProvisioningThenPublish) {
  ASSERT_EQ(device({"keygen", "--name", "sensor-7"}).exit_code, 0);
  const std::string csr_path = scratch.file("sensor-7.csr");
  const auto csr = device({"csr", "--out", csr_path});
  ASSERT_EQ(csr.exit_code, 0) << csr.err;
  const std::string certificate_path = scratch.file("sensor-7.pem");
  ASSERT_EQ(ca.run({"sign", "--csr", csr_path, "--out", certificate_path}).exit_code, 0);

  const auto installed =
      device({"install-cert", "--cert", certificate_path, "--ca", ca.ca_cert_path()});
  ASSERT_EQ(installed.exit_code, 0) << installed.err;
  ASSERT_NO_FATAL_FAILURE(start_broker());

  const auto published = publish("factory/sensor-7/temperature", "19.0");
  ASSERT_EQ(published.exit_code, 0) << published.err << "\n" << broker->log();
  EXPECT_EQ(published.out, "published=1\n");
  const auto seen = watcher->wait_for_message("factory/sensor-7/temperature", 5s);
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->payload, "19.0");
}

TEST_F(CertacldeviceTool, ConsoleProvisioningAcceptsThePastedCertificate) {
  // First pass prints the CSR between markers; the operator signs it with certacl-ca.
  const auto first = device({"provision", "--name", "sensor-7", "--ca", ca.ca_cert_path()});
  EXPECT_NE(first.exit_code, 0);  // nothing was pasted
  const auto begin = first.out.find("-----BEGIN CERTIFICATE REQUEST-----");
  const auto end = first.out.find("-----END CERTIFICATE REQUEST-----");
  ASSERT_NE(begin, std::string::npos) << first.out;
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(first.out.rfind("CERTACL-CSR-BEGIN sensor-7\n", 0), 0u) << first.out;
  EXPECT_NE(first.out.find("CERTACL-CERT-WAIT 1\n"), std::string::npos);
  const std::string csr_pem =
      first.out.substr(begin, end - begin) + "-----END CERTIFICATE REQUEST-----\n";
  const std::string certificate = sign(csr_pem, "pasted");
  ASSERT_FALSE(certificate.empty());

  // Second pass keeps the same key and takes the certificate pasted on the console.
  const auto second = device({"provision", "--name", "sensor-7", "--ca", ca.ca_cert_path()},
                             "here you go\n" + certificate);
  ASSERT_EQ(second.exit_code, 0) << second.err << second.out;
  EXPECT_NE(second.out.find("CERTACL-CERT-OK"), std::string::npos) << second.out;
  ASSERT_NO_FATAL_FAILURE(start_broker());
  ASSERT_EQ(publish("factory/sensor-7/state", "up").exit_code, 0);
}

TEST_F(CertacldeviceTool, ExitCodesSayWhatWentWrong) {
  ASSERT_NO_FATAL_FAILURE(start_broker());
  // Not provisioned yet.
  auto result = publish("factory/sensor-7/state", "up");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("provision the device first"), std::string::npos) << result.err;

  // A name the CA would refuse.
  result = device({"keygen", "--name", "bad/name"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("contains the topic separator '/'"), std::string::npos) << result.err;

  // A certificate that is not this device's (the watcher's) is refused and not stored.
  ASSERT_EQ(device({"keygen", "--name", "sensor-7"}).exit_code, 0);
  const auto other = ca.enroll("watcher-1");
  result = device({"install-cert", "--cert", other.cert_path, "--ca", ca.ca_cert_path()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("refusing the certificate"), std::string::npos) << result.err;
  EXPECT_FALSE(certacl::test::file_exists(scratch.file("device/device_cert.pem")));
}

TEST_F(CertacldeviceTool, RevokedDeviceIsRefused) {
  ASSERT_EQ(device({"keygen", "--name", "sensor-7"}).exit_code, 0);
  const std::string csr_path = scratch.file("sensor-7.csr");
  ASSERT_EQ(device({"csr", "--out", csr_path}).exit_code, 0);
  const std::string certificate_path = scratch.file("sensor-7.pem");
  ASSERT_EQ(ca.run({"sign", "--csr", csr_path, "--out", certificate_path}).exit_code, 0);
  ASSERT_EQ(
      device({"install-cert", "--cert", certificate_path, "--ca", ca.ca_cert_path()}).exit_code, 0);
  ASSERT_NO_FATAL_FAILURE(start_broker());
  ASSERT_EQ(publish("factory/sensor-7/state", "up").exit_code, 0);

  ca.revoke_device("sensor-7");
  CommandResult refused;
  // Until the plugin adopts the revocation a connect may still succeed (exit 0), or succeed
  // and then be kicked mid-publish (exit 5); only a fresh connect refused afterwards counts.
  constexpr int kKickedAfterConnecting = 5;
  for (int attempt = 0; attempt < 50; ++attempt) {
    refused = publish("factory/sensor-7/state", "still here?");
    if (refused.exit_code != 0 && refused.exit_code != kKickedAfterConnecting) break;
    std::this_thread::sleep_for(100ms);
  }
  // 4: CONNACK refusal by the plugin; 3: refused during the TLS handshake.
  EXPECT_TRUE(refused.exit_code == 4 || refused.exit_code == 3)
      << refused.exit_code << " " << refused.err;
  EXPECT_NE(refused.err.find("certacl-device: "), std::string::npos);
}

}  // namespace
}  // namespace certacl::fw::test
