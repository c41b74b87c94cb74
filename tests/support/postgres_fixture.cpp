#include "certacl_test/postgres_fixture.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

namespace certacl::test {
namespace {

const std::string kBinDir = "/usr/lib/postgresql/15/bin/";
constexpr int kStartTimeoutSeconds = 30;
constexpr int kStopTimeoutSeconds = 15;

std::string random_password() {
  static constexpr std::string_view kAlphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device device;
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::string password;
  for (int i = 0; i < 24; ++i) password += kAlphabet[pick(device)];
  return password;
}

bool running_as_root() {
  return geteuid() == 0;
}

void give_to_server_user(const std::string& path) {
  if (!running_as_root()) return;
  const passwd* user = getpwnam("postgres");
  if (user == nullptr) throw std::runtime_error("no 'postgres' OS user (install postgresql)");
  if (chown(path.c_str(), user->pw_uid, user->pw_gid) != 0) {
    throw std::runtime_error("cannot chown " + path + " to postgres");
  }
}

std::string describe(const CommandResult& result) {
  return "exit " + std::to_string(result.exit_code) + (result.timed_out ? " (timed out)" : "") +
         ": " + result.out + result.err;
}

struct ClusterTemplate {
  std::string data_directory;
  std::string superuser_password;
};

// initdb costs seconds (most of a test's time on a loaded machine), so it runs once per
// machine and PostgreSQL version; each server starts from a copy. Delete the directory to
// rebuild it. A file lock serializes the tests that run in parallel.
ClusterTemplate cluster_template() {
  const char* base = std::getenv("TMPDIR");
  const std::string root = std::string(base != nullptr ? base : "/tmp") +
                           "/certacl-postgres-template-15-v1-uid" + std::to_string(geteuid());
  const std::string lock_path = root + ".lock";
  const int lock = open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock < 0) throw std::runtime_error("cannot open " + lock_path);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (flock(lock, LOCK_EX | LOCK_NB) != 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      close(lock);
      throw std::runtime_error("another test holds " + lock_path + " for more than 120 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ClusterTemplate cluster{root + "/data", ""};
  const std::string password_file = root + "/superuser-password";  // root-only, 0600
  try {
    if (!file_exists(root + "/ready")) {
      std::filesystem::remove_all(root);
      std::filesystem::create_directory(root);
      std::filesystem::permissions(root, std::filesystem::perms::owner_all);
      give_to_server_user(root);
      const std::string password = random_password();
      const std::string initdb_password = root + "/initdb-password";
      write_file(initdb_password, password + "\n", 0600);
      give_to_server_user(initdb_password);
      // --no-sync skips only initdb's final flush of the template files; every server
      // runs with fsync=on, so each commit under test is durable.
      CommandOptions options;
      options.timeout = std::chrono::seconds(120);
      options.working_directory = root;
      std::vector<std::string> initdb = {kBinDir + "initdb",
                                         "-D",
                                         cluster.data_directory,
                                         "-U",
                                         "postgres",
                                         "--pwfile",
                                         initdb_password,
                                         "--auth-local=scram-sha-256",
                                         "--auth-host=scram-sha-256",
                                         "--no-sync",
                                         "-E",
                                         "UTF8",
                                         "--locale=C"};
      if (running_as_root()) initdb.insert(initdb.begin(), {"runuser", "-u", "postgres", "--"});
      const CommandResult result = run_command(initdb, options);
      std::filesystem::remove(initdb_password);
      if (result.exit_code != 0) throw std::runtime_error("initdb failed, " + describe(result));
      write_file(password_file, password + "\n", 0600);
      write_file(root + "/ready", "", 0600);
    }
    const std::string password = read_file(password_file);
    cluster.superuser_password = password.substr(0, password.find('\n'));
  } catch (...) {
    close(lock);  // releases the lock
    throw;
  }
  close(lock);
  return cluster;
}

// A test killed before its destructor ran (a ctest timeout, a crash) leaves its server
// running, since pg_ctl detaches it. The next fixture stops such servers: those whose temp
// directory names a postgres-owner.pid that no longer runs.
void stop_servers_of_dead_tests() {
  const char* base = std::getenv("TMPDIR");
  const std::filesystem::path root(base != nullptr ? base : "/tmp");
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(root, error)) {
    const std::filesystem::path directory = entry.path();
    if (directory.filename().string().rfind("certacl-test-", 0) != 0) continue;
    std::ifstream owner_file(directory / "postgres-owner.pid");
    pid_t owner = 0;
    if (!(owner_file >> owner) || owner <= 0 || kill(owner, 0) == 0 || errno != ESRCH) continue;
    std::ifstream postmaster_file(directory / "data" / "postmaster.pid");
    pid_t postmaster = 0;
    if (postmaster_file >> postmaster && postmaster > 0) {
      // Only a process that is still a postgres server: the pid may have been reused.
      std::ifstream command_file("/proc/" + std::to_string(postmaster) + "/comm");
      std::string command;
      if (command_file >> command && command == "postgres") kill(postmaster, SIGQUIT);
    }
    std::filesystem::remove_all(directory, error);
  }
}

}  // namespace

PostgresServer::PostgresServer() : data_directory_(directory_.file("data")) {
  claim_directory();
  const ClusterTemplate cluster = cluster_template();
  superuser_password_ = cluster.superuser_password;
  // cp -a keeps the postgres owner and the 0700 mode initdb gave the data directory.
  const CommandResult copied =
      run_command({"cp", "-a", cluster.data_directory, data_directory_}, {});
  if (copied.exit_code != 0)
    throw std::runtime_error("cannot copy the cluster, " + describe(copied));
  append_config(std::string("\n# certacl test server\n") +
                "fsync = on\nsynchronous_commit = on\nfull_page_writes = on\n"
                "max_connections = 40\nshared_buffers = 32MB\n"
                "log_min_messages = warning\n");
  start_on_a_free_port();
  add_to_passfile("postgres", superuser_password_);
  run_sql("CREATE DATABASE certacl", "postgres");
}

PostgresServer::PostgresServer(StandbyOf standby) : data_directory_(directory_.file("data")) {
  claim_directory();
  const PostgresServer& primary = standby.primary;
  superuser_password_ = primary.superuser_password_;
  // A login that may only replicate; initdb's pg_hba.conf already admits replication
  // connections from 127.0.0.1 with a SCRAM password.
  static std::atomic<int> standbys{0};
  const std::string replicator = "replicator_" + std::to_string(++standbys);
  const std::string password = random_password();
  primary.run_sql("CREATE ROLE " + replicator + " REPLICATION LOGIN PASSWORD '" + password + "'",
                  "postgres");
  // The walreceiver (the postgres OS user) reads this file; pg_basebackup -R names it in
  // primary_conninfo, so no password lands in the configuration.
  const std::string replication_passfile = directory_.file("replication.pgpass");
  write_file(
      replication_passfile,
      "127.0.0.1:" + std::to_string(primary.port()) + ":*:" + replicator + ":" + password + "\n",
      0600);
  give_to_server_user(replication_passfile);
  const CommandResult copied = run_as_server_user(
      {kBinDir + "pg_basebackup", "-h", "127.0.0.1", "-p", std::to_string(primary.port()), "-U",
       replicator, "-D", data_directory_, "-R", "-X", "stream", "-c", "fast", "--no-sync", "-w"},
      60, {{"PGPASSFILE", replication_passfile}, {"PGCONNECT_TIMEOUT", "5"}});
  if (copied.exit_code != 0) throw std::runtime_error("pg_basebackup failed, " + describe(copied));
  append_config("\n# certacl test standby\nhot_standby = on\n");
  start_on_a_free_port();
  add_to_passfile("postgres", superuser_password_);
  if (!in_recovery()) throw std::runtime_error("the standby is not in recovery\n" + log_tail());
}

// Marks the temp directory as this process's (for stop_servers_of_dead_tests) and hands it
// to the server's OS user.
void PostgresServer::claim_directory() {
  stop_servers_of_dead_tests();
  write_file(directory_.file("postgres-owner.pid"), std::to_string(getpid()) + "\n", 0600);
  give_to_server_user(directory_.path());
}

// Later lines win in postgresql.conf, so these override what a base backup copied.
void PostgresServer::append_config(const std::string& lines) const {
  std::ofstream config(data_directory_ + "/postgresql.conf", std::ios::app);
  config << "\nlisten_addresses = '127.0.0.1'\n"
         << "unix_socket_directories = '" << directory_.path() << "'\n"
         << lines;
}

// The port is given on pg_ctl's command line, so a port taken between choosing and
// binding (another test, another helper) costs one more try, not a failed test.
void PostgresServer::start_on_a_free_port() {
  for (int attempt = 1;; ++attempt) {
    port_ = free_loopback_port();
    try {
      start();
      return;
    } catch (const std::runtime_error&) {
      if (attempt == 3) throw;
    }
  }
}

PostgresServer::~PostgresServer() {
  try {
    // The data is thrown away, so skip the shutdown checkpoint (over a second of fsync).
    stop(Shutdown::kImmediate);
  } catch (const std::exception&) {
    // stop() already killed the postmaster when pg_ctl could not stop it.
  }
}

CommandResult PostgresServer::run_as_server_user(
    const std::vector<std::string>& argv, int timeout_seconds,
    const std::map<std::string, std::string>& environment) const {
  std::vector<std::string> command;
  if (running_as_root()) command = {"runuser", "-u", "postgres", "--"};
  command.insert(command.end(), argv.begin(), argv.end());
  CommandOptions options;
  options.timeout = std::chrono::seconds(timeout_seconds);
  options.working_directory = directory_.path();
  options.environment = environment;
  return run_command(command, options);
}

void PostgresServer::start() {
  if (running_) return;
  const CommandResult started = run_as_server_user(
      {kBinDir + "pg_ctl", "start", "-D", data_directory_, "-l", directory_.file("server.log"),
       "-o", "-p " + std::to_string(port_), "-w", "-t", std::to_string(kStartTimeoutSeconds)},
      kStartTimeoutSeconds + 5);
  if (started.exit_code != 0) {
    throw std::runtime_error("pg_ctl start failed, " + describe(started) + "\n" + log_tail());
  }
  running_ = true;
}

void PostgresServer::stop(Shutdown mode) {
  if (!running_) return;
  running_ = false;
  const CommandResult stopped =
      run_as_server_user({kBinDir + "pg_ctl", "stop", "-D", data_directory_, "-m",
                          mode == Shutdown::kFast ? "fast" : "immediate", "-w", "-t",
                          std::to_string(kStopTimeoutSeconds)},
                         kStopTimeoutSeconds + 5);
  if (stopped.exit_code == 0) return;
  // pg_ctl gave up: kill the postmaster so no server outlives its test.
  std::ifstream pid_file(data_directory_ + "/postmaster.pid");
  pid_t pid = 0;
  if (pid_file >> pid && pid > 0) kill(pid, SIGKILL);
  throw std::runtime_error("pg_ctl stop failed, " + describe(stopped));
}

void PostgresServer::require_tls(const Tls& tls) {
  const auto install = [&](const std::string& from, const std::string& name) {
    const std::string to = data_directory_ + "/" + name;
    write_file(to, read_file(from), 0600);
    give_to_server_user(to);
  };
  install(tls.certificate, "certacl-server.crt");
  install(tls.key, "certacl-server.key");
  install(tls.client_ca, "certacl-client-ca.crt");
  append_config(
      "\n# certacl test server: TLS\nssl = on\nssl_cert_file = 'certacl-server.crt'\n"
      "ssl_key_file = 'certacl-server.key'\nssl_ca_file = 'certacl-client-ca.crt'\n");
  std::string hba = "local all all scram-sha-256\n";
  for (const std::string& login : tls.certificate_logins) {
    hba += "hostssl all \"" + login + "\" 127.0.0.1/32 scram-sha-256 clientcert=verify-full\n";
  }
  hba += "hostssl all all 127.0.0.1/32 scram-sha-256\n";
  hba += "hostssl replication all 127.0.0.1/32 scram-sha-256\n";
  write_file(data_directory_ + "/pg_hba.conf", hba, 0600);
  give_to_server_user(data_directory_ + "/pg_hba.conf");
  const CommandResult reloaded =
      run_as_server_user({kBinDir + "pg_ctl", "reload", "-D", data_directory_}, 15);
  if (reloaded.exit_code != 0)
    throw std::runtime_error("pg_ctl reload failed, " + describe(reloaded));
  // The reload is a signal: wait until new sessions see TLS on (psql's sslmode=prefer).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (run_sql("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", "postgres") != "t\n") {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("TLS still off 10 s after the reload\n" + log_tail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

namespace {
// Polls `query` on `server` until it answers `expected` (at most 10 s).
void wait_until(const PostgresServer& server, const std::string& query, const std::string& expected,
                const std::string& what) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server.run_sql(query, "postgres") != expected) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error(what + " did not happen within 10 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}
}  // namespace

void PostgresServer::require_synchronous_standby() {
  run_sql("ALTER SYSTEM SET synchronous_standby_names = '*'", "postgres");
  run_sql("SELECT pg_reload_conf()", "postgres");
  wait_until(*this, "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'", "1\n",
             "a synchronous standby");
}

void PostgresServer::stop_streaming() {
  // Both are allowed during recovery; PostgreSQL 13+ applies primary_conninfo on reload.
  run_sql("ALTER SYSTEM SET primary_conninfo = ''", "postgres");
  run_sql("SELECT pg_reload_conf()", "postgres");
  wait_until(*this, "SELECT count(*) FROM pg_stat_wal_receiver", "0\n",
             "stopping the WAL receiver");
}

void PostgresServer::promote() {
  const CommandResult promoted =
      run_as_server_user({kBinDir + "pg_ctl", "promote", "-D", data_directory_, "-w", "-t",
                          std::to_string(kStartTimeoutSeconds)},
                         kStartTimeoutSeconds + 5);
  if (promoted.exit_code != 0) {
    throw std::runtime_error("pg_ctl promote failed, " + describe(promoted) + "\n" + log_tail());
  }
}

bool PostgresServer::in_recovery() const {
  return run_sql("SELECT pg_is_in_recovery()", "postgres") == "t\n";
}

void PostgresServer::wait_for_replay_of(const PostgresServer& primary,
                                        std::chrono::seconds timeout) const {
  std::string written = primary.run_sql("SELECT pg_current_wal_lsn()", "postgres");
  written = written.substr(0, written.find('\n'));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (run_sql("SELECT pg_last_wal_replay_lsn() >= '" + written + "'::pg_lsn", "postgres") !=
         "t\n") {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("the standby did not replay up to " + written + " in time\n" +
                               log_tail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string PostgresServer::url(const std::string& user, const std::string& database) const {
  return "postgresql://" + user + "@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

void PostgresServer::add_to_passfile(const std::string& user, const std::string& password) {
  std::ofstream out(passfile(), std::ios::app);
  out << "127.0.0.1:" << port_ << ":*:" << user << ":" << password << "\n";
  out.close();
  std::filesystem::permissions(
      passfile(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

std::string PostgresServer::run_sql(const std::string& sql, const std::string& database) const {
  CommandOptions options;
  options.environment = {{"PGPASSFILE", passfile()}, {"PGCONNECT_TIMEOUT", "5"}};
  options.timeout = std::chrono::seconds(30);
  const CommandResult result =
      run_command({kBinDir + "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d",
                   url("postgres", database), "-c", sql},
                  options);
  if (result.exit_code != 0) throw std::runtime_error("psql failed, " + describe(result));
  return result.out;
}

std::string PostgresServer::create_login(const std::string& user, const std::string& group) {
  const std::string password = random_password();
  // Names are test constants and the password is alphanumeric, so quoting is enough.
  std::string sql = "CREATE ROLE \"" + user + "\" LOGIN PASSWORD '" + password + "'";
  if (!group.empty()) sql += " IN ROLE \"" + group + "\"";
  run_sql(sql);
  add_to_passfile(user, password);
  std::string file = directory_.file(user + ".password");
  write_file(file, password + "\n", 0600);
  return file;
}

std::string PostgresServer::log_tail() const {
  const std::string log = directory_.file("server.log");
  if (!file_exists(log)) return "(no server log)";
  const std::string text = read_file(log);
  return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
}

}  // namespace certacl::test
