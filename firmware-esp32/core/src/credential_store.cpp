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
    case CredentialItem::spare_key:
      return "spare_key";
    case CredentialItem::spare_certificate:
      return "spare_cert";
    case CredentialItem::active_slot:
      return "active_slot";
  }
  return "unknown";
}

CredentialItem key_item(int slot) noexcept {
  return slot == 1 ? CredentialItem::spare_key : CredentialItem::device_key;
}

CredentialItem certificate_item(int slot) noexcept {
  return slot == 1 ? CredentialItem::spare_certificate : CredentialItem::device_certificate;
}

bool is_secret(CredentialItem item) noexcept {
  return item == CredentialItem::device_key || item == CredentialItem::spare_key;
}

}  // namespace certacl::fw
