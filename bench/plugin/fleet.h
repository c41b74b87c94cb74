#pragma once
// Synthetic registries for the benchmarks: N devices of role "sensor", one certificate each.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certacl/registry.h"

namespace certacl::bench {

inline constexpr std::int64_t kNow = 1'800'000'000;

std::string device_name(std::size_t index);
std::string serial_of(std::size_t index);
// `rule_count` rules for role "sensor": mostly fleet/<n>/... allows sharing one first level
// (the worst case for the first-level index), one fleet/%u/# allow and one deny.
std::vector<RoleRule> sensor_rules(std::size_t rule_count);
RegistryContents fleet(std::size_t devices, std::size_t rule_count = 20);
// Device `index` of that fleet and its certificate, alone (no rules).
RegistryContents fleet_member(std::size_t index);
// The revocation of device `index`'s certificate as a change-log reader hands it over: the
// device's row and its certificate rows, bringing the registry from `after` to `after + 1`.
RegistryChanges revocation(std::int64_t after, const std::string& ca_certificate_sha256,
                           std::size_t index);
// A bench's count argument: a whole number of at least `minimum`, else nullopt.
std::optional<int> count_argument(std::string_view text, int minimum);
// Writes the same fleet into a certacl database at `path` (schema applied).
void write_fleet_database(const std::string& path, std::size_t devices);
// The same rows, into an open certacl database that has no role "sensor" yet.
void write_fleet_rows(SqliteDatabase& db, std::size_t devices);

}  // namespace certacl::bench
