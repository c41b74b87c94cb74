#include "provision/forged_certificate.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include "certacl/certificate_facts.h"
#include "certacl_test/files.h"

namespace certacl::sim {
namespace {

X509Ptr read_certificate(const std::string& path) {
  BioPtr file(BIO_new_file(path.c_str(), "r"));
  return X509Ptr(PEM_read_bio_X509(file.get(), nullptr, nullptr, nullptr));
}

TEST(ForgedCertificate, SelfSignedCarriesTheClaimedName) {
  test::TempDir dir;
  const auto files =
      forge_client_certificate("sensor1", nullptr, dir.file("self.crt"), dir.file("self.key"));
  const auto certificate = read_certificate(files.certfile);
  ASSERT_TRUE(certificate);
  EXPECT_EQ(common_names(X509_get_subject_name(certificate.get())),
            std::vector<std::string>{"sensor1"});
  EXPECT_EQ(X509_verify(certificate.get(), X509_get0_pubkey(certificate.get())), 1);
  EXPECT_EQ(test::file_mode(files.keyfile), 0600u);
}

TEST(ForgedCertificate, SignedByAnotherAuthorityVerifiesOnlyAgainstIt) {
  test::TempDir dir;
  const auto rogue = make_rogue_authority("rogue CA");
  const auto other = make_rogue_authority("other CA");
  const auto files =
      forge_client_certificate("sim+wild", &rogue, dir.file("c.crt"), dir.file("c.key"));
  const auto certificate = read_certificate(files.certfile);
  ASSERT_TRUE(certificate);
  EXPECT_EQ(common_names(X509_get_subject_name(certificate.get())),
            std::vector<std::string>{"sim+wild"});
  EXPECT_EQ(X509_verify(certificate.get(), X509_get0_pubkey(rogue.certificate.get())), 1);
  EXPECT_NE(X509_verify(certificate.get(), X509_get0_pubkey(other.certificate.get())), 1);
}

}  // namespace
}  // namespace certacl::sim
