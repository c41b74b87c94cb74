#pragma once
// The server's log: one line per request outcome on stderr (journald under systemd),
// never a token or a key; control characters (from client-chosen names) become "?".

#include <string_view>

namespace certacl::ca::est {

void log_line(std::string_view line) noexcept;

}  // namespace certacl::ca::est
