#include "est/tls_credentials.h"

#include <fmt/format.h>
#include <openssl/pem.h>

#include <vector>

#include "ca_error.h"
#include "key_file.h"

namespace certacl::ca::est {

struct TlsCredentials::Pair {
  X509Ptr leaf;
  std::vector<X509Ptr> chain;
  EvpPkeyPtr key;
};

namespace {

std::vector<X509Ptr> read_certificates(const std::string& path) {
  const std::string pem = read_input_file(path, "server certificate");
  const BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<X509Ptr> certificates;
  while (X509* next = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certificates.emplace_back(next);
  }
  take_openssl_errors();  // the end-of-file "no start line" is expected
  if (certificates.empty()) {
    throw CaError(ExitCode::kKey, fmt::format("'{}' holds no PEM certificate", path));
  }
  return certificates;
}

int accept_any_client_chain(int /*preverified*/, X509_STORE_CTX* /*context*/) {
  return 1;
}

}  // namespace

TlsCredentials::TlsCredentials(std::string certificate_path, std::string key_path)
    : certificate_path_(std::move(certificate_path)), key_path_(std::move(key_path)) {
  reload();
}

void TlsCredentials::reload() {
  auto pair = std::make_shared<Pair>();
  auto certificates = read_certificates(certificate_path_);
  pair->leaf = std::move(certificates.front());
  for (std::size_t i = 1; i < certificates.size(); ++i) {
    pair->chain.push_back(std::move(certificates[i]));
  }
  pair->key = load_private_key(key_path_, std::nullopt, "server key");
  if (X509_check_private_key(pair->leaf.get(), pair->key.get()) != 1) {
    take_openssl_errors();
    throw CaError(ExitCode::kKey, fmt::format("server key '{}' does not belong to '{}'", key_path_,
                                              certificate_path_));
  }
  const std::lock_guard lock(mutex_);
  current_ = std::move(pair);
}

std::shared_ptr<const TlsCredentials::Pair> TlsCredentials::current() const {
  const std::lock_guard lock(mutex_);
  return current_;
}

int TlsCredentials::select_for_handshake(SSL* ssl, void* self) noexcept {
  const auto pair = static_cast<const TlsCredentials*>(self)->current();
  if (!pair) return 0;
  if (SSL_use_certificate(ssl, pair->leaf.get()) != 1 ||
      SSL_use_PrivateKey(ssl, pair->key.get()) != 1) {
    return 0;
  }
  for (const X509Ptr& extra : pair->chain) {
    if (SSL_add1_chain_cert(ssl, extra.get()) != 1) return 0;
  }
  return 1;
}

void TlsCredentials::install(SSL_CTX* context, const X509* client_ca) {
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_cert_cb(context, &TlsCredentials::select_for_handshake, this);
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER, &accept_any_client_chain);
  // Names the CA in the CertificateRequest, so a client holding several certificates
  // offers the one this CA issued.
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  if (names != nullptr) {
    X509_NAME* name = X509_NAME_dup(X509_get_subject_name(client_ca));
    if (name != nullptr && sk_X509_NAME_push(names, name) > 0) {
      SSL_CTX_set_client_CA_list(context, names);  // takes ownership
    } else {
      X509_NAME_free(name);
      sk_X509_NAME_free(names);
    }
  }
}

}  // namespace certacl::ca::est
