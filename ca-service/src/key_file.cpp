#include "key_file.h"

#include <fmt/format.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <fstream>

#include "ca_error.h"

namespace certacl::ca {
namespace {

// Never let OpenSSL prompt on a terminal: without a passphrase an encrypted key fails.
int refuse_passphrase_prompt(char*, int, int, void*) {
  return -1;
}

// The plain PKCS#8 key in `pem` decoded as DER PrivateKeyInfo of `type`, or null (not
// such a key, or another type): the caller then takes the general path, which also words
// the error.
EvpPkeyPtr decode_plain_pkcs8(std::string_view pem, const char* type) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* der = nullptr;
  long der_length = 0;
  if (!bio || PEM_read_bio(bio.get(), &name, &header, &der, &der_length) != 1) {
    take_openssl_errors();
    return nullptr;
  }
  const bool plain_pkcs8 = std::string_view(name) == PEM_STRING_PKCS8INF && header[0] == '\0';
  OPENSSL_free(name);
  OPENSSL_free(header);
  EVP_PKEY* key = nullptr;
  if (plain_pkcs8) {
    OSSL_DECODER_CTX* decoder = OSSL_DECODER_CTX_new_for_pkey(&key, "DER", "PrivateKeyInfo", type,
                                                              EVP_PKEY_KEYPAIR, nullptr, nullptr);
    const unsigned char* cursor = der;
    auto remaining = static_cast<std::size_t>(der_length);
    if (decoder == nullptr || OSSL_DECODER_from_data(decoder, &cursor, &remaining) != 1) {
      EVP_PKEY_free(key);
      key = nullptr;
    }
    OSSL_DECODER_CTX_free(decoder);
  }
  OPENSSL_clear_free(der, static_cast<std::size_t>(der_length));
  take_openssl_errors();
  return EvpPkeyPtr(key);
}

bool pem_is_encrypted(std::string_view pem) {
  return pem.find("ENCRYPTED PRIVATE KEY") != std::string_view::npos ||
         pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos;
}

}  // namespace

std::optional<KeyType> parse_key_type(std::string_view text) noexcept {
  if (text == "ec-p256") return KeyType::kEcP256;
  if (text == "ec-p384") return KeyType::kEcP384;
  if (text == "ed25519") return KeyType::kEd25519;
  if (text == "rsa-3072") return KeyType::kRsa3072;
  return std::nullopt;
}

std::string_view to_string(KeyType type) noexcept {
  switch (type) {
    case KeyType::kEcP256:
      return "ec-p256";
    case KeyType::kEcP384:
      return "ec-p384";
    case KeyType::kEd25519:
      return "ed25519";
    case KeyType::kRsa3072:
      return "rsa-3072";
  }
  return "unknown";
}

EvpPkeyPtr generate_key(KeyType type) {
  EvpPkeyPtr key;
  switch (type) {
    case KeyType::kEcP256:
      key.reset(EVP_EC_gen("P-256"));
      break;
    case KeyType::kEcP384:
      key.reset(EVP_EC_gen("P-384"));
      break;
    case KeyType::kEd25519:
      key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
      break;
    case KeyType::kRsa3072:
      key.reset(EVP_RSA_gen(3072));
      break;
  }
  if (!key) {
    throw CaError(ExitCode::kKey, fmt::format("cannot generate {} key: {}", to_string(type),
                                              take_openssl_errors()));
  }
  return key;
}

std::string private_key_pem(const EVP_PKEY* key, const std::optional<std::string>& passphrase) {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio) throw CaError(ExitCode::kKey, "cannot allocate memory for a private key");
  const EVP_CIPHER* cipher = passphrase ? EVP_aes_256_cbc() : nullptr;
  auto* secret = passphrase ? const_cast<char*>(passphrase->data()) : nullptr;
  const int secret_length = passphrase ? static_cast<int>(passphrase->size()) : 0;
  if (PEM_write_bio_PKCS8PrivateKey(bio.get(), key, cipher, secret, secret_length, nullptr,
                                    nullptr) != 1) {
    throw CaError(ExitCode::kKey,
                  fmt::format("cannot encode private key: {}", take_openssl_errors()));
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<std::size_t>(length));
  return pem;
}

EvpPkeyPtr load_private_key(const std::string& path, const std::optional<std::string>& passphrase,
                            std::string_view what, const char* expected_type) {
  std::string pem;
  try {
    pem = read_input_file(path, what);
  } catch (const CaError& error) {
    throw CaError(ExitCode::kKey, error.what());
  }
  const bool encrypted = pem_is_encrypted(pem);
  if (encrypted && !passphrase) {
    throw CaError(ExitCode::kKey, fmt::format("{} '{}' is encrypted: give --passphrase-file (or "
                                              "$CERTACL_PASSPHRASE_FILE)",
                                              what, path));
  }
  EvpPkeyPtr key;
  if (!encrypted && expected_type != nullptr) {
    key = decode_plain_pkcs8(pem, expected_type);
    if (key) {
      OPENSSL_cleanse(pem.data(), pem.size());
      return key;
    }
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (passphrase) {
    key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr,
                                      const_cast<char*>(passphrase->c_str())));
  } else {
    key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase_prompt, nullptr));
  }
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!key) {
    const std::string errors = take_openssl_errors();
    if (encrypted) {
      throw CaError(ExitCode::kKey, fmt::format("wrong passphrase for {} '{}'", what, path));
    }
    throw CaError(ExitCode::kKey, fmt::format("cannot read {} '{}': {}", what, path, errors));
  }
  return key;
}

std::string read_passphrase_file(const std::string& path) {
  std::string text;
  try {
    text = read_input_file(path, "passphrase file");
  } catch (const CaError& error) {
    throw CaError(ExitCode::kKey, error.what());
  }
  const auto end = text.find_first_of("\r\n");
  if (end != std::string::npos) text.resize(end);
  if (text.empty()) {
    throw CaError(ExitCode::kKey, fmt::format("passphrase file '{}' is empty", path));
  }
  return text;
}

std::string read_input_file(const std::string& path, std::string_view what) {
  // CSRs, keys and passphrases are a few KiB; the cap keeps /dev/zero from exhausting memory.
  constexpr std::size_t kMaxInputBytes = 1 << 20;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CaError(ExitCode::kStorage, fmt::format("cannot read {} '{}'", what, path));
  // Read in small pieces up to the cap: a buffer of the cap's size, zeroed, cost every
  // `sign` two page-faulting megabytes (docs/EST.md, "Performance").
  constexpr std::size_t kChunk = 16384;
  std::string contents;
  while (in && contents.size() <= kMaxInputBytes) {
    const std::size_t old_size = contents.size();
    contents.resize(old_size + kChunk);
    in.read(contents.data() + old_size, static_cast<std::streamsize>(kChunk));
    contents.resize(old_size + static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw CaError(ExitCode::kStorage, fmt::format("cannot read {} '{}'", what, path));
  if (contents.size() > kMaxInputBytes) {
    throw CaError(ExitCode::kBadInput,
                  fmt::format("{} '{}' is larger than {} bytes", what, path, kMaxInputBytes));
  }
  return contents;
}

}  // namespace certacl::ca
