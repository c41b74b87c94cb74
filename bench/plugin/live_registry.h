#pragma once
// A registry a real broker reads, written only through certacl-ca's own use cases
// (ca-service/src: add_device, issue_device_certificate, revoke_device), in-process so that
// a bench knows the moment each write committed. Two stores behind one interface, so the
// same measurement runs on both: a SQLite file (plugin_opt_db_path, polled) and a
// PostgreSQL database (plugin_opt_db_url as a member of certacl_broker, LISTEN/NOTIFY).
// Each holds the synthetic fleet of fleet.h (N devices of role "sensor") plus whatever the
// bench adds; the CA and the broker's TLS files come from a real `certacl-ca init`.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "certacl_test/broker_fixture.h"
#include "certacl_test/ca_fixture.h"
#include "certacl_test/postgres_fixture.h"
#include "device_issuance.h"

namespace certacl::bench {

class LiveRegistry {
 public:
  virtual ~LiveRegistry() = default;
  LiveRegistry() = default;
  LiveRegistry(const LiveRegistry&) = delete;
  LiveRegistry& operator=(const LiveRegistry&) = delete;

  // "SQLite" or "PostgreSQL", for the printout.
  [[nodiscard]] virtual std::string store_name() const = 0;
  // TLS files of the CA and the option that points the plugin at this registry.
  [[nodiscard]] virtual test::BrokerSettings broker_settings() const = 0;
  // Registers an enabled device of role "sensor" (one committed transaction).
  virtual void add_device(const std::string& name) = 0;
  struct NewCertificate {
    test::IssuedCertificate files;  // key (0600) and certificate, for a client
    std::chrono::steady_clock::time_point committed_at;
  };
  // Makes a P-256 key and a CSR for `name` (as `certacl-ca enroll` does) and has the CA sign
  // it through the store's issue_device_certificate, which returns after COMMIT.
  [[nodiscard]] NewCertificate issue(const std::string& name);
  // Revokes every certificate of `name` (reason keyCompromise); returns once committed.
  virtual void revoke_device(const std::string& name) = 0;

 protected:
  // The store's issue_device_certificate.
  [[nodiscard]] virtual ca::IssuedCertificate sign(const ca::DeviceIssueRequest& request) = 0;
  // The CA's TLS files, without the registry option.
  [[nodiscard]] test::BrokerSettings tls_settings() const;

  test::CaFixture ca_{"bench CA"};
};

// A SQLite registry holding `devices` fleet devices (the CA's own file).
[[nodiscard]] std::unique_ptr<LiveRegistry> sqlite_registry(std::size_t devices);
// A new database on `server` holding `devices` fleet devices, written as the superuser;
// the CA writes as a member of certacl_ca, the broker reads as a member of certacl_broker.
// Applies the certacl schema to it (which creates the group roles the first time).
[[nodiscard]] std::unique_ptr<LiveRegistry> postgres_registry(test::PostgresServer& server,
                                                              std::size_t devices);

}  // namespace certacl::bench
