#pragma once
// A real PostgreSQL 15 for one test: initdb and pg_ctl from Debian's postgresql package in a
// temp directory, listening only on 127.0.0.1:<free port> (unix socket inside the temp
// directory), fsync on, password (SCRAM) authentication over TCP. As root it runs the
// server as the `postgres` OS user, since PostgreSQL refuses to run as root. Started by the
// constructor, stopped by the destructor; every wait is bounded. initdb runs once per
// machine into $TMPDIR/certacl-postgres-template-15-v1-uid<uid> and each server starts from
// a copy of it (delete that directory to rebuild it).

#include <string>

#include "certacl_test/files.h"
#include "certacl_test/process.h"

namespace certacl::test {

class PostgresServer {
 public:
  // Copies the initdb'ed template (bootstrap superuser `postgres`, random password), starts
  // it, and creates an empty database `certacl`. Throws std::runtime_error with the server log on
  // failure.
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  enum class Shutdown {
    kFast,      // sessions are ended, a checkpoint is written: an orderly restart
    kImmediate  // no checkpoint, like a crash; the next start replays the WAL
  };
  void start();
  void stop(Shutdown mode = Shutdown::kFast);

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
  CommandResult run_as_server_user(const std::vector<std::string>& argv, int timeout_seconds) const;
  void add_to_passfile(const std::string& user, const std::string& password);
  [[nodiscard]] std::string log_tail() const;

  TempDir directory_;
  std::string data_directory_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace certacl::test
