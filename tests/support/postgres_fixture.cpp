#include "certacl_test/postgres_fixture.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

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

}  // namespace

PostgresServer::PostgresServer() : data_directory_(directory_.file("data")) {
  give_to_server_user(directory_.path());
  const std::string superuser_password = random_password();
  const std::string pwfile = directory_.file("initdb-password");
  write_file(pwfile, superuser_password + "\n", 0600);
  give_to_server_user(pwfile);
  // --no-sync skips only initdb's final flush of the fresh template files (about 5 s on a
  // busy disk); the server itself runs with fsync=on, so every commit under test is durable.
  const CommandResult initdb =
      run_as_server_user({kBinDir + "initdb", "-D", data_directory_, "-U", "postgres", "--pwfile",
                          pwfile, "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
                          "--no-sync", "-E", "UTF8", "--locale=C"},
                         60);
  std::remove(pwfile.c_str());
  if (initdb.exit_code != 0) throw std::runtime_error("initdb failed, " + describe(initdb));

  port_ = free_loopback_port();
  std::ofstream config(data_directory_ + "/postgresql.conf", std::ios::app);
  config << "\n# certacl test server\n"
         << "listen_addresses = '127.0.0.1'\n"
         << "port = " << port_ << "\n"
         << "unix_socket_directories = '" << directory_.path() << "'\n"
         << "fsync = on\nsynchronous_commit = on\nfull_page_writes = on\n"
         << "max_connections = 40\nshared_buffers = 32MB\n"
         << "log_min_messages = warning\n";
  config.close();

  add_to_passfile("postgres", superuser_password);
  start();
  run_sql("CREATE DATABASE certacl", "postgres");
}

PostgresServer::~PostgresServer() {
  try {
    stop();
  } catch (const std::exception&) {
    // stop() already killed the postmaster when pg_ctl could not stop it.
  }
}

CommandResult PostgresServer::run_as_server_user(const std::vector<std::string>& argv,
                                                 int timeout_seconds) const {
  std::vector<std::string> command;
  if (running_as_root()) command = {"runuser", "-u", "postgres", "--"};
  command.insert(command.end(), argv.begin(), argv.end());
  CommandOptions options;
  options.timeout = std::chrono::seconds(timeout_seconds);
  options.working_directory = directory_.path();
  return run_command(command, options);
}

void PostgresServer::start() {
  if (running_) return;
  const CommandResult started = run_as_server_user(
      {kBinDir + "pg_ctl", "start", "-D", data_directory_, "-l", directory_.file("server.log"),
       "-w", "-t", std::to_string(kStartTimeoutSeconds)},
      kStartTimeoutSeconds + 5);
  if (started.exit_code != 0) {
    throw std::runtime_error("pg_ctl start failed, " + describe(started) + "\n" + log_tail());
  }
  running_ = true;
}

void PostgresServer::stop() {
  if (!running_) return;
  running_ = false;
  const CommandResult stopped =
      run_as_server_user({kBinDir + "pg_ctl", "stop", "-D", data_directory_, "-m", "fast", "-w",
                          "-t", std::to_string(kStopTimeoutSeconds)},
                         kStopTimeoutSeconds + 5);
  if (stopped.exit_code == 0) return;
  // pg_ctl gave up: kill the postmaster so no server outlives its test.
  std::ifstream pid_file(data_directory_ + "/postmaster.pid");
  pid_t pid = 0;
  if (pid_file >> pid && pid > 0) kill(pid, SIGKILL);
  throw std::runtime_error("pg_ctl stop failed, " + describe(stopped));
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
  const std::string file = directory_.file(user + ".password");
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
