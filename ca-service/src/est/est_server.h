#pragma once
// `certacl-ca serve`: the EST endpoints of RFC 7030 over HTTPS (cpp-httplib with
// OpenSSL), on the CLI's registry and CA key. SIGTERM/SIGINT stop accepting and let
// in-flight requests finish; SIGHUP re-reads the server certificate and key.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "est/est_service.h"

namespace certacl::ca::est {

struct ServeOptions {
  std::string db_path;                          // a SQLite file or a postgresql:// URL
  std::optional<std::string> db_password_file;  // for a postgresql:// URL
  std::optional<std::string> passphrase_file;
  std::string listen_address = "127.0.0.1";
  int port = 8443;
  std::string certificate_path;
  std::string key_path;
  // A worker waits while its request is in the group commit, so a batch holds at most as
  // many requests as there are workers: as many as policy.max_batch lets batches fill.
  std::size_t workers = 64;
  std::size_t max_body_bytes = 16 * 1024;
  std::chrono::seconds read_timeout{5};  // per read, handshake included (slowloris)
  std::chrono::seconds write_timeout{5};
  std::chrono::seconds keep_alive_timeout{2};
  std::size_t keep_alive_requests = 4;
  std::chrono::seconds supersede_interval{1};
  EstPolicy policy;
};

// Blocks until a stop signal; returns once in-flight requests are done. Throws CaError
// when the database, CA key or server certificate cannot be loaded, or the port is taken.
void serve(const ServeOptions& options);

}  // namespace certacl::ca::est
