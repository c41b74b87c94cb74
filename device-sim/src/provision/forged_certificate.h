#pragma once
// Certificates certacl-ca would never issue, made with OpenSSL directly: self-signed ones,
// ones from another CA, names with MQTT wildcards, and ones signed with the real CA's key
// but never recorded in its database (a stolen key or a tampered registry).

#include <string>

#include "certacl/openssl_handles.h"

namespace certacl::sim {

// Who signs a forged certificate: an issuer certificate and its key.
struct SigningAuthority {
  X509Ptr certificate;
  EvpPkeyPtr key;
};

// A new self-signed CA (P-256), e.g. "a certificate from another CA".
[[nodiscard]] SigningAuthority make_rogue_authority(const std::string& common_name);
// The real CA, from its certificate PEM and its key file.
[[nodiscard]] SigningAuthority load_authority(const std::string& certificate_pem,
                                              const std::string& key_path);

struct ForgedFiles {
  std::string certfile;
  std::string keyfile;
};

// Writes a fresh key (mode 0600) and a client certificate with CN `common_name`, valid
// for a day, signed by `issuer` or by its own key when `issuer` is null.
ForgedFiles forge_client_certificate(const std::string& common_name, const SigningAuthority* issuer,
                                     const std::string& cert_path, const std::string& key_path);

}  // namespace certacl::sim
