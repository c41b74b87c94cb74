#include "certacl_fw/device_settings.h"

#include <charconv>

#include "certacl_fw/device_name.h"
#include "certacl_fw/x509_chain.h"

namespace certacl::fw {
namespace {

constexpr std::uint32_t kMaxIntervalSeconds = 86'400;

Result<std::string> required(const SettingLookup& lookup, std::string_view key) {
  auto value = lookup(key);
  if (!value || value->empty())
    return Status::failure("setting '" + std::string(key) + "' is not set");
  return std::move(*value);
}

void optional_setting(const SettingLookup& lookup, std::string_view key, std::string& out) {
  if (auto value = lookup(key); value && !value->empty()) out = std::move(*value);
}

}  // namespace

std::string DeviceSettings::topic(std::string_view pattern) const {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size() && pattern[i + 1] == 'u') {
      out += name;
      ++i;
    } else {
      out.push_back(pattern[i]);
    }
  }
  return out;
}

Result<Endpoint> parse_endpoint_url(std::string_view url, std::string_view scheme,
                                    std::uint16_t default_port) {
  const std::string prefix = std::string(scheme) + "://";
  if (url.substr(0, prefix.size()) != prefix) {
    return Status::failure("'" + std::string(url) + "' does not start with " + prefix);
  }
  std::string_view rest = url.substr(prefix.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos || rest.find('@') != std::string_view::npos) {
    return Status::failure("'" + std::string(url) + "' must be " + prefix + "host[:port] only");
  }
  Endpoint endpoint;
  const auto colon = rest.rfind(':');
  endpoint.host = std::string(rest.substr(0, colon));
  endpoint.port = default_port;
  if (colon != std::string_view::npos) {
    const std::string_view port = rest.substr(colon + 1);
    unsigned value = 0;
    const auto parsed = std::from_chars(port.data(), port.data() + port.size(), value);
    if (parsed.ec != std::errc{} || parsed.ptr != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return Status::failure("'" + std::string(url) + "' has a bad port");
    }
    endpoint.port = static_cast<std::uint16_t>(value);
  }
  if (endpoint.host.empty()) return Status::failure("'" + std::string(url) + "' has no host");
  return endpoint;
}

Result<DeviceSettings> read_device_settings(const SettingLookup& lookup, bool require_wifi) {
  DeviceSettings settings;
  auto name = required(lookup, "name");
  if (!name) return name.status();
  if (const auto problem = device_name_problem(name.value()); !problem.empty()) {
    return Status::failure("setting 'name': device name '" + name.value() + "' " +
                           std::string(problem));
  }
  settings.name = std::move(name.value());
  optional_setting(lookup, "token", settings.enrollment_token);

  auto est_url = required(lookup, "est_url");
  if (!est_url) return est_url.status();
  auto est = parse_endpoint_url(est_url.value(), "https", 443);
  if (!est) return Status::failure("setting 'est_url': " + est.error());
  settings.est_url = std::move(est_url.value());
  settings.est = std::move(est.value());

  auto broker_url = required(lookup, "broker_url");
  if (!broker_url) return broker_url.status();
  auto broker = parse_endpoint_url(broker_url.value(), "mqtts", 8883);
  if (!broker) return Status::failure("setting 'broker_url': " + broker.error());
  settings.broker_url = std::move(broker_url.value());
  settings.broker = std::move(broker.value());

  auto ca = required(lookup, "ca_cert");
  if (!ca) return ca.status();
  X509Chain chain;
  if (auto parsed = chain.parse_pem(ca.value(), "setting 'ca_cert'"); !parsed) return parsed;
  settings.ca_certificate_pem = std::move(ca.value());

  optional_setting(lookup, "wifi_ssid", settings.wifi_ssid);
  optional_setting(lookup, "wifi_pass", settings.wifi_password);
  if (require_wifi && settings.wifi_ssid.empty())
    return Status::failure("setting 'wifi_ssid' is not set");
  optional_setting(lookup, "telemetry_topic", settings.telemetry_topic);
  optional_setting(lookup, "command_topic", settings.command_topic);

  std::string interval;
  optional_setting(lookup, "interval_s", interval);
  if (!interval.empty()) {
    std::uint32_t value = 0;
    const auto parsed = std::from_chars(interval.data(), interval.data() + interval.size(), value);
    if (parsed.ec != std::errc{} || parsed.ptr != interval.data() + interval.size() || value == 0 ||
        value > kMaxIntervalSeconds) {
      return Status::failure("setting 'interval_s' must be 1.." +
                             std::to_string(kMaxIntervalSeconds));
    }
    settings.publish_interval_s = value;
  }
  return settings;
}

}  // namespace certacl::fw
