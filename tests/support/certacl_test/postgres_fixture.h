#pragma once
// A real PostgreSQL 15 for one test: initdb and pg_ctl from Debian's postgresql package in a
// temp directory, listening only on 127.0.0.1:<free port> (unix socket inside the temp
// directory), fsync on, password (SCRAM) authentication over TCP. As root it runs the
// server as the `postgres` OS user, since PostgreSQL refuses to run as root. Started by the
// constructor, stopped by the destructor; every wait is bounded. initdb runs once per
// machine into $TMPDIR/certacl-postgres-template-15-v1-uid<uid> and each server starts from
// a copy of it (delete that directory to rebuild it).
//
// A second server can be a streaming standby of a first (PostgresServer(StandbyOf{primary})):
// pg_basebackup -R over a replication login, hot_standby on, its own temp directory and port,
// for failover tests; promote() turns it into a primary.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "certacl_test/files.h"
#include "certacl_test/process.h"

namespace certacl::test {

class PostgresServer {
 public:
  // Copies the initdb'ed template (bootstrap superuser `postgres`, random password), starts
  // it, and creates an empty database `certacl`. Throws std::runtime_error with the server log on
  // failure.
  PostgresServer();
  // A hot streaming standby of `primary` (which must be running): a base backup taken over
  // a replication login created on the primary, then started on its own free port. The
  // schema, logins and rows come from the primary and keep streaming from it.
  struct StandbyOf {
    const PostgresServer& primary;
  };
  explicit PostgresServer(StandbyOf standby);
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  enum class Shutdown {
    kFast,      // sessions are ended, a checkpoint is written: an orderly restart
    kImmediate  // no checkpoint, like a crash; the next start replays the WAL
  };
  void start();
  void stop(Shutdown mode = Shutdown::kFast);
  // Turns TLS on and makes it required: only hostssl lines stay in pg_hba.conf, so a
  // client without TLS is refused. The files are copied into the data directory (the key
  // 0600, owned by the server's user) and the configuration reloaded.
  struct Tls {
    std::string certificate;  // the server's certificate (PEM)
    std::string key;          // its private key
    std::string client_ca;    // CA certificate(s) that client certificates must chain to
    // Logins that must also present a client certificate naming them (CN = login):
    // clientcert=verify-full, on top of their password.
    std::vector<std::string> certificate_logins;
  };
  void require_tls(const Tls& tls);
  // On a primary: COMMIT waits until a standby has flushed the commit
  // (synchronous_standby_names = '*'); returns once a standby streams synchronously.
  void require_synchronous_standby();
  // On a standby: its WAL receiver stops (primary_conninfo emptied), so it falls behind.
  void stop_streaming();
  // Ends recovery on a standby (pg_ctl promote -w): it takes writes from then on.
  void promote();
  [[nodiscard]] bool in_recovery() const;
  // Waits (at most `timeout`) until this standby has replayed everything `primary` had
  // written when the call began; throws std::runtime_error when it has not.
  void wait_for_replay_of(const PostgresServer& primary,
                          std::chrono::seconds timeout = std::chrono::seconds(15)) const;

  [[nodiscard]] int port() const noexcept { return port_; }
  // postgresql://user@127.0.0.1:port/database (no password: it comes from a file).
  [[nodiscard]] std::string url(const std::string& user,
                                const std::string& database = "certacl") const;
  // A PGPASSFILE with one line per login created so far (the superuser and create_login's).
  [[nodiscard]] std::string passfile() const { return directory_.file("pgpass"); }

  // Runs SQL as the superuser through psql; throws std::runtime_error with psql's message
  // on failure. Returns psql's unaligned, tuples-only output.
  std::string run_sql(const std::string& sql, const std::string& database = "certacl") const;
  // Creates a LOGIN user, member of `group` (when not empty), with a random password;
  // returns a file holding just that password (mode 0600) and adds it to passfile().
  std::string create_login(const std::string& user, const std::string& group);

 private:
  CommandResult run_as_server_user(
      const std::vector<std::string>& argv, int timeout_seconds,
      const std::map<std::string, std::string>& environment = {}) const;
  void claim_directory();
  void append_config(const std::string& lines) const;
  void start_on_a_free_port();
  void add_to_passfile(const std::string& user, const std::string& password);
  [[nodiscard]] std::string log_tail() const;

  TempDir directory_;
  std::string data_directory_;
  std::string superuser_password_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace certacl::test
