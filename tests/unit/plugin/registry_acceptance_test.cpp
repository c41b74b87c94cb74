// One line per case: the file facts or registry versions, and whether the plugin may use it.
#include "registry_acceptance.h"

#include <gtest/gtest.h>

namespace certacl::policy {
namespace {

constexpr std::uint32_t kCa = 990;      // the CA's user (certacl)
constexpr std::uint32_t kBroker = 107;  // the broker's user (mosquitto)

FileFacts file(std::uint32_t owner, std::uint32_t mode) {
  return {"/var/lib/certacl/certacl.db", true, true, false, false, owner, mode};
}

FileFacts dir(std::uint32_t owner, std::uint32_t mode) {
  return {"/var/lib/certacl", true, false, true, false, owner, mode};
}

std::string problem(const FileFacts& database, const FileFacts& directory,
                    std::uint32_t broker = kBroker) {
  return registry_file_problem(database, directory, broker);
}

TEST(RegistryFileGuardTest, DeploymentModelIsAccepted) {
  EXPECT_EQ(problem(file(kCa, 0640), dir(kCa, 0750)), "");
  EXPECT_EQ(problem(file(kCa, 0600), dir(kCa, 0700), 0), "");
}

TEST(RegistryFileGuardTest, WritableByGroupOrOthersIsRefusedWithPathAndMode) {
  EXPECT_EQ(problem(file(kCa, 0660), dir(kCa, 0750)),
            "database '/var/lib/certacl/certacl.db' has mode 0660: group or others can write it "
            "(docs/DEPLOYMENT.md: only its owner, the CA's user, may write)");
  EXPECT_NE(problem(file(kCa, 0642), dir(kCa, 0750)), "");
  EXPECT_EQ(problem(file(kCa, 0640), dir(kCa, 02770)),
            "database directory '/var/lib/certacl' has mode 2770: group or others can write it "
            "(docs/DEPLOYMENT.md: only its owner, the CA's user, may write)");
  EXPECT_NE(problem(file(kCa, 0640), dir(kCa, 01777)), "");  // sticky does not help: rename
}

TEST(RegistryFileGuardTest, OwnedByTheBrokersUserIsRefused) {
  EXPECT_NE(problem(file(kBroker, 0640), dir(kCa, 0750)).find("the user this broker runs as"),
            std::string::npos);
  EXPECT_NE(problem(file(kCa, 0640), dir(kBroker, 0750)).find("database directory"),
            std::string::npos);
  // Root: no mode binds it, so ownership cannot be the test (a warning is logged instead).
  EXPECT_EQ(problem(file(0, 0640), dir(0, 0750), 0), "");
}

TEST(RegistryFileGuardTest, MissingSymlinkOrOddFilesAreRefused) {
  FileFacts missing = file(kCa, 0640);
  missing.exists = false;
  EXPECT_EQ(problem(missing, dir(kCa, 0750)), "database '/var/lib/certacl/certacl.db' is missing");
  FileFacts link = file(kCa, 0777);
  link.regular_file = false;
  link.symbolic_link = true;
  EXPECT_NE(problem(link, dir(kCa, 0750)).find("symbolic link"), std::string::npos);
  FileFacts fifo = file(kCa, 0640);
  fifo.regular_file = false;
  EXPECT_NE(problem(fifo, dir(kCa, 0750)).find("not a regular file"), std::string::npos);
}

TEST(RegistryMonotonicTest, OnlyForwardAndOnlyTheSameCa) {
  const RegistryVersion adopted{42, "aa"};
  EXPECT_EQ(registry_adoption_problem(adopted, {42, "aa"}), "");
  EXPECT_EQ(registry_adoption_problem(adopted, {43, "aa"}), "");
  EXPECT_NE(registry_adoption_problem(adopted, {41, "aa"}).find("lower than the adopted 42"),
            std::string::npos);
  EXPECT_NE(registry_adoption_problem(adopted, {50, "bb"}).find("another CA"), std::string::npos);
  EXPECT_NE(registry_adoption_problem(adopted, {50, ""}).find("another CA"), std::string::npos);
  EXPECT_EQ(registry_adoption_problem({0, ""}, {5, "aa"}), "");  // first registry seen
}

}  // namespace
}  // namespace certacl::policy
