// Issuance on a shared database: several CA connections at once never record one serial
// twice, every successful call is committed with the certificate its signer made, and a
// failed issuance leaves nothing behind.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "certacl/store/postgres_registry_reader.h"
#include "postgres_world.h"

namespace certacl::test {
namespace {

class PostgresIssuance : public ::testing::Test {
 protected:
  PostgresWorld world_;
};

TEST_F(PostgresIssuance, ConcurrentIssuersNeverDuplicateASerial) {
  constexpr int kIssuers = 4;
  constexpr int kPerIssuer = 20;
  {
    store::PostgresStore writer(world_.ca);
    world_.seed(writer, kIssuers);
  }
  // A deliberately tiny serial space (1..400, shared by every issuer) makes two issuers
  // pick the same serial at the same time; the real CA draws 159 random bits.
  std::mutex results_mutex;
  std::vector<std::string> committed;
  std::atomic<int> failures{0};
  std::atomic<int> signatures{0};
  std::vector<std::thread> issuers;
  issuers.reserve(kIssuers);
  for (int issuer = 0; issuer < kIssuers; ++issuer) {
    issuers.emplace_back([&, issuer] {
      try {
        store::PostgresStore writer(world_.ca);
        std::minstd_rand random(static_cast<unsigned>(issuer) + 1);
        std::uniform_int_distribution<int> serial_space(1, 400);
        const std::string device = fmt::format("device-{}", issuer);
        for (int i = 0; i < kPerIssuer; ++i) {
          const std::string serial =
              writer.issue_certificate([&] { return fmt::format("{:X}", serial_space(random)); },
                                       [&](const std::string& candidate) {
                                         ++signatures;
                                         return certificate_for(device, candidate);
                                       },
                                       {"test", "sign", device, std::nullopt, ""});
          const std::lock_guard lock(results_mutex);
          committed.push_back(serial);
        }
      } catch (const std::exception& error) {
        ++failures;
        ADD_FAILURE() << "issuer " << issuer << ": " << error.what();
      }
    });
  }
  for (std::thread& thread : issuers) thread.join();

  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(committed.size(), static_cast<std::size_t>(kIssuers * kPerIssuer));
  EXPECT_EQ(std::set<std::string>(committed.begin(), committed.end()).size(), committed.size())
      << "a serial was reported committed twice";

  // What the database holds: every reported serial, with the certificate signed for it.
  store::PostgresConnection admin(world_.admin);
  for (const std::string& serial : committed) {
    const store::PostgresResult row =
        admin.exec("SELECT device, sha256 FROM certacl.certificates WHERE serial = $1", {serial});
    ASSERT_EQ(row.rows(), 1) << serial;
    EXPECT_EQ(row.text(0, 1), certificate_for(std::string(row.text(0, 0)), serial).record.sha256);
  }
  EXPECT_EQ(admin.exec("SELECT count(*) FROM certacl.certificates").int64(0, 0),
            kIssuers + kIssuers * kPerIssuer);
  EXPECT_EQ(admin.exec("SELECT count(*) FROM certacl.audit_log WHERE action = 'sign'").int64(0, 0),
            kIssuers + kIssuers * kPerIssuer)
      << "exactly one audit row per committed certificate, none for retried attempts";
  RecordProperty("signatures_for_80_certificates", signatures.load());
}

TEST_F(PostgresIssuance, ASerialTakenWhileSigningRetriesWithANewSerial) {
  store::PostgresStore writer(world_.ca);
  world_.seed(writer, 1);
  // Another writer that does not queue on the CA's lock (here the owner) records the same
  // serial between the issuer's check and its INSERT.
  store::PostgresStore intruder(world_.admin);
  std::vector<std::string> draws = {"BBB", "AAA"};
  int signatures = 0;
  const std::string serial = writer.issue_certificate(
      [&] {
        std::string next = draws.back();
        draws.pop_back();
        return next;
      },
      [&](const std::string& candidate) {
        if (++signatures == 1) {
          intruder.connection().exec(
              "INSERT INTO certacl.certificates (serial, kind, device, subject, issuer, "
              "not_before, not_after, sha256, certificate_pem, issued_at) VALUES ($1, 'device', "
              "'device-0', 'CN=device-0', 'CN=other', 0, 1, 'intruder', 'PEM', 0)",
              {candidate});
        }
        return certificate_for("device-0", candidate);
      },
      {"test", "sign", "device-0", std::nullopt, ""});

  EXPECT_EQ(serial, "BBB");
  EXPECT_EQ(signatures, 2) << "the first attempt was retried";
  store::PostgresConnection admin(world_.admin);
  EXPECT_EQ(admin.exec("SELECT sha256 FROM certacl.certificates WHERE serial = 'AAA'").text(0, 0),
            "intruder");
  EXPECT_EQ(admin.exec("SELECT count(*) FROM certacl.audit_log WHERE serial = 'BBB'").int64(0, 0),
            1);
  EXPECT_EQ(admin.exec("SELECT count(*) FROM certacl.audit_log WHERE serial = 'AAA'").int64(0, 0),
            0);
}

TEST_F(PostgresIssuance, AFailedSignatureLeavesNoRowNoAuditAndNoChange) {
  store::PostgresStore writer(world_.ca);
  world_.seed(writer, 1);
  store::PostgresRegistryReader reader(world_.broker);
  const std::int64_t counter = reader.change_counter();
  const std::size_t audit_rows = writer.load_audit().size();

  EXPECT_THROW((void)writer.issue_certificate([] { return std::string("ABC"); },
                                              [](const std::string&) -> store::SignedCertificate {
                                                throw std::runtime_error("HSM unavailable");
                                              },
                                              {"test", "sign", "device-0", std::nullopt, ""}),
               std::runtime_error);
  EXPECT_EQ(reader.change_counter(), counter);
  EXPECT_EQ(writer.load_audit().size(), audit_rows);
  EXPECT_EQ(reader.load_registry().device_certificates.size(), 1U);
  // And the connection is usable afterwards (the transaction was rolled back).
  EXPECT_FALSE(issue_for(writer, "device-0").empty());
}

TEST_F(PostgresIssuance, ACertificateForAnUnknownDeviceIsRefused) {
  store::PostgresStore writer(world_.ca);
  world_.seed(writer, 0);
  EXPECT_THROW((void)issue_for(writer, "ghost"), store::StoreRefusal);
}

}  // namespace
}  // namespace certacl::test
