#include "certacl_fw_host/file_credential_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "certacl_test/files.h"

namespace certacl::fw::host {
namespace {

TEST(FirmwareFileStore, MissingItemIsNotAnError) {
  certacl::test::TempDir dir;
  FileCredentialStore store(dir.file("device"));
  auto loaded = store.load(CredentialItem::device_key);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_FALSE(loaded.value().has_value());
}

TEST(FirmwareFileStore, KeyIsPrivateOthersAreReadable) {
  certacl::test::TempDir dir;
  FileCredentialStore store(dir.file("device"));
  const mode_t old_umask = ::umask(0);  // the store must not rely on the umask
  const auto saved_key = store.save(CredentialItem::device_key, "secret");
  const auto saved_certificate = store.save(CredentialItem::device_certificate, "public");
  ::umask(old_umask);
  ASSERT_TRUE(saved_key.ok()) << saved_key.error();
  ASSERT_TRUE(saved_certificate.ok()) << saved_certificate.error();
  EXPECT_EQ(certacl::test::file_mode(store.path_of(CredentialItem::device_key)), 0600u);
  EXPECT_EQ(certacl::test::file_mode(store.path_of(CredentialItem::device_certificate)), 0644u);
  EXPECT_EQ(certacl::test::file_mode(dir.file("device")), 0700u);
  EXPECT_EQ(store.load(CredentialItem::device_key).value().value(), "secret");
  EXPECT_FALSE(certacl::test::file_exists(store.path_of(CredentialItem::device_key) + ".tmp"));
}

TEST(FirmwareFileStore, ReplacesWholeItems) {
  certacl::test::TempDir dir;
  FileCredentialStore store(dir.path());
  ASSERT_TRUE(store.save(CredentialItem::device_name, "a-much-longer-first-name").ok());
  ASSERT_TRUE(store.save(CredentialItem::device_name, "short").ok());
  EXPECT_EQ(store.load(CredentialItem::device_name).value().value(), "short");
}

TEST(FirmwareFileStore, UnreadableItemIsAnErrorNotAbsence) {
  certacl::test::TempDir dir;
  FileCredentialStore store(dir.path());
  // A directory where the key file should be: exists, cannot be read as a file.
  ASSERT_EQ(::mkdir(store.path_of(CredentialItem::device_key).c_str(), 0700), 0);
  auto loaded = store.load(CredentialItem::device_key);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().find("cannot read"), std::string::npos) << loaded.error();
}

}  // namespace
}  // namespace certacl::fw::host
