#include "certacl_fw/certificate_request.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

#include "certacl/certificate_facts.h"
#include "certacl/openssl_handles.h"
#include "firmware_test_support.h"

namespace certacl::fw {
namespace {

X509ReqPtr openssl_read_csr(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509ReqPtr(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
}

class FirmwareCsr : public ::testing::Test {
 protected:
  std::unique_ptr<Random> random = test::make_random();
  DeviceKey key = DeviceKey::generate(*random).value();
};

TEST_F(FirmwareCsr, OpensslReadsItVerifiesItAndFindsTheName) {
  auto csr = make_certificate_request(key, "sensor-7", *random);
  ASSERT_TRUE(csr.ok()) << csr.error();
  const auto request = openssl_read_csr(csr.value());
  ASSERT_NE(request, nullptr);
  EvpPkeyPtr public_key(X509_REQ_get_pubkey(request.get()));
  EXPECT_EQ(X509_REQ_verify(request.get(), public_key.get()), 1);
  const auto names = common_names(X509_REQ_get_subject_name(request.get()));
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names.front(), "sensor-7");
  EXPECT_EQ(X509_NAME_entry_count(X509_REQ_get_subject_name(request.get())), 1);
}

TEST_F(FirmwareCsr, CarriesTheDevicePublicKey) {
  auto csr = make_certificate_request(key, "sensor-7", *random);
  ASSERT_TRUE(csr.ok());
  const auto request = openssl_read_csr(csr.value());
  EvpPkeyPtr public_key(X509_REQ_get_pubkey(request.get()));
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), public_key.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  EXPECT_EQ(std::string(data, static_cast<std::size_t>(size)), key.public_key_pem().value());
}

// ',' and '\' are special in mbedTLS's "CN=..." syntax; the CN must still be the exact bytes.
TEST_F(FirmwareCsr, KeepsCommasBackslashesAndUtf8Verbatim) {
  for (const std::string name : {"hall,2", "a\\b", "x=y", "capteur-\xC3\xA9t\xC3\xA9"}) {
    auto csr = make_certificate_request(key, name, *random);
    ASSERT_TRUE(csr.ok()) << name << ": " << csr.error();
    const auto names = common_names(X509_REQ_get_subject_name(openssl_read_csr(csr.value()).get()));
    ASSERT_EQ(names.size(), 1u) << name;
    EXPECT_EQ(names.front(), name);
  }
}

TEST_F(FirmwareCsr, RefusesNamesTheCaWouldRefuse) {
  for (const std::string& name :
       std::vector<std::string>{"", "a/b", "a+b", "a#", std::string(65, 'x')}) {
    auto csr = make_certificate_request(key, name, *random);
    ASSERT_FALSE(csr.ok()) << name;
    EXPECT_NE(csr.error().find("cannot make a CSR: device name"), std::string::npos);
  }
}

}  // namespace
}  // namespace certacl::fw
