#include "plugin_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <set>

namespace certacl::plugin {
namespace {

constexpr std::string_view kPrefix = "plugin_opt_";

std::optional<std::int64_t> parse_integer(std::string_view text, std::int64_t low,
                                          std::int64_t high) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  if (value < low || value > high) return std::nullopt;
  return value;
}

OptionsError bad_value(std::string_view key, std::string_view value, std::string_view expected) {
  return {fmt::format("{}{}: '{}' is not {}", kPrefix, policy::printable(key),
                      policy::printable(value), expected)};
}

bool has_control_character(std::string_view text) noexcept {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7F;
  });
}

// Applies one option; returns an error message naming it, or nullopt.
std::optional<OptionsError> apply(PluginOptions& options, const std::string& key,
                                  const std::string& value) {
  // mosquitto 2.0.11 refuses plugin_opt_ keys shorter than three characters, so the
  // documented name is db_path; "db" is accepted for brokers that allow it.
  if (key == "db_path" || key == "db") {
    if (value.empty()) return OptionsError{"plugin_opt_db_path: the database path is empty"};
    if (has_control_character(value)) return bad_value("db_path", value, "a file path");
    options.db_path = value;
  } else if (key == "db_url") {
    // A NUL or other control byte would cut or bend the URL libpq is handed.
    if ((!value.starts_with("postgresql://") && !value.starts_with("postgres://")) ||
        has_control_character(value)) {
      return bad_value(key, "<url>", "a postgresql:// URL");  // never echo what may be secret
    }
    options.db_url = value;
  } else if (key == "db_password_file") {
    if (value.empty()) return OptionsError{"plugin_opt_db_password_file: the file path is empty"};
    options.db_password_file = value;
  } else if (key == "identity") {
    if (value == "cn") {
      options.connect.identity_source = policy::IdentitySource::kCommonName;
    } else if (value == "san-uri") {
      options.connect.identity_source = policy::IdentitySource::kSanUri;
    } else if (value == "san-dns") {
      options.connect.identity_source = policy::IdentitySource::kSanDns;
    } else {
      return bad_value(key, value, "one of cn, san-uri, san-dns");
    }
  } else if (key == "client_id") {
    if (value == "exact") {
      options.connect.client_id_rule = policy::ClientIdRule::kExact;
    } else if (value == "prefix") {
      options.connect.client_id_rule = policy::ClientIdRule::kPrefix;
    } else if (value == "any") {
      options.connect.client_id_rule = policy::ClientIdRule::kAny;
    } else {
      return bad_value(key, value, "one of exact, prefix, any");
    }
  } else if (key == "other_listeners") {
    if (value == "refuse") {
      options.connect.other_listeners = policy::OtherListeners::kRefuse;
    } else if (value == "defer") {
      options.connect.other_listeners = policy::OtherListeners::kDefer;
    } else {
      return bad_value(key, value, "one of refuse, defer");
    }
  } else if (key == "stale_limit") {
    const auto seconds = parse_integer(value, 1, 7 * 24 * 3600);
    if (!seconds) return bad_value(key, value, "a number of seconds from 1 to 604800");
    options.stale_limit = std::chrono::seconds(*seconds);
  } else if (key == "dry_run") {
    if (value == "true") {
      options.dry_run = true;
    } else if (value == "false") {
      options.dry_run = false;
    } else {
      return bad_value(key, value, "true or false");
    }
  } else if (key == "log_level") {
    if (value == "trace") {
      options.log_level = spdlog::level::trace;
    } else if (value == "debug") {
      options.log_level = spdlog::level::debug;
    } else if (value == "info") {
      options.log_level = spdlog::level::info;
    } else if (value == "warn") {
      options.log_level = spdlog::level::warn;
    } else if (value == "error") {
      options.log_level = spdlog::level::err;
    } else {
      return bad_value(key, value, "one of trace, debug, info, warn, error");
    }
  } else if (key == "stats_interval") {
    const auto seconds = parse_integer(value, 0, 86400);
    if (!seconds) return bad_value(key, value, "a number of seconds from 0 (off) to 86400");
    options.stats_interval = std::chrono::seconds(*seconds);
  } else if (key == "poll_interval_ms") {
    const auto milliseconds = parse_integer(value, 10, 60000);
    if (!milliseconds) return bad_value(key, value, "a number of milliseconds from 10 to 60000");
    options.poll_interval = std::chrono::milliseconds(*milliseconds);
  } else if (key == "shadow_rules") {
    if (value.empty()) return OptionsError{"plugin_opt_shadow_rules: the file path is empty"};
    options.shadow_rules_path = value;
  } else {
    return OptionsError{fmt::format(
        "{}{}: unknown option (known: db_path, db_url, db_password_file, identity, client_id, "
        "other_listeners, stale_limit, dry_run, log_level, stats_interval, poll_interval_ms, "
        "shadow_rules)",
        kPrefix, policy::printable(key))};
  }
  return std::nullopt;
}

}  // namespace

std::variant<PluginOptions, OptionsError> parse_plugin_options(
    std::span<const OptionPair> options) {
  PluginOptions parsed;
  std::set<std::string> seen;
  for (const auto& [key, value] : options) {
    if (!seen.insert(key == "db" ? "db_path" : key).second) {
      return OptionsError{
          fmt::format("{}{}: given more than once", kPrefix, policy::printable(key))};
    }
    if (auto error = apply(parsed, key, value)) return *std::move(error);
  }
  if (!parsed.db_path.empty() && !parsed.db_url.empty()) {
    return OptionsError{
        "plugin_opt_db_url: give plugin_opt_db_path or plugin_opt_db_url, not both"};
  }
  if (!parsed.db_password_file.empty() && parsed.db_url.empty()) {
    return OptionsError{"plugin_opt_db_password_file: only used with plugin_opt_db_url"};
  }
  if (parsed.db_path.empty() && parsed.db_url.empty()) {
    return OptionsError{"plugin_opt_db_path: required (the path of the certacl database)"};
  }
  if (parsed.connect.other_listeners == policy::OtherListeners::kDefer &&
      parsed.connect.client_id_rule == policy::ClientIdRule::kAny) {
    // Under `any` a device may use client ids outside the devices' names, the very ids left
    // to deferred clients: the two could take over each other's sessions.
    return OptionsError{
        "plugin_opt_other_listeners: 'defer' needs plugin_opt_client_id exact or prefix "
        "(with 'any' a device and a password client could take over each other's session)"};
  }
  return parsed;
}

}  // namespace certacl::plugin
