#include "live_registry.h"

#include <fmt/format.h>
#include <openssl/pem.h>

#include <optional>
#include <stdexcept>

#include "ca_database.h"
#include "certacl/sqlite.h"
#include "certacl/store/postgres_store.h"
#include "certificate_authority.h"
#include "certificate_builder.h"
#include "device_registry.h"
#include "fleet.h"
#include "key_file.h"
#include "postgres_fleet.h"
#include "postgres_registry.h"
#include "revocation.h"

namespace certacl::bench {
namespace {

std::string request_pem(const X509_REQ* request) {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_REQ(bio.get(), request) != 1) {
    throw std::runtime_error("cannot encode a CSR");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(length)};
}

ca::NewDevice sensor(const std::string& name) {
  return {name, "sensor", std::nullopt, std::nullopt};
}

// The CA's own file, opened as certacl-ca opens it.
class SqliteRegistry final : public LiveRegistry {
 public:
  explicit SqliteRegistry(std::size_t devices) {
    {
      SqliteDatabase db(ca_.db_path(), SqliteDatabase::Access::ReadWrite);
      db.configure_as_writer(std::chrono::seconds(5));
      write_fleet_rows(db, devices);  // role "sensor" and its rules too
    }
    db_.emplace(ca::open_database(ca_.db_path()));
    authority_.emplace(ca::CertificateAuthority::load(*db_, std::nullopt));
  }

  [[nodiscard]] std::string store_name() const override { return "SQLite"; }
  [[nodiscard]] test::BrokerSettings broker_settings() const override {
    test::BrokerSettings settings = tls_settings();
    settings.db_path = ca_.db_path();  // default poll interval (50 ms)
    return settings;
  }
  void add_device(const std::string& name) override {
    WriteTransaction transaction(*db_);
    ca::add_device(*db_, sensor(name));
    transaction.commit();
  }
  void revoke_device(const std::string& name) override {
    WriteTransaction transaction(*db_);
    (void)ca::revoke_device(*db_, name, ca::kReasonKeyCompromise);
    transaction.commit();
  }

 private:
  ca::IssuedCertificate sign(const ca::DeviceIssueRequest& request) override {
    return ca::issue_device_certificate(*db_, *authority_, request);
  }

  std::optional<SqliteDatabase> db_;
  std::optional<ca::CertificateAuthority> authority_;
};

class PostgresRegistry final : public LiveRegistry {
 public:
  PostgresRegistry(test::PostgresServer& server, std::size_t devices)
      : server_(server), database_(fmt::format("fleet_{}", devices)) {
    server_.run_sql("CREATE DATABASE " + database_, "postgres");
    {
      store::PostgresSettings admin;
      admin.url = server_.url("postgres", database_);
      admin.passfile = server_.passfile();
      store::PostgresConnection connection(admin);
      write_fleet_postgres(connection, devices);
    }
    store::PostgresSettings writer;
    writer.url = server_.url(database_ + "_ca", database_);
    writer.password_file = server_.create_login(database_ + "_ca", "certacl_ca");
    broker_password_file_ = server_.create_login(database_ + "_broker", "certacl_broker");
    writer_ = std::make_unique<store::PostgresStore>(writer);
    writer_->init_ca({"bench CA", test::read_file(ca_.ca_cert_path()), ca_.ca_key_path(), false},
                     "bench");
    authority_.emplace(ca::load_authority(*writer_, std::nullopt));
  }
  ~PostgresRegistry() override {
    writer_.reset();
    try {  // 100,000 devices take some disk; the server goes with the bench anyway
      server_.run_sql("DROP DATABASE " + database_ + " WITH (FORCE)", "postgres");
    } catch (const std::exception& error) {
      fmt::print(stderr, "cannot drop {}: {}\n", database_, error.what());
    }
  }
  PostgresRegistry(const PostgresRegistry&) = delete;
  PostgresRegistry& operator=(const PostgresRegistry&) = delete;

  [[nodiscard]] std::string store_name() const override { return "PostgreSQL"; }
  [[nodiscard]] test::BrokerSettings broker_settings() const override {
    test::BrokerSettings settings = tls_settings();
    settings.plugin_options["db_url"] = server_.url(database_ + "_broker", database_);
    settings.plugin_options["db_password_file"] = broker_password_file_;
    return settings;
  }
  void add_device(const std::string& name) override { ca::add_device(*writer_, sensor(name)); }
  void revoke_device(const std::string& name) override {
    (void)ca::revoke_device(*writer_, name, ca::kReasonKeyCompromise);
  }

 private:
  ca::IssuedCertificate sign(const ca::DeviceIssueRequest& request) override {
    return ca::issue_device_certificate(*writer_, *authority_, request);
  }

  test::PostgresServer& server_;
  std::string database_;
  std::string broker_password_file_;
  std::unique_ptr<store::PostgresStore> writer_;
  std::optional<ca::CertificateAuthority> authority_;
};

}  // namespace

LiveRegistry::NewCertificate LiveRegistry::issue(const std::string& name) {
  const EvpPkeyPtr key = ca::generate_key(ca::KeyType::kEcP256);
  ca::DeviceIssueRequest request;
  request.csr_pem = request_pem(ca::build_request(name, key.get()).get());
  request.csr_origin = "generated by the bench";
  request.action = ca::IssueAction::kEnroll;
  const ca::IssuedCertificate issued = sign(request);
  NewCertificate result{{}, std::chrono::steady_clock::now()};
  result.files.serial = issued.serial;
  result.files.key_path = ca_.dir().file(name + "-key.pem");
  result.files.cert_path = ca_.dir().file(name + ".pem");
  test::write_file(result.files.key_path, ca::private_key_pem(key.get(), std::nullopt), 0600);
  test::write_file(result.files.cert_path, issued.pem);
  return result;
}

test::BrokerSettings LiveRegistry::tls_settings() const {
  test::BrokerSettings settings;
  settings.cafile = ca_.ca_cert_path();
  settings.certfile = ca_.server_cert_path();
  settings.keyfile = ca_.server_key_path();
  return settings;
}

std::unique_ptr<LiveRegistry> sqlite_registry(std::size_t devices) {
  return std::make_unique<SqliteRegistry>(devices);
}

std::unique_ptr<LiveRegistry> postgres_registry(test::PostgresServer& server, std::size_t devices) {
  return std::make_unique<PostgresRegistry>(server, devices);
}

}  // namespace certacl::bench
