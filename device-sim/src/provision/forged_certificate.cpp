#include "provision/forged_certificate.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace certacl::sim {
namespace {

constexpr long kValiditySeconds = 24L * 3600L;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(fmt::format("{}: {}", what, take_openssl_errors()));
}

EvpPkeyPtr generate_key() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) fail("cannot generate an EC P-256 key");
  return key;
}

X509NamePtr name_with_cn(const std::string& common_name) {
  X509NamePtr name(X509_NAME_new());
  if (!name ||
      X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1) {
    fail(fmt::format("cannot build subject name CN={}", common_name));
  }
  return name;
}

void add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
    fail(fmt::format("cannot add extension {}", value));
  }
}

X509Ptr build_certificate(const std::string& common_name, EVP_PKEY* subject_key,
                          const SigningAuthority* issuer, bool is_authority) {
  X509Ptr certificate(X509_new());
  if (!certificate) fail("cannot allocate a certificate");
  X509_set_version(certificate.get(), 2);

  BignumPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate.get()))) {
    fail("cannot make a serial number");
  }
  // Start a minute in the past so clock granularity never makes it "not yet valid".
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), kValiditySeconds);

  const auto subject = name_with_cn(common_name);
  X509_set_subject_name(certificate.get(), subject.get());
  X509* issuer_certificate = issuer ? issuer->certificate.get() : certificate.get();
  X509_set_issuer_name(certificate.get(), X509_get_subject_name(issuer_certificate));
  X509_set_pubkey(certificate.get(), subject_key);

  if (is_authority) {
    add_extension(certificate.get(), issuer_certificate, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(certificate.get(), issuer_certificate, NID_key_usage,
                  "critical,keyCertSign,cRLSign");
  } else {
    add_extension(certificate.get(), issuer_certificate, NID_basic_constraints, "CA:FALSE");
    add_extension(certificate.get(), issuer_certificate, NID_key_usage,
                  "critical,digitalSignature");
    add_extension(certificate.get(), issuer_certificate, NID_ext_key_usage, "clientAuth");
  }
  add_extension(certificate.get(), issuer_certificate, NID_subject_key_identifier, "hash");
  if (issuer) {
    add_extension(certificate.get(), issuer_certificate, NID_authority_key_identifier,
                  "keyid:always");
  }

  EVP_PKEY* signer = issuer ? issuer->key.get() : subject_key;
  if (X509_sign(certificate.get(), signer, EVP_sha256()) == 0) {
    fail(fmt::format("cannot sign certificate CN={}", common_name));
  }
  return certificate;
}

struct FileCloser {
  void operator()(std::FILE* file) const noexcept { std::fclose(file); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

FilePtr open_for_writing(const std::string& path, mode_t mode) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error(fmt::format("cannot write {}", path));
  fchmod(fd, mode);  // an existing file keeps its old mode through O_CREAT
  FilePtr file(fdopen(fd, "w"));
  if (!file) {
    close(fd);
    throw std::runtime_error(fmt::format("cannot write {}", path));
  }
  return file;
}

}  // namespace

SigningAuthority make_rogue_authority(const std::string& common_name) {
  SigningAuthority authority;
  authority.key = generate_key();
  authority.certificate = build_certificate(common_name, authority.key.get(), nullptr, true);
  return authority;
}

SigningAuthority load_authority(const std::string& certificate_pem, const std::string& key_path) {
  SigningAuthority authority;
  BioPtr pem(BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())));
  authority.certificate.reset(PEM_read_bio_X509(pem.get(), nullptr, nullptr, nullptr));
  if (!authority.certificate) fail("cannot parse the CA certificate");
  BioPtr key_file(BIO_new_file(key_path.c_str(), "r"));
  if (!key_file) fail(fmt::format("cannot open CA key {}", key_path));
  authority.key.reset(PEM_read_bio_PrivateKey(key_file.get(), nullptr, nullptr, nullptr));
  if (!authority.key) fail(fmt::format("cannot read CA key {} (encrypted?)", key_path));
  return authority;
}

ForgedFiles forge_client_certificate(const std::string& common_name, const SigningAuthority* issuer,
                                     const std::string& cert_path, const std::string& key_path) {
  const auto key = generate_key();
  const auto certificate = build_certificate(common_name, key.get(), issuer, false);
  {
    const auto file = open_for_writing(key_path, 0600);
    if (PEM_write_PrivateKey(file.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
      fail(fmt::format("cannot write key {}", key_path));
    }
  }
  {
    const auto file = open_for_writing(cert_path, 0644);
    if (PEM_write_X509(file.get(), certificate.get()) != 1) {
      fail(fmt::format("cannot write certificate {}", cert_path));
    }
  }
  return {cert_path, key_path};
}

}  // namespace certacl::sim
