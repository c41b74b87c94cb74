#pragma once
// Every string that did not come from the operator's own configuration (certificate names,
// client ids, topics, device and role names from the registry) goes through printable()
// before it reaches a log line, so no value can end a quoted field early or start a new
// line: `lg' role='admin' serial=0` prints as `lg\x27 role=\x27admin\x27 serial=0`.

#include <string>
#include <string_view>

namespace certacl::policy {

// Control characters, DEL, quote and backslash become \xNN; everything else is kept.
[[nodiscard]] std::string printable(std::string_view untrusted);

}  // namespace certacl::policy
