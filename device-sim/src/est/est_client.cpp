#include "est/est_client.h"

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <sys/stat.h>

#include <fstream>
#include <stdexcept>

#include "certacl/certificate_facts.h"
#include "certacl/openssl_handles.h"

namespace certacl::sim {
namespace {

using Pkcs7Ptr = std::unique_ptr<PKCS7, OpensslDeleter<PKCS7_free>>;

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string unbase64(const std::string& text) {
  std::string compact;
  for (const char c : text) {
    if (c != '\n' && c != '\r' && c != ' ') compact.push_back(c);
  }
  std::string out(compact.size() / 4 * 3, '\0');
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(compact.data()),
                                      static_cast<int>(compact.size()));
  if (written < 0) throw std::runtime_error("EST answer is not base64");
  std::size_t padding = 0;
  while (padding < 2 && padding < compact.size() && compact[compact.size() - 1 - padding] == '=') {
    ++padding;
  }
  out.resize(static_cast<std::size_t>(written) - padding);
  return out;
}

EvpPkeyPtr p256_key() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) throw std::runtime_error("cannot generate a P-256 key: " + take_openssl_errors());
  return key;
}

std::string csr_der(const std::string& device, EVP_PKEY* key) {
  X509ReqPtr request(X509_REQ_new());
  X509_NAME* name = X509_REQ_get_subject_name(request.get());
  if (!request ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(device.c_str()), -1, -1,
                                 0) != 1 ||
      X509_REQ_set_pubkey(request.get(), key) != 1 ||
      X509_REQ_sign(request.get(), key, EVP_sha256()) <= 0) {
    throw std::runtime_error("cannot build a CSR: " + take_openssl_errors());
  }
  unsigned char* der = nullptr;
  const int length = i2d_X509_REQ(request.get(), &der);
  if (length <= 0) throw std::runtime_error("cannot encode a CSR");
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

void write_private(const std::string& path, const std::string& contents, mode_t mode) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  if (!out || ::chmod(path.c_str(), mode) != 0) {
    throw std::runtime_error(fmt::format("cannot write '{}'", path));
  }
}

std::string key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw std::runtime_error("cannot encode a key");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(length)};
}

// The one certificate of a certs-only PKCS#7 answer.
X509Ptr certificate_of(const std::string& body) {
  const std::string der = unbase64(body);
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  const Pkcs7Ptr pkcs7(d2i_PKCS7(nullptr, &cursor, static_cast<long>(der.size())));
  if (!pkcs7 || PKCS7_type_is_signed(pkcs7.get()) == 0 || pkcs7->d.sign->cert == nullptr ||
      sk_X509_num(pkcs7->d.sign->cert) != 1) {
    throw std::runtime_error("EST answer is not a certs-only PKCS#7 with one certificate");
  }
  return X509Ptr(X509_dup(sk_X509_value(pkcs7->d.sign->cert, 0)));
}

EstCertificate post(httplib::SSLClient& client, const std::string& operation,
                    const std::string& device, const std::string& directory,
                    const std::string& label) {
  const EvpPkeyPtr key = p256_key();
  client.enable_server_certificate_verification(true);
  client.set_connection_timeout(std::chrono::seconds(10));
  client.set_read_timeout(std::chrono::seconds(30));
  const auto answer = client.Post(("/.well-known/est/" + operation).c_str(),
                                  base64(csr_der(device, key.get())), "application/pkcs10");
  if (!answer) {
    throw std::runtime_error(fmt::format("EST {} for {}: no answer ({})", operation, device,
                                         httplib::to_string(answer.error())));
  }
  if (answer->status != 200) {
    throw std::runtime_error(
        fmt::format("EST {} for {}: HTTP {}: {}", operation, device, answer->status, answer->body));
  }
  const X509Ptr certificate = certificate_of(answer->body);
  EstCertificate out;
  out.keyfile = directory + "/" + label + ".key";
  out.certfile = directory + "/" + label + ".crt";
  write_private(out.keyfile, key_pem(key.get()), 0600);
  write_private(out.certfile, certificate_to_pem(certificate.get()), 0644);
  out.serial = serial_hex(certificate.get());
  out.not_after = asn1_time_to_unix(X509_get0_notAfter(certificate.get())).value_or(0);
  return out;
}

}  // namespace

EstCertificate EstClient::enroll(const std::string& device, const std::string& token,
                                 const std::string& directory, const std::string& label) const {
  httplib::SSLClient client(endpoint_.host, endpoint_.port);
  client.set_ca_cert_path(endpoint_.cafile.c_str());
  client.set_basic_auth(device.c_str(), token.c_str());
  return post(client, "simpleenroll", device, directory, label);
}

EstCertificate EstClient::reenroll(const std::string& device, const EstCertificate& current,
                                   const std::string& directory, const std::string& label) const {
  httplib::SSLClient client(endpoint_.host, endpoint_.port, current.certfile, current.keyfile);
  client.set_ca_cert_path(endpoint_.cafile.c_str());
  return post(client, "simplereenroll", device, directory, label);
}

}  // namespace certacl::sim
