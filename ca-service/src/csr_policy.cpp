#include "csr_policy.h"

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <array>
#include <climits>

#include "certacl/certificate_facts.h"
#include "certacl/identity.h"

namespace certacl::ca {
namespace {

CsrVerdict refuse(std::string problem) {
  take_openssl_errors();  // leave no stale error for the next operation
  return CsrVerdict{std::nullopt, std::move(problem)};
}

}  // namespace

std::string public_key_problem(const EVP_PKEY* key) {
  if (key == nullptr) return "it carries no public key";
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC: {
      std::array<char, 64> group{};
      std::size_t length = 0;
      if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &length) != 1) {
        return "its EC key has no named curve";
      }
      const std::string_view name(group.data(), length);
      if (name == "prime256v1" || name == "P-256" || name == "secp384r1" || name == "P-384") {
        return {};
      }
      return fmt::format("its EC curve {} is not accepted (use P-256 or P-384)", name);
    }
    case EVP_PKEY_ED25519:
      return {};
    case EVP_PKEY_RSA: {
      const int bits = EVP_PKEY_get_bits(key);
      if (bits >= 2048) return {};
      return fmt::format("its RSA key has {} bits (at least 2048 required)", bits);
    }
    default: {
      const char* type = EVP_PKEY_get0_type_name(key);
      return fmt::format(
          "its key type {} is not accepted (use EC P-256/P-384, Ed25519 or RSA "
          ">= 2048)",
          type != nullptr ? type : "unknown");
    }
  }
}

CsrVerdict validate_csr(X509_REQ* request) {
  if (request == nullptr) return refuse("it is not a PEM certificate request");
  EVP_PKEY* key = X509_REQ_get0_pubkey(request);
  if (key == nullptr) return refuse("it carries no readable public key");
  if (X509_REQ_verify(request, key) != 1) {
    return refuse("its self-signature does not verify");
  }
  if (std::string problem = public_key_problem(key); !problem.empty()) return refuse(problem);
  const X509_NAME* subject = X509_REQ_get_subject_name(request);
  const std::vector<std::string> names =
      subject != nullptr ? common_names(subject) : std::vector<std::string>{};
  if (names.empty()) return refuse("its subject has no CN");
  if (names.size() > 1)
    return refuse(fmt::format("its subject has {} CNs (exactly one required)", names.size()));
  if (const std::string_view problem = device_name_problem(names.front()); !problem.empty()) {
    return refuse(fmt::format("its CN '{}' is not a valid device name: {}",
                              escape_for_display(names.front()), problem));
  }
  EVP_PKEY_up_ref(key);
  return CsrVerdict{AcceptedCsr{names.front(), EvpPkeyPtr(key)}, {}};
}

namespace {

X509ReqPtr parse_request(std::string_view pem) {
  if (pem.size() > INT_MAX) return nullptr;
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return X509ReqPtr(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace

CsrVerdict validate_csr_pem(std::string_view pem) {
  X509ReqPtr request = parse_request(pem);
  if (!request) return refuse("it is not a PEM certificate request");
  return validate_csr(request.get());
}

CsrVerdict validate_server_csr_pem(std::string_view pem) {
  X509ReqPtr request = parse_request(pem);
  if (!request) return refuse("it is not a PEM certificate request");
  EVP_PKEY* key = X509_REQ_get0_pubkey(request.get());
  if (key == nullptr) return refuse("it carries no readable public key");
  if (X509_REQ_verify(request.get(), key) != 1) return refuse("its self-signature does not verify");
  if (std::string problem = public_key_problem(key); !problem.empty()) return refuse(problem);
  EVP_PKEY_up_ref(key);
  return CsrVerdict{AcceptedCsr{{}, EvpPkeyPtr(key)}, {}};
}

}  // namespace certacl::ca
