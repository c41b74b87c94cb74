#include "certacl_fw/device_command.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "certacl_fw/settings_console.h"
#include "test_ca.h"

namespace certacl::fw {
namespace {

TEST(FirmwareDeviceCommand, ParsesTheKnownCommandsOnly) {
  EXPECT_EQ(parse_command("ping"), CommandKind::ping);
  EXPECT_EQ(parse_command(" ping\n"), CommandKind::ping);
  EXPECT_EQ(parse_command("led on"), CommandKind::led_on);
  EXPECT_EQ(parse_command("led off"), CommandKind::led_off);
  EXPECT_EQ(parse_command("led"), CommandKind::led_toggle);
  EXPECT_EQ(parse_command("renew-now"), CommandKind::renew_now);
  EXPECT_EQ(parse_command("reboot"), CommandKind::unknown);
  EXPECT_EQ(parse_command(std::string("ping\0x", 6)), CommandKind::unknown);
}

TEST(FirmwareDeviceCommand, RepliesAreJsonEvenForHostilePayloads) {
  EXPECT_EQ(command_reply("ping", true, "pong"), R"({"command":"ping","ok":true,"detail":"pong"})");
  EXPECT_EQ(command_reply("a\"b\\\x01", false, "unknown command"),
            R"({"command":"a\"b\\?","ok":false,"detail":"unknown command"})");
}

class ScriptConsole final : public Console {
 public:
  void write_line(std::string_view line) override { written.emplace_back(line); }
  std::optional<std::string> read_line(std::size_t max_bytes) override {
    if (input.empty()) return std::nullopt;
    auto line = input.front().substr(0, max_bytes);
    input.pop_front();
    return line;
  }
  std::deque<std::string> input;
  std::vector<std::string> written;
};

class MapSettings final : public SettingsStore {
 public:
  std::optional<std::string> load(std::string_view key) override {
    const auto found = values.find(std::string(key));
    if (found == values.end()) return std::nullopt;
    return found->second;
  }
  Status save(std::string_view key, std::string_view value) override {
    values[std::string(key)] = std::string(value);
    return Status::success();
  }
  std::map<std::string, std::string> values;
};

TEST(FirmwareSettingsConsole, SavesSettingsAndAPastedCaCertificate) {
  test::TestCa ca;
  ScriptConsole console;
  MapSettings store;
  console.input = {"set name sensor-7", "set token s3cret", "set ca_cert"};
  std::size_t start = 0;
  const std::string pem = ca.certificate_pem();
  while (start < pem.size()) {
    const auto end = pem.find('\n', start);
    console.input.push_back(pem.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  console.input.insert(console.input.end(), {"show", "done"});
  EXPECT_TRUE(run_settings_console(console, store));
  EXPECT_EQ(store.values.at("name"), "sensor-7");
  EXPECT_EQ(store.values.at("token"), "s3cret");
  EXPECT_NE(store.values.at("ca_cert").find("-----END CERTIFICATE-----"), std::string::npos);
  // The token is never echoed back.
  for (const auto& line : console.written) EXPECT_EQ(line.find("s3cret"), std::string::npos);
  EXPECT_NE(std::find(console.written.begin(), console.written.end(), "token=(set)"),
            console.written.end());
}

TEST(FirmwareSettingsConsole, RefusesUnknownKeysMissingValuesAndBadPem) {
  ScriptConsole console;
  MapSettings store;
  console.input = {
      "set colour red", "set name", "set ca_cert", "garbage", "-----END CERTIFICATE-----",
      "reboot"};
  EXPECT_FALSE(run_settings_console(console, store));
  EXPECT_TRUE(store.values.empty());
  int errors = 0;
  for (const auto& line : console.written) errors += line.rfind("error: ", 0) == 0 ? 1 : 0;
  EXPECT_EQ(errors, 4);
}

}  // namespace
}  // namespace certacl::fw
