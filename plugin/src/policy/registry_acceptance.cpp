#include "registry_acceptance.h"

#include <fmt/format.h>

namespace certacl::policy {
namespace {

constexpr std::uint32_t kGroupOrOthersWrite = 0022;

std::string ownership_problem(const FileFacts& file, std::string_view what,
                              std::uint32_t broker_uid) {
  if ((file.mode & kGroupOrOthersWrite) != 0) {
    return fmt::format(
        "{} '{}' has mode {:04o}: group or others can write it (docs/DEPLOYMENT.md: only its "
        "owner, the CA's user, may write)",
        what, file.path, file.mode);
  }
  if (broker_uid != 0 && file.owner == broker_uid) {
    return fmt::format(
        "{} '{}' (mode {:04o}) is owned by uid {}, the user this broker runs as; the broker "
        "must not be able to change the registry (docs/DEPLOYMENT.md)",
        what, file.path, file.mode, file.owner);
  }
  return {};
}

}  // namespace

std::string registry_file_problem(const FileFacts& database, const FileFacts& directory,
                                  std::uint32_t broker_uid) {
  if (!database.exists) return fmt::format("database '{}' is missing", database.path);
  if (database.symbolic_link) {
    return fmt::format("database '{}' is a symbolic link; give the real path", database.path);
  }
  if (!database.regular_file) {
    return fmt::format("database '{}' is not a regular file", database.path);
  }
  if (!directory.exists || !directory.directory) {
    return fmt::format("database directory '{}' is missing", directory.path);
  }
  if (std::string problem = ownership_problem(database, "database", broker_uid); !problem.empty()) {
    return problem;
  }
  return ownership_problem(directory, "database directory", broker_uid);
}

std::string registry_adoption_problem(const RegistryVersion& adopted,
                                      const RegistryVersion& candidate) {
  if (!adopted.ca_sha256.empty() && candidate.ca_sha256 != adopted.ca_sha256) {
    return fmt::format(
        "refusing a registry of another CA (CA certificate sha256 {} instead of {}); keeping "
        "the last good registry (restart the broker after restoring a backup)",
        candidate.ca_sha256.empty() ? "none" : candidate.ca_sha256, adopted.ca_sha256);
  }
  if (candidate.change_counter < adopted.change_counter) {
    return fmt::format(
        "refusing a registry whose change counter {} is lower than the adopted {} (an older "
        "copy was put in place); keeping the last good registry (restart the broker after "
        "restoring a backup)",
        candidate.change_counter, adopted.change_counter);
  }
  return {};
}

}  // namespace certacl::policy
