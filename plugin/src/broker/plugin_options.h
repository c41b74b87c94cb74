#pragma once
// The plugin_opt_* options as one value. Parsing is a pure function from the key/value list
// mosquitto hands over to either PluginOptions or an error naming the option.

#include <spdlog/common.h>

#include <chrono>
#include <span>
#include <string>
#include <utility>
#include <variant>

#include "connect_check.h"

namespace certacl::plugin {

struct PluginOptions {
  std::string db_path;
  // Instead of db_path: a PostgreSQL registry, postgresql://user@host:port/db (no password:
  // it comes from db_password_file, or from PGPASSFILE / ~/.pgpass through libpq).
  std::string db_url;
  std::string db_password_file;
  policy::ConnectPolicy connect;
  std::chrono::seconds stale_limit{60};
  bool dry_run = false;
  spdlog::level::level_enum log_level = spdlog::level::info;
  std::chrono::seconds stats_interval{10};
  std::chrono::milliseconds poll_interval{50};
  std::string shadow_rules_path;  // empty: no shadow rules
};

struct OptionsError {
  std::string message;  // e.g. "plugin_opt_identity: 'cn2' is not one of cn, san-uri, san-dns"
};

// Keys as mosquitto passes them: without the "plugin_opt_" prefix ("db_path", "identity", ...).
using OptionPair = std::pair<std::string, std::string>;
[[nodiscard]] std::variant<PluginOptions, OptionsError> parse_plugin_options(
    std::span<const OptionPair> options);

}  // namespace certacl::plugin
