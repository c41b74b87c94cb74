#include "certacl_fw_host/https_est_transport.h"

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>

#include "certacl_fw/provisioning.h"

namespace certacl::fw::host {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

BioPtr memory_bio(std::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Every certificate of a PEM text into a new store (handed to httplib, which owns it).
X509_STORE* store_of(std::string_view pem) {
  X509_STORE* store = X509_STORE_new();
  auto bio = memory_bio(pem);
  int added = 0;
  while (X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509Ptr owned(certificate);
    if (X509_STORE_add_cert(store, certificate) == 1) ++added;
  }
  if (added == 0) {
    X509_STORE_free(store);
    return nullptr;
  }
  return store;
}

std::string error_text(httplib::Error error, long verify_result) {
  if (error == httplib::Error::SSLServerVerification) {
    return std::string("the EST server's certificate is not trusted: ") +
           X509_verify_cert_error_string(verify_result);
  }
  return httplib::to_string(error);
}

}  // namespace

Result<EstResponse> HttpsEstTransport::exchange(const EstRequest& request) {
  std::optional<httplib::SSLClient> client;
  if (request.client_identity != nullptr) {
    auto key_pem = request.client_identity->key.private_key_pem();
    if (!key_pem) return key_pem.status();
    auto certificate_bio = memory_bio(request.client_identity->certificate_pem);
    X509Ptr certificate(PEM_read_bio_X509(certificate_bio.get(), nullptr, nullptr, nullptr));
    auto key_bio = memory_bio(key_pem.value());
    PkeyPtr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
    OPENSSL_cleanse(key_pem.value().data(), key_pem.value().size());
    if (!certificate || !key) return Status::failure("cannot load the device credentials for TLS");
    // SSL_CTX_use_certificate/PrivateKey take their own references.
    client.emplace(server_.host, server_.port, certificate.get(), key.get());
  } else {
    client.emplace(server_.host, server_.port);
  }
  X509_STORE* store = store_of(ca_pem_);
  if (store == nullptr) return Status::failure("no usable CA certificate to check the EST server");
  client->set_ca_cert_store(store);
  client->enable_server_certificate_verification(true);
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout_).count();
  client->set_connection_timeout(seconds);
  client->set_read_timeout(seconds);
  client->set_write_timeout(seconds);
  if (request.basic_auth) {
    client->set_basic_auth(request.basic_auth->username, request.basic_auth->password);
  }

  const auto result = request.post ? client->Post(request.path, request.body, request.content_type)
                                   : client->Get(request.path);
  if (!result) {
    return Status::failure("cannot reach the EST server " + server_.host + ":" +
                           std::to_string(server_.port) + ": " +
                           error_text(result.error(), client->get_openssl_verify_result()));
  }
  EstResponse response;
  response.status = result->status;
  response.content_type = result->get_header_value("Content-Type");
  response.body = result->body;
  return response;
}

}  // namespace certacl::fw::host
