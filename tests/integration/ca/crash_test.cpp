// kill -9 certacl-ca in the middle of a run of signings. Afterwards the database is intact,
// every certificate that reached disk has its row, and no serial repeats.

#include <dirent.h>
#include <gtest/gtest.h>

#include <csignal>
#include <iostream>
#include <thread>

#include "certacl/certificate_facts.h"
#include "certacl/sqlite.h"
#include "certacl_test/paths.h"
#include "cli_world.h"

namespace certacl::ca::test {
namespace {

std::vector<std::string> certificate_files(const std::string& directory) {
  std::vector<std::string> files;
  DIR* dir = ::opendir(directory.c_str());
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.size() > 9 && name.compare(name.size() - 9, 9, ".cert.pem") == 0) {
      files.push_back(directory + "/" + name);
    }
  }
  ::closedir(dir);
  return files;
}

TEST(CliCrash, KilledSigningsLeaveNoUnknownCertificate) {
  certacl::test::CaFixture ca;
  ca.add_role("sensor");
  ca.add_device("dev1", "sensor");
  const std::string csr = openssl_csr(ca, "dev1", "/CN=dev1");
  // How long one signing takes here decides where the kills land (not asserted on).
  const auto timed_start = std::chrono::steady_clock::now();
  ASSERT_EQ(ca.try_run({"sign", "--csr", csr, "--out", ca.dir().file("timed.cert.pem")}).exit_code,
            0);
  const auto typical = std::chrono::steady_clock::now() - timed_start;
  // A background writer keeps signing through the kills, so some kills land while another
  // process holds the write lock and some while the victim itself is mid-transaction.
  const std::string loop =
      "i=0; while [ $i -lt 400 ] && [ ! -e \"$3/stop\" ]; do i=$((i+1)); \"$0\" --db \"$1\" "
      "sign --csr \"$2\" --out \"$3/bg-$i.cert.pem\" >/dev/null 2>&1; done";
  certacl::test::ScopedProcess background(
      {"sh", "-c", loop, certacl::test::ca_binary(), ca.db_path(), csr, ca.dir().path()},
      ca.dir().file("background.log"));

  constexpr int kRounds = 30;
  int killed = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string out = ca.dir().file("victim-" + std::to_string(round) + ".cert.pem");
    certacl::test::ScopedProcess victim(
        {certacl::test::ca_binary(), "--db", ca.db_path(), "sign", "--csr", csr, "--out", out},
        ca.dir().file("victim.log"));
    // Spread the kill points over the process's life: startup, key load, transaction, fsync.
    std::this_thread::sleep_for(typical * 2 * (round + 1) / kRounds);
    if (victim.running()) {
      victim.send_signal(SIGKILL);
      ++killed;
    }
    (void)victim.wait_for_exit(std::chrono::seconds(10));
  }
  // Let the background writer finish its current signing, so what we inspect is at rest.
  certacl::test::write_file(ca.dir().file("stop"), "");
  ASSERT_TRUE(background.wait_for_exit(std::chrono::seconds(30)).has_value());
  EXPECT_GT(killed, 0) << "no signing was interrupted; the test proved nothing";
  std::cout << "[ info     ] killed " << killed << " of " << kRounds
            << " signing processes with SIGKILL (one signing takes ~"
            << std::chrono::duration_cast<std::chrono::milliseconds>(typical).count() << " ms)\n";

  SqliteDatabase db(ca.db_path(), SqliteDatabase::Access::ReadWrite);
  db.configure_as_reader(std::chrono::seconds(10));
  {
    // Scoped: an unfinished statement holds a read lock, which in rollback-journal mode
    // keeps the signing below from committing.
    Statement check = db.prepare("PRAGMA integrity_check");
    ASSERT_TRUE(check.step());
    EXPECT_EQ(check.column_text(0), "ok");
  }
  EXPECT_EQ(db.query_int64("SELECT count(DISTINCT serial) FROM certificates"),
            db.query_int64("SELECT count(*) FROM certificates"));
  EXPECT_EQ(db.query_int64("SELECT count(DISTINCT sha256) FROM certificates"),
            db.query_int64("SELECT count(*) FROM certificates"));
  // Every certificate on disk is complete (atomic rename) and known to the database.
  const auto files = certificate_files(ca.dir().path());
  EXPECT_FALSE(files.empty());
  for (const std::string& file : files) {
    const X509Ptr certificate = parse_certificate_pem(certacl::test::read_file(file));
    ASSERT_TRUE(certificate) << file << " is truncated or corrupt";
    Statement row = db.prepare("SELECT sha256 FROM certificates WHERE serial = ?1");
    row.bind(1, serial_hex(certificate.get()));
    ASSERT_TRUE(row.step()) << file << " has no row";
    EXPECT_EQ(row.column_text(0), sha256_fingerprint(certificate.get()));
  }
  // Every signing row has its audit row (same transaction).
  EXPECT_EQ(db.query_int64("SELECT count(*) FROM certificates WHERE kind = 'device'"),
            db.query_int64("SELECT count(*) FROM audit_log WHERE action = 'sign'"));
  // And the CA still works after the kills.
  const auto after = ca.try_run({"sign", "--csr", csr, "--out", ca.dir().file("after.pem")});
  EXPECT_EQ(after.exit_code, 0) << after.err;
}

}  // namespace
}  // namespace certacl::ca::test
