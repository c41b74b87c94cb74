// init, ca-cert, server-cert, crl: the CA itself and what brokers need from it.

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "atomic_file.h"
#include "audit.h"
#include "ca_database.h"
#include "ca_error.h"
#include "certacl/certificate_facts.h"
#include "certacl/identity.h"
#include "certificate_authority.h"
#include "certificate_builder.h"
#include "cli/cli.h"
#include "csr_policy.h"
#include "key_file.h"
#include "output_file.h"
#include "postgres_registry.h"
#include "revocation.h"

namespace certacl::ca::cli {
namespace {

struct InitOptions {
  std::string name;
  std::string key_type = "ec-p256";
  int days = 3650;
  std::optional<std::string> passphrase_file;
  std::optional<std::string> key_path;
};

// Next to the database by default; the broker can read the database but not this file.
std::string default_key_path(const std::string& db_path) {
  return db_path + "-ca-key.pem";
}

KeyType require_key_type(const std::string& text) {
  const auto type = parse_key_type(text);
  if (!type) {
    throw CaError(ExitCode::kBadInput,
                  fmt::format("unknown key type '{}' (ec-p256, ec-p384, ed25519, rsa-3072)", text));
  }
  return *type;
}

struct SelfSignedCa {
  EvpPkeyPtr key;
  X509Ptr certificate;
};

SelfSignedCa make_ca(const std::string& name, KeyType key_type, const Validity& validity) {
  SelfSignedCa ca;
  ca.key = generate_key(key_type);
  const BignumPtr serial = random_serial();
  CertificateOrder order;
  order.profile = Profile::kCertificateAuthority;
  order.common_name = name;
  order.subject_key = ca.key.get();
  order.not_before = validity.not_before;
  order.not_after = validity.not_after;
  order.serial = serial.get();
  ca.certificate = build_certificate(order, nullptr, ca.key.get());
  return ca;
}

std::string init_audit_detail(const InitOptions& options, KeyType key_type, bool encrypted) {
  return fmt::format("name={} key_type={} encrypted={}", options.name, to_string(key_type),
                     encrypted ? "yes" : "no");
}

// Writes the key file, then the CA row: a registry that names a CA always has its key on
// disk, and a failed write leaves no key behind.
void init_on_postgres(store::PostgresStore& registry, const InitOptions& options, KeyType key_type,
                      const Validity& validity, const std::optional<std::string>& passphrase,
                      const std::string& key_path) {
  if (find_ca(registry)) {
    throw CaError(
        ExitCode::kConflict,
        fmt::format("database '{}' already has a CA; refusing to overwrite it", registry.url()));
  }
  AtomicFile key_file(key_path, 0600);
  const SelfSignedCa ca = make_ca(options.name, key_type, validity);
  std::string key_pem = private_key_pem(ca.key.get(), passphrase);
  key_file.commit(key_pem, /*replace=*/false);
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  try {
    insert_ca(registry,
              CaRecord{options.name, certificate_to_pem(ca.certificate.get()), key_path,
                       passphrase.has_value(), 0},
              serial_hex(ca.certificate.get()),
              init_audit_detail(options, key_type, passphrase.has_value()));
  } catch (...) {
    std::remove(key_path.c_str());
    throw;
  }
}

void run_init(const GlobalOptions& global, const InitOptions& options) {
  if (const auto problem = device_name_problem(options.name); !problem.empty()) {
    throw CaError(ExitCode::kBadInput,
                  fmt::format("invalid CA name '{}': {}", options.name, problem));
  }
  const KeyType key_type = require_key_type(options.key_type);
  const Validity validity = validity_for(options.days, 0, kMaxCaDays);
  std::optional<std::string> passphrase;
  if (options.passphrase_file) passphrase = read_passphrase_file(*options.passphrase_file);
  auto registry = postgres_registry(global);
  if (registry && !options.key_path) {
    throw CaError(ExitCode::kUsage, "--key-file is required with a PostgreSQL registry");
  }
  const std::string key_path =
      std::filesystem::absolute(options.key_path.value_or(default_key_path(global.db_path)))
          .lexically_normal()
          .string();
  if (registry) {
    init_on_postgres(*registry, options, key_type, validity, passphrase, key_path);
    fmt::print("created CA '{}' ({}), key {}\n", options.name, to_string(key_type), key_path);
    return;
  }

  SqliteDatabase db = create_database(global.db_path);
  if (find_ca(db)) {
    throw CaError(
        ExitCode::kConflict,
        fmt::format("database '{}' already has a CA; refusing to overwrite it", global.db_path));
  }
  AtomicFile key_file(key_path, 0600);
  const SelfSignedCa ca = make_ca(options.name, key_type, validity);
  const X509* certificate = ca.certificate.get();

  WriteTransaction transaction(db);
  if (find_ca(db)) {
    throw CaError(
        ExitCode::kConflict,
        fmt::format("database '{}' already has a CA; refusing to overwrite it", global.db_path));
  }
  insert_ca(db, CaRecord{options.name, certificate_to_pem(certificate), key_path,
                         passphrase.has_value(), unix_now()});
  append_audit(db, "init", std::nullopt, serial_hex(certificate),
               init_audit_detail(options, key_type, passphrase.has_value()));
  // The key is written before COMMIT and never over an existing file: a database that
  // names a CA always has its key on disk.
  std::string key_pem = private_key_pem(ca.key.get(), passphrase);
  key_file.commit(key_pem, /*replace=*/false);
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  try {
    transaction.commit();
  } catch (...) {
    std::remove(key_path.c_str());
    throw;
  }
  fmt::print("created CA '{}' ({}), key {}\n", options.name, to_string(key_type), key_path);
}

void run_ca_cert(const GlobalOptions& global, const std::string& out) {
  if (auto registry = postgres_registry(global)) {
    const CaRecord record = require_ca(*registry);
    OutputFile file(out, OutputKind::kPublic);
    file.commit(record.certificate_pem);
    return;
  }
  SqliteDatabase db = open_database(global.db_path);
  const CaRecord record = require_ca(db);
  OutputFile file(out, OutputKind::kPublic);
  file.commit(record.certificate_pem);
}

struct ServerCertOptions {
  std::string common_name;
  std::vector<std::string> san;
  std::optional<std::string> cert_out;
  std::optional<std::string> key_out;
  std::optional<std::string> csr;
  std::string key_type = "ec-p256";
  int days = 365;
  int backdate_days = 0;
  std::optional<std::string> passphrase_file;
  bool force = false;
};

void run_server_cert(const GlobalOptions& global, const ServerCertOptions& options) {
  if (options.common_name.empty() || options.common_name.size() > 64) {
    throw CaError(ExitCode::kBadInput, "--cn must be 1..64 bytes");
  }
  for (const char c : options.common_name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      throw CaError(ExitCode::kBadInput, "--cn contains a control character");
    }
  }
  if (options.csr.has_value() == options.key_out.has_value()) {
    throw CaError(ExitCode::kUsage, "give exactly one of --key-out (new key) and --csr");
  }
  const SubjectAltNames alt_names = parse_alt_names(options.san);
  const Validity validity = validity_for(options.days, options.backdate_days, kMaxLeafDays);
  EvpPkeyPtr key;
  EvpPkeyPtr public_key;
  if (options.csr) {
    CsrVerdict verdict = validate_server_csr_pem(read_input_file(*options.csr, "CSR"));
    if (!verdict.accepted) {
      throw CaError(ExitCode::kBadInput,
                    fmt::format("cannot sign server CSR '{}': {}", *options.csr, verdict.problem));
    }
    public_key = std::move(verdict.accepted->public_key);
  } else {
    key = generate_key(require_key_type(options.key_type));
  }
  CertificateOrder order;
  order.profile = Profile::kServer;
  order.common_name = options.common_name;
  order.subject_key = key ? key.get() : public_key.get();
  order.alt_names = alt_names;
  order.not_before = validity.not_before;
  order.not_after = validity.not_after;
  const std::string detail =
      fmt::format("cn={} san={}", options.common_name, fmt::join(options.san, ","));
  X509Ptr certificate;
  std::optional<OutputFile> key_file;
  auto registry = postgres_registry(global);
  const CertificateAuthority authority =
      registry ? load_authority(*registry, options.passphrase_file) : [&] {
        SqliteDatabase db = open_database(global.db_path);
        return CertificateAuthority::load(db, options.passphrase_file);
      }();
  OutputFile cert_file(*options.cert_out, OutputKind::kPublic);
  if (options.key_out) key_file.emplace(*options.key_out, OutputKind::kPrivateKey, options.force);
  if (registry) {
    certificate =
        issue_certificate(*registry, authority, order, CertificateKind::kServer, std::nullopt,
                          store::AuditDraft{current_actor(), "server-cert", {}, {}, detail});
  } else {
    SqliteDatabase db = open_database(global.db_path);
    WriteTransaction transaction(db);
    certificate = authority.issue(db, order, CertificateKind::kServer, std::nullopt);
    append_audit(db, "server-cert", std::nullopt, serial_hex(certificate.get()), detail);
    transaction.commit();
  }
  const std::string serial = serial_hex(certificate.get());
  cert_file.commit(certificate_to_pem(certificate.get()));
  if (key_file) {
    std::string key_pem = private_key_pem(key.get(), std::nullopt);
    key_file->commit(key_pem);
    OPENSSL_cleanse(key_pem.data(), key_pem.size());
  }
  print_serial(serial, cert_file.is_standard_output());
}

void run_crl(const GlobalOptions& global, const std::string& out, int days,
             const std::optional<std::string>& passphrase_file) {
  if (auto registry = postgres_registry(global)) {
    const CertificateAuthority authority = load_authority(*registry, passphrase_file);
    OutputFile file(out, OutputKind::kPublic);
    file.commit(build_crl_pem(*registry, authority, days));
    return;
  }
  SqliteDatabase db = open_database(global.db_path);
  const CertificateAuthority authority = CertificateAuthority::load(db, passphrase_file);
  OutputFile file(out, OutputKind::kPublic);
  std::string pem;
  {
    // One read snapshot, so the CRL lists exactly the revocations of one moment.
    ReadTransaction snapshot(db);
    pem = build_crl_pem(db, authority, days);
  }
  file.commit(pem);
}

}  // namespace

void add_ca_commands(CLI::App& app, const std::shared_ptr<GlobalOptions>& global) {
  auto init = std::make_shared<InitOptions>();
  CLI::App* init_command =
      app.add_subcommand("init", "Create the CA: key and self-signed certificate");
  init_command->add_option("--name", init->name, "CA name (the certificate's CN)")->required();
  init_command->add_option("--key-type", init->key_type, "ec-p256 | ec-p384 | ed25519 | rsa-3072")
      ->capture_default_str();
  init_command->add_option("--days", init->days, "CA certificate validity in days")
      ->capture_default_str();
  init_command->add_option("--key-file", init->key_path,
                           "Where to write the CA key (default: <db>-ca-key.pem)");
  add_passphrase_option(*init_command, init->passphrase_file);
  init_command->callback([global, init] { run_init(*global, *init); });

  auto ca_cert_out = std::make_shared<std::string>();
  CLI::App* ca_cert = app.add_subcommand("ca-cert", "Write the CA certificate (PEM)");
  ca_cert->add_option("--out", *ca_cert_out, "Output file (- for stdout)")->required();
  ca_cert->callback([global, ca_cert_out] { run_ca_cert(*global, *ca_cert_out); });

  auto server = std::make_shared<ServerCertOptions>();
  CLI::App* server_cert =
      app.add_subcommand("server-cert", "Issue the broker's certificate (serverAuth)");
  server_cert->add_option("--cn", server->common_name, "Broker host name (CN)")->required();
  server_cert->add_option("--san", server->san, "DNS:name,IP:address,URI:uri")->delimiter(',');
  server_cert->add_option("--cert-out", server->cert_out, "Certificate output file")->required();
  server_cert->add_option("--key-out", server->key_out, "Write a new private key here (0600)");
  server_cert->add_flag("--force", server->force, "Replace an existing --key-out file");
  server_cert->add_option("--csr", server->csr, "Sign this CSR instead of making a key");
  server_cert->add_option("--key-type", server->key_type, "Type of a new key")
      ->capture_default_str();
  add_validity_options(*server_cert, server->days, server->backdate_days);
  add_passphrase_option(*server_cert, server->passphrase_file);
  server_cert->callback([global, server] { run_server_cert(*global, *server); });

  struct CrlOptions {
    std::string out;
    int days = 30;
    std::optional<std::string> passphrase_file;
  };
  auto crl_options = std::make_shared<CrlOptions>();
  CLI::App* crl = app.add_subcommand("crl", "Write a signed PEM CRL (mosquitto's crlfile)");
  crl->add_option("--out", crl_options->out, "Output file (- for stdout)")->required();
  crl->add_option("--days", crl_options->days, "Days until nextUpdate")->capture_default_str();
  add_passphrase_option(*crl, crl_options->passphrase_file);
  crl->callback([global, crl_options] {
    run_crl(*global, crl_options->out, crl_options->days, crl_options->passphrase_file);
  });
}

}  // namespace certacl::ca::cli
