#include "ca_test_world.h"

#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <stdexcept>

#include "certacl/certificate_facts.h"
#include "certificate_builder.h"
#include "device_registry.h"
#include "role_registry.h"

namespace certacl::ca::test {

std::string make_csr_pem(const SubjectFields& subject, EVP_PKEY* key, EVP_PKEY* signer,
                         bool request_ca_extension) {
  X509ReqPtr request(X509_REQ_new());
  X509NamePtr name(X509_NAME_new());
  for (const auto& [field, value] : subject) {
    X509_NAME_add_entry_by_txt(name.get(), field.c_str(), MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.data()),
                               static_cast<int>(value.size()), -1, 0);
  }
  X509_REQ_set_subject_name(request.get(), name.get());
  X509_REQ_set_pubkey(request.get(), key);
  if (request_ca_extension) {
    STACK_OF(X509_EXTENSION)* extensions = sk_X509_EXTENSION_new_null();
    X509_EXTENSION* ca =
        X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints, "critical,CA:TRUE");
    sk_X509_EXTENSION_push(extensions, ca);
    X509_REQ_add_extensions(request.get(), extensions);
    sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  }
  EVP_PKEY* signing_key = signer != nullptr ? signer : key;
  if (X509_REQ_sign(request.get(), signing_key, signing_digest(signing_key)) <= 0) {
    throw std::runtime_error("cannot sign test CSR: " + take_openssl_errors());
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509_REQ(bio.get(), request.get());
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(length)};
}

EvpPkeyPtr make_rsa_key(int bits) {
  EvpPkeyPtr key(EVP_RSA_gen(static_cast<unsigned int>(bits)));
  if (!key) throw std::runtime_error("cannot make RSA key");
  return key;
}

namespace {

CertificateAuthority make_authority() {
  EvpPkeyPtr key = generate_key(KeyType::kEcP256);
  const BignumPtr serial = random_serial();
  CertificateOrder order;
  order.profile = Profile::kCertificateAuthority;
  order.common_name = "unit test CA";
  order.subject_key = key.get();
  order.not_before = unix_now() - 60;
  order.not_after = unix_now() + 86400;
  order.serial = serial.get();
  X509Ptr certificate = build_certificate(order, nullptr, key.get());
  return CertificateAuthority(std::move(certificate), std::move(key));
}

}  // namespace

CaWorld::CaWorld() : db_(create_database(dir_.file("certacl.db"))), authority_(make_authority()) {
  WriteTransaction transaction(db_);
  insert_ca(db_, CaRecord{"unit test CA", certificate_to_pem(authority_.certificate()),
                          dir_.file("ca-key.pem"), false, unix_now()});
  add_role(db_, "sensor");
  add_device(db_, NewDevice{"dev1", "sensor", std::nullopt, std::nullopt});
  transaction.commit();
}

std::int64_t CaWorld::count(const std::string& table) {
  return db_.query_int64("SELECT count(*) FROM " + table);
}

}  // namespace certacl::ca::test
