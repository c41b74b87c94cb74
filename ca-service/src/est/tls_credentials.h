#pragma once
// The server's TLS identity (certificate chain and key from `certacl-ca server-cert`),
// swappable while serving: SIGHUP loads new files, and each new connection picks up
// whichever pair is current when its handshake starts. A pair that fails to load is
// refused and the old one stays.

#include <openssl/ssl.h>

#include <memory>
#include <mutex>
#include <string>

#include "certacl/openssl_handles.h"

namespace certacl::ca::est {

class TlsCredentials {
 public:
  // Throws CaError(kKey) when the files are unreadable or the key does not match.
  TlsCredentials(std::string certificate_path, std::string key_path);

  // Re-reads both files; throws CaError and keeps the current pair on failure.
  void reload();

  // Configures a server context: TLS >= 1.2, this identity per handshake, a client
  // certificate asked for but not required. The chain is not judged here: the registry
  // decides per request (a recorded fingerprint), so an expired or unknown client
  // certificate gets a clear HTTP answer instead of a handshake alert.
  void install(SSL_CTX* context, const X509* client_ca);

 private:
  struct Pair;
  static int select_for_handshake(SSL* ssl, void* self) noexcept;
  [[nodiscard]] std::shared_ptr<const Pair> current() const;

  std::string certificate_path_;
  std::string key_path_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Pair> current_;
};

}  // namespace certacl::ca::est
