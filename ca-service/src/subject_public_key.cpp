#include "subject_public_key.h"

#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>

namespace certacl::ca {
namespace {

// Copies algorithm, parameters and key bits of `source` into `target` (any cached key
// of `target` is left as it is).
bool copy_fields(const X509_PUBKEY* source, X509_PUBKEY* target) {
  ASN1_OBJECT* algorithm = nullptr;
  const unsigned char* bits = nullptr;
  int bits_length = 0;
  X509_ALGOR* algor = nullptr;
  if (X509_PUBKEY_get0_param(&algorithm, &bits, &bits_length, &algor, source) != 1 ||
      bits_length <= 0) {
    return false;
  }
  int parameter_type = V_ASN1_UNDEF;
  const void* parameter = nullptr;
  X509_ALGOR_get0(nullptr, &parameter_type, &parameter, algor);
  void* parameter_copy = nullptr;
  if (parameter_type == V_ASN1_OBJECT) {
    parameter_copy = OBJ_dup(static_cast<const ASN1_OBJECT*>(parameter));
    if (parameter_copy == nullptr) return false;
  } else if (parameter_type != V_ASN1_UNDEF) {
    return false;  // copy_canonical_spki admits only named curves and absent parameters
  }
  ASN1_OBJECT* algorithm_copy = OBJ_dup(algorithm);
  auto* bits_copy = static_cast<unsigned char*>(OPENSSL_memdup(bits, bits_length));
  if (algorithm_copy == nullptr || bits_copy == nullptr ||
      X509_PUBKEY_set0_param(target, algorithm_copy, parameter_type, parameter_copy, bits_copy,
                             bits_length) != 1) {
    ASN1_OBJECT_free(algorithm_copy);
    ASN1_OBJECT_free(static_cast<ASN1_OBJECT*>(parameter_copy));
    OPENSSL_free(bits_copy);
    return false;
  }
  return true;
}

}  // namespace

X509PubkeyPtr copy_canonical_spki(const X509_PUBKEY* source) {
  ASN1_OBJECT* algorithm = nullptr;
  X509_ALGOR* algor = nullptr;
  if (source == nullptr ||
      X509_PUBKEY_get0_param(&algorithm, nullptr, nullptr, &algor, source) != 1) {
    return nullptr;
  }
  int parameter_type = V_ASN1_UNDEF;
  X509_ALGOR_get0(nullptr, &parameter_type, nullptr, algor);
  const int nid = OBJ_obj2nid(algorithm);
  const bool canonical = (nid == NID_X9_62_id_ecPublicKey && parameter_type == V_ASN1_OBJECT) ||
                         (nid == NID_ED25519 && parameter_type == V_ASN1_UNDEF);
  if (!canonical) return nullptr;
  X509PubkeyPtr copy(X509_PUBKEY_new());
  if (!copy || !copy_fields(source, copy.get())) return nullptr;
  return copy;
}

bool set_certificate_spki(X509* certificate, const X509_PUBKEY* spki) {
  X509_PUBKEY* target = X509_get_X509_PUBKEY(certificate);
  return target != nullptr && copy_fields(spki, target);
}

}  // namespace certacl::ca
