#include "certificate_builder.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ca_error.h"
#include "subject_public_key.h"

namespace certacl::ca {
namespace {

[[noreturn]] void fail(std::string_view what) {
  throw CaError(ExitCode::kKey, fmt::format("cannot {}: {}", what, take_openssl_errors()));
}

void add_extension(X509* certificate, X509V3_CTX* context, int nid, const char* value) {
  X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, context, nid, value));
  if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
    fail(fmt::format("add extension {}={}", OBJ_nid2sn(nid), value));
  }
}

void add_general_name(GENERAL_NAMES* names, int type, const std::string& value) {
  GENERAL_NAME* name =
      a2i_GENERAL_NAME(nullptr, nullptr, nullptr, type, const_cast<char*>(value.c_str()), 0);
  if (name == nullptr) {
    throw CaError(ExitCode::kBadInput, fmt::format("invalid subjectAltName value '{}'", value));
  }
  sk_GENERAL_NAME_push(names, name);
}

void add_alt_names(X509* certificate, const SubjectAltNames& alt_names) {
  if (alt_names.empty()) return;
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  for (const auto& dns : alt_names.dns) add_general_name(names.get(), GEN_DNS, dns);
  for (const auto& ip : alt_names.ip) add_general_name(names.get(), GEN_IPADD, ip);
  for (const auto& uri : alt_names.uri) add_general_name(names.get(), GEN_URI, uri);
  if (X509_add1_ext_i2d(certificate, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) !=
      1) {
    fail("add subjectAltName");
  }
}

X509NamePtr common_name_only(const std::string& common_name) {
  X509NamePtr name(X509_NAME_new());
  if (!name ||
      X509_NAME_add_entry_by_NID(name.get(), NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1) {
    throw CaError(ExitCode::kBadInput, fmt::format("cannot use '{}' as a common name: {}",
                                                   common_name, take_openssl_errors()));
  }
  return name;
}

void add_profile_extensions(X509* certificate, const X509* issuer, Profile profile) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, const_cast<X509*>(issuer != nullptr ? issuer : certificate), certificate,
                 nullptr, nullptr, 0);
  switch (profile) {
    case Profile::kCertificateAuthority:
      add_extension(certificate, &context, NID_basic_constraints, "critical,CA:TRUE");
      add_extension(certificate, &context, NID_key_usage, "critical,keyCertSign,cRLSign");
      break;
    case Profile::kServer:
      add_extension(certificate, &context, NID_basic_constraints, "critical,CA:FALSE");
      add_extension(certificate, &context, NID_key_usage,
                    "critical,digitalSignature,keyEncipherment");
      add_extension(certificate, &context, NID_ext_key_usage, "serverAuth");
      break;
    case Profile::kDevice:
      add_extension(certificate, &context, NID_basic_constraints, "critical,CA:FALSE");
      add_extension(certificate, &context, NID_key_usage, "critical,digitalSignature");
      add_extension(certificate, &context, NID_ext_key_usage, "clientAuth");
      break;
  }
  add_extension(certificate, &context, NID_subject_key_identifier, "hash");
  // The self-signed CA's AKI points at its own SKI, which must exist first.
  add_extension(certificate, &context, NID_authority_key_identifier, "keyid:always");
}

}  // namespace

const EVP_MD* signing_digest(const EVP_PKEY* signing_key) {
  switch (EVP_PKEY_get_base_id(signing_key)) {
    case EVP_PKEY_ED25519:
    case EVP_PKEY_ED448:
      return nullptr;
    case EVP_PKEY_EC:
      return EVP_PKEY_get_bits(signing_key) > 256 ? EVP_sha384() : EVP_sha256();
    default:
      return EVP_sha256();
  }
}

X509Ptr build_certificate(const CertificateOrder& order, const X509* issuer, EVP_PKEY* issuer_key) {
  X509Ptr certificate(X509_new());
  if (!certificate) fail("allocate a certificate");
  X509_set_version(certificate.get(), X509_VERSION_3);
  Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(order.serial, nullptr));
  if (!serial || X509_set_serialNumber(certificate.get(), serial.get()) != 1) fail("set serial");
  const X509NamePtr subject = common_name_only(order.common_name);
  X509_set_subject_name(certificate.get(), subject.get());
  X509_set_issuer_name(certificate.get(),
                       issuer != nullptr ? X509_get_subject_name(issuer) : subject.get());
  if (ASN1_TIME_set(X509_getm_notBefore(certificate.get()),
                    static_cast<time_t>(order.not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(certificate.get()), static_cast<time_t>(order.not_after)) ==
          nullptr) {
    fail("set validity");
  }
  const bool key_set =
      order.subject_spki != nullptr
          ? set_certificate_spki(certificate.get(), order.subject_spki)
          : X509_set_pubkey(certificate.get(), const_cast<EVP_PKEY*>(order.subject_key)) == 1;
  if (!key_set) fail("set public key");
  add_profile_extensions(certificate.get(), issuer, order.profile);
  add_alt_names(certificate.get(), order.alt_names);
  if (X509_sign(certificate.get(), issuer_key, signing_digest(issuer_key)) <= 0) {
    fail("sign certificate");
  }
  return certificate;
}

X509ReqPtr build_request(const std::string& common_name, EVP_PKEY* key) {
  X509ReqPtr request(X509_REQ_new());
  if (!request) fail("allocate a request");
  const X509NamePtr subject = common_name_only(common_name);
  if (X509_REQ_set_subject_name(request.get(), subject.get()) != 1 ||
      X509_REQ_set_pubkey(request.get(), key) != 1 ||
      X509_REQ_sign(request.get(), key, signing_digest(key)) <= 0) {
    fail("build certificate request");
  }
  return request;
}

std::string request_pem(const X509_REQ* request) {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_REQ(bio.get(), request) != 1) fail("encode CSR");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(length)};
}

SubjectAltNames parse_alt_names(const std::vector<std::string>& entries) {
  SubjectAltNames names;
  for (const std::string& entry : entries) {
    const auto colon = entry.find(':');
    const std::string type = colon == std::string::npos ? std::string{} : entry.substr(0, colon);
    const std::string value = colon == std::string::npos ? std::string{} : entry.substr(colon + 1);
    if (value.empty()) {
      throw CaError(ExitCode::kBadInput,
                    fmt::format("invalid --san entry '{}': expected DNS:name, IP:address or "
                                "URI:uri",
                                entry));
    }
    if (type == "DNS") {
      names.dns.push_back(value);
    } else if (type == "IP") {
      const std::unique_ptr<ASN1_OCTET_STRING, OpensslDeleter<ASN1_OCTET_STRING_free>> address(
          a2i_IPADDRESS(value.c_str()));
      if (!address) {
        take_openssl_errors();
        throw CaError(ExitCode::kBadInput, fmt::format("invalid IP address in --san '{}'", entry));
      }
      names.ip.push_back(value);
    } else if (type == "URI") {
      names.uri.push_back(value);
    } else {
      throw CaError(ExitCode::kBadInput,
                    fmt::format("invalid --san entry '{}': type must be DNS, IP or URI", entry));
    }
  }
  return names;
}

}  // namespace certacl::ca
