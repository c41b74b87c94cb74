#pragma once
// Whether the plugin may read and adopt a registry, as pure decisions (no file system, no
// SQLite) so each refusal is one line of a unit test. docs/DEPLOYMENT.md is the model:
// the CA's user owns the database and its directory, nobody else can write either, and
// the broker's own user never owns them. And a registry only moves forward: never a lower
// change counter than one already adopted, never another CA.

#include <cstdint>
#include <string>

namespace certacl::policy {

// What lstat(2) says about the database file or its directory.
struct FileFacts {
  std::string path;
  bool exists = false;
  bool regular_file = false;
  bool directory = false;
  bool symbolic_link = false;
  std::uint32_t owner = 0;
  std::uint32_t mode = 0;  // permission bits, including setuid/setgid/sticky
};

// Why the broker must not read this registry, or "" when it may. `broker_uid` is the
// effective user the broker runs as; 0 (root) skips the "owned by the broker" check, since
// no file mode constrains root (the plugin warns about that at start).
[[nodiscard]] std::string registry_file_problem(const FileFacts& database,
                                                const FileFacts& directory,
                                                std::uint32_t broker_uid);

// What identifies one version of a registry for the monotonic check.
struct RegistryVersion {
  std::int64_t change_counter = 0;
  std::string ca_sha256;  // SHA-256 of the CA certificate; "" before init
};

// Why `candidate` must not replace the `adopted` registry, or "" when it may.
[[nodiscard]] std::string registry_adoption_problem(const RegistryVersion& adopted,
                                                    const RegistryVersion& candidate);

}  // namespace certacl::policy
