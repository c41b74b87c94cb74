#pragma once
// Human-readable output: aligned text tables and UTC timestamps.

#include <cstdint>
#include <string>
#include <vector>

namespace certacl::ca {

using TableRow = std::vector<std::string>;

// Columns padded to their widest cell, two spaces apart, header first.
[[nodiscard]] std::string render_table(const TableRow& header, const std::vector<TableRow>& rows);

// "2026-11-23T19:45:00Z"
[[nodiscard]] std::string format_utc(std::int64_t unix_seconds);

}  // namespace certacl::ca
