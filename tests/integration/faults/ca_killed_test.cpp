// certacl-ca killed with SIGKILL at arbitrary moments while it signs: every certificate
// committed before stays, the database passes SQLite's integrity check, no certificate
// file is ever half-written, every key written is 0600, and the CA keeps working.

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include "certacl/registry.h"
#include "certacl/sqlite.h"
#include "certacl_test/paths.h"
#include "fault_fleet.h"

namespace certacl::test {
namespace {

using namespace std::chrono_literals;

bool is_complete_certificate(const std::string& path) {
  const std::string pem = read_file(path);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* certificate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  const bool complete = certificate != nullptr;
  X509_free(certificate);
  BIO_free(bio);
  return complete;
}

std::vector<CertificateRecord> certificates(const std::string& db_path) {
  SqliteDatabase db(db_path, SqliteDatabase::Access::ReadOnly);
  return load_certificates(db);
}

TEST(CaKilled, KillDuringSigningLosesNothingCommitted) {
  FaultFleet fleet;
  fleet.add_device("sensor-1");
  const auto before = certificates(fleet.db_path());

  constexpr int kAttempts = 12;
  int interrupted = 0;
  for (int i = 0; i < kAttempts; ++i) {
    const std::string device = "victim-" + std::to_string(i);
    ASSERT_EQ(fleet.ca().try_run({"device", "add", device, "--role", "sensor"}).exit_code, 0);
    // RSA keys take long enough to generate that the kill lands at different stages:
    // key generation, signing, the database transaction, the file writes.
    ScopedProcess signer({ca_binary(), "--db", fleet.db_path(), "enroll", device, "--key-type",
                          i % 2 == 0 ? "rsa-3072" : "ec-p256", "--key-out",
                          fleet.file(device + ".key"), "--cert-out", fleet.file(device + ".crt")},
                         fleet.file(device + ".log"));
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + 13 * i));
    const int status = signer.stop(/*hard=*/true);
    if (WIFSIGNALED(status)) ++interrupted;
  }
  std::cout << "killed " << interrupted << " of " << kAttempts << " signings mid-work\n";
  // Without at least one kill landing mid-work the test proves nothing.
  EXPECT_GT(interrupted, 0);

  {
    SqliteDatabase db(fleet.db_path(), SqliteDatabase::Access::ReadOnly);
    Statement check = db.prepare("PRAGMA integrity_check");
    ASSERT_TRUE(check.step());
    EXPECT_EQ(check.column_text(0), "ok");
  }
  const auto after = certificates(fleet.db_path());
  for (const CertificateRecord& old : before) {
    EXPECT_TRUE(std::any_of(after.begin(), after.end(),
                            [&](const CertificateRecord& now) { return now.serial == old.serial; }))
        << "certificate " << old.serial << " was lost";
  }
  {
    // Every device registered before a kill is still registered.
    SqliteDatabase db(fleet.db_path(), SqliteDatabase::Access::ReadOnly);
    for (int i = 0; i < kAttempts; ++i) {
      EXPECT_TRUE(find_device(db, "victim-" + std::to_string(i)).has_value()) << i;
    }
  }
  for (int i = 0; i < kAttempts; ++i) {
    const std::string device = "victim-" + std::to_string(i);
    if (file_exists(fleet.file(device + ".crt"))) {
      EXPECT_TRUE(is_complete_certificate(fleet.file(device + ".crt"))) << device;
    }
    if (file_exists(fleet.file(device + ".key"))) {
      EXPECT_EQ(file_mode(fleet.file(device + ".key")) & 0777, 0600U) << device;
    }
  }
  // A device whose enrollment was cut short can be enrolled again.
  const CommandResult retry =
      fleet.ca().try_run({"enroll", "victim-0", "--key-out", fleet.file("retry.key"), "--cert-out",
                          fleet.file("retry.crt")});
  EXPECT_EQ(retry.exit_code, 0) << retry.err;
  EXPECT_TRUE(is_complete_certificate(fleet.file("retry.crt")));
  EXPECT_EQ(certificates(fleet.db_path()).size(), after.size() + 1);
}

}  // namespace
}  // namespace certacl::test
