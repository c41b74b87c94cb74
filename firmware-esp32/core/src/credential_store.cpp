#include "certacl_fw/credential_store.h"

namespace certacl::fw {

std::string_view item_name(CredentialItem item) noexcept {
  switch (item) {
    case CredentialItem::device_name:
      return "device_name";
    case CredentialItem::device_key:
      return "device_key";
    case CredentialItem::device_certificate:
      return "device_cert";
    case CredentialItem::ca_certificate:
      return "ca_cert";
  }
  return "unknown";
}

}  // namespace certacl::fw
