// The plugin_opt_* lines of a broker configuration through the plugin's parser
// (plugin/src/broker/plugin_options.h). Input: one "key=value" per line. Whatever the
// bytes, the answer is either options within their documented ranges or an error that
// names a plugin_opt_ key; anything else aborts.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "plugin_options.h"

namespace {

std::vector<certacl::plugin::OptionPair> split_options(std::string_view input) {
  std::vector<certacl::plugin::OptionPair> pairs;
  while (!input.empty() && pairs.size() < 64) {
    const std::size_t newline = input.find('\n');
    const std::string_view line = input.substr(0, newline);
    input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
    const std::size_t equals = line.find('=');
    pairs.emplace_back(
        std::string(line.substr(0, equals)),
        equals == std::string_view::npos ? std::string() : std::string(line.substr(equals + 1)));
  }
  return pairs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto pairs = split_options(std::string_view(reinterpret_cast<const char*>(data), size));
  const auto parsed = certacl::plugin::parse_plugin_options(pairs);
  if (const auto* error = std::get_if<certacl::plugin::OptionsError>(&parsed)) {
    if (!error->message.starts_with("plugin_opt_")) std::abort();
    // Untrusted text reaches the broker log only escaped: one error, one line.
    for (const char c : error->message) {
      if (static_cast<unsigned char>(c) < 0x20) std::abort();
    }
    return 0;
  }
  const auto& options = std::get<certacl::plugin::PluginOptions>(parsed);
  // Exactly one store, named without control bytes (a NUL would cut it short later).
  if (options.db_path.empty() == options.db_url.empty()) std::abort();
  for (const char c : options.db_path + options.db_url) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) std::abort();
  }
  if (options.stale_limit.count() < 1 || options.stale_limit.count() > 7 * 24 * 3600) std::abort();
  if (options.poll_interval.count() < 10 || options.poll_interval.count() > 60000) std::abort();
  if (options.stats_interval.count() < 0 || options.stats_interval.count() > 86400) std::abort();
  return 0;
}
