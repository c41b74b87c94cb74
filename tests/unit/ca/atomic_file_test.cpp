#include "atomic_file.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include "ca_error.h"
#include "certacl_test/files.h"

namespace certacl::ca {
namespace {

int entries_in(const std::string& path) {
  int count = 0;
  DIR* directory = ::opendir(path.c_str());
  while (const dirent* entry = ::readdir(directory)) {
    if (std::string(entry->d_name) != "." && std::string(entry->d_name) != "..") ++count;
  }
  ::closedir(directory);
  return count;
}

TEST(AtomicFile, WritesContentWithModeAndLeavesNoTemporary) {
  certacl::test::TempDir dir;
  write_file_atomically(dir.file("key.pem"), "secret", 0600);
  EXPECT_EQ(certacl::test::read_file(dir.file("key.pem")), "secret");
  EXPECT_EQ(certacl::test::file_mode(dir.file("key.pem")) & 0777, 0600u);
  EXPECT_EQ(entries_in(dir.path()), 1);
}

TEST(AtomicFile, ReportsUnwritableDirectoryBeforeAnyWrite) {
  try {
    AtomicFile file("/nonexistent-dir/out.pem", 0644);
    FAIL() << "expected an error";
  } catch (const CaError& error) {
    EXPECT_EQ(error.code(), ExitCode::kStorage);
    EXPECT_NE(std::string(error.what()).find("/nonexistent-dir/out.pem"), std::string::npos);
  }
}

TEST(AtomicFile, AbandonedFileLeavesNothingBehind) {
  certacl::test::TempDir dir;
  { AtomicFile file(dir.file("out.pem"), 0644); }
  EXPECT_EQ(entries_in(dir.path()), 0);
}

TEST(AtomicFile, NoReplaceRefusesExistingTarget) {
  certacl::test::TempDir dir;
  certacl::test::write_file(dir.file("key.pem"), "old");
  AtomicFile file(dir.file("key.pem"), 0600);
  EXPECT_THROW(file.commit("new", /*replace=*/false), CaError);
  EXPECT_EQ(certacl::test::read_file(dir.file("key.pem")), "old");
  EXPECT_EQ(entries_in(dir.path()), 1);
}

}  // namespace
}  // namespace certacl::ca
