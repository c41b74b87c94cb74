#include "certacl_fw/settings_console.h"

#include <array>

#include "certacl_fw/credential_store.h"
#include "certacl_fw/x509_chain.h"

namespace certacl::fw {
namespace {

constexpr std::array<std::string_view, 10> kKeys = {
    "name",      "token",     "est_url",         "broker_url",    "ca_cert",
    "wifi_ssid", "wifi_pass", "telemetry_topic", "command_topic", "interval_s"};
constexpr std::size_t kMaxLineBytes = 256;

bool known_key(std::string_view key) {
  for (auto known : kKeys) {
    if (known == key) return true;
  }
  return false;
}

bool secret(std::string_view key) {
  return key == "token" || key == "wifi_pass";
}

// Reads PEM lines after "set ca_cert"; returns the block or an error.
Result<std::string> read_pem(Console& console, std::size_t& lines) {
  std::string block;
  while (lines < kMaxSettingsConsoleLines) {
    auto line = console.read_line(kMaxLineBytes);
    if (!line) return Status::failure("input ended inside the PEM block");
    ++lines;
    block += *line + "\n";
    if (block.size() > kMaxStoredItemBytes) {
      return Status::failure("the PEM block is larger than " + std::to_string(kMaxStoredItemBytes) +
                             " bytes");
    }
    if (line->rfind("-----END CERTIFICATE-----", 0) == 0) {
      X509Chain chain;
      if (auto parsed = chain.parse_pem(block, "the CA certificate"); !parsed) return parsed;
      return block;
    }
  }
  return Status::failure("too many lines");
}

}  // namespace

bool run_settings_console(Console& console, SettingsStore& store) {
  console.write_line("certacl settings: set KEY VALUE | set ca_cert (then PEM) | show | done");
  std::size_t lines = 0;
  while (lines < kMaxSettingsConsoleLines) {
    auto line = console.read_line(kMaxLineBytes);
    if (!line) return false;
    ++lines;
    const std::string text = *line;
    if (text == "done") return true;
    if (text == "show") {
      for (auto key : kKeys) {
        const auto value = store.load(key);
        const std::string shown =
            !value ? "(not set)" : (secret(key) || key == "ca_cert" ? "(set)" : *value);
        console.write_line(std::string(key) + "=" + shown);
      }
      continue;
    }
    if (text.rfind("set ", 0) != 0) {
      console.write_line("error: unknown command; use set, show or done");
      continue;
    }
    const std::string rest = text.substr(4);
    const auto space = rest.find(' ');
    const std::string key = rest.substr(0, space);
    if (!known_key(key)) {
      console.write_line("error: unknown setting '" + key + "'");
      continue;
    }
    std::string value;
    if (key == "ca_cert") {
      auto pem = read_pem(console, lines);
      if (!pem) {
        console.write_line("error: " + pem.error());
        continue;
      }
      value = std::move(pem.value());
    } else if (space == std::string::npos || space + 1 >= rest.size()) {
      console.write_line("error: 'set " + key + "' needs a value");
      continue;
    } else {
      value = rest.substr(space + 1);
    }
    if (auto saved = store.save(key, value); !saved) {
      console.write_line("error: " + saved.error());
      continue;
    }
    console.write_line("ok " + key);
  }
  return false;
}

}  // namespace certacl::fw
