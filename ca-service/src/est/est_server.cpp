#include "est/est_server.h"

#include <dirent.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "ca_database.h"
#include "ca_error.h"
#include "est/est_log.h"
#include "est/tls_credentials.h"
#include "postgres_registry.h"

namespace certacl::ca::est {
namespace {

constexpr std::string_view kPrefix = "/.well-known/est";
// PostgreSQL sessions of one EST server: issuance is serialized by the CA writer lock, so
// more would only wait; these let token and certificate reads overlap a signing request.
constexpr std::size_t kPostgresSessions = 4;

EstRequest to_est_request(const httplib::Request& request) {
  EstRequest out;
  out.content_type = request.get_header_value("Content-Type");
  out.authorization = request.get_header_value("Authorization");
  out.body = request.body;
  out.peer = request.remote_addr;
  if (request.ssl != nullptr) out.client_certificate = SSL_get0_peer_certificate(request.ssl);
  return out;
}

void send(const EstResponse& answer, httplib::Response& response) {
  response.status = answer.status;
  if (answer.retry_after_seconds) {
    response.set_header("Retry-After", std::to_string(*answer.retry_after_seconds));
  }
  if (answer.challenge) response.set_header("WWW-Authenticate", R"(Basic realm="certacl EST")");
  if (answer.status == 200 && answer.content_type != "text/plain") {
    // RFC 8951: the body is base64 regardless; the header is for older clients.
    response.set_header("Content-Transfer-Encoding", "base64");
  }
  response.set_content(answer.body, answer.content_type.c_str());
}

void add_routes(httplib::Server& server, EstService& service, std::size_t max_body) {
  const std::string prefix(kPrefix);
  server.Get(prefix + "/cacerts", [&service](const httplib::Request&, httplib::Response& out) {
    send(service.cacerts(), out);
  });
  server.Get(prefix + "/csrattrs", [](const httplib::Request&, httplib::Response& out) {
    send(EstService::csrattrs(), out);
  });
  server.Post(prefix + "/simpleenroll",
              [&service](const httplib::Request& in, httplib::Response& out) {
                send(service.simpleenroll(to_est_request(in)), out);
              });
  server.Post(prefix + "/simplereenroll",
              [&service](const httplib::Request& in, httplib::Response& out) {
                send(service.simplereenroll(to_est_request(in)), out);
              });
  server.set_exception_handler(
      [](const httplib::Request& request, httplib::Response& out, std::exception_ptr error) {
        std::string what = "unknown";
        try {
          if (error) std::rethrow_exception(error);
        } catch (const std::exception& caught) {
          what = caught.what();
        } catch (...) {
        }
        log_line(fmt::format("{} 500: {}", request.path, what));
        out.status = 500;
        out.set_content("internal error (see the server log)\n", "text/plain");
      });
  server.set_error_handler([max_body](const httplib::Request&, httplib::Response& out) {
    if (!out.body.empty()) return;
    switch (out.status) {
      case 404:
        out.set_content("no such EST resource\n", "text/plain");
        break;
      case 413:
        out.set_content(fmt::format("request body larger than {} bytes\n", max_body), "text/plain");
        break;
      default:
        out.set_content(fmt::format("request refused (HTTP {})\n", out.status), "text/plain");
    }
  });
}

// cpp-httplib 0.11 is built with a listen backlog of 5: a crowd of devices connecting at
// once would see SYNs dropped and retried a second later. Linux lets listen() be called
// again on a listening socket to change its backlog, so the socket httplib bound is found
// among our descriptors (listening, on this port) and given a real backlog.
void widen_listen_backlog(int port) {
  constexpr int kBacklog = 1024;
  DIR* fds = ::opendir("/proc/self/fd");
  if (fds == nullptr) return;
  while (const dirent* entry = ::readdir(fds)) {
    const int fd = std::atoi(entry->d_name);
    if (fd <= 2 || fd == ::dirfd(fds)) continue;
    int listening = 0;
    socklen_t length = sizeof listening;
    sockaddr_storage address{};
    socklen_t address_length = sizeof address;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || !listening ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_length) != 0) {
      continue;
    }
    const int bound_port = address.ss_family == AF_INET
                               ? ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port)
                               : ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
    if (bound_port == port) ::listen(fd, kBacklog);
  }
  ::closedir(fds);
}

// Signals are taken by one thread with sigwait, so no handler runs inside a worker.
class SignalWatcher {
 public:
  SignalWatcher() {
    sigemptyset(&set_);
    for (const int number : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set_, number);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);  // inherited by every thread made later
  }

  // Returns the next of SIGTERM/SIGINT/SIGHUP, or 0 after `wait` or once stop() ran.
  int next(std::chrono::milliseconds wait) {
    const timespec timeout{static_cast<time_t>(wait.count() / 1000),
                           static_cast<long>(wait.count() % 1000) * 1000000L};
    const int number = sigtimedwait(&set_, nullptr, &timeout);
    return number > 0 ? number : 0;
  }

 private:
  sigset_t set_{};
};

struct OpenedRegistry {
  std::unique_ptr<EstRegistry> registry;
  CertificateAuthority authority;
};

// The registry --db names and the CA in it (certificate from the registry, key from the
// file the CA row names).
OpenedRegistry open_registry(const ServeOptions& options) {
  if (store::is_postgres_url(options.db_path)) {
    store::PostgresSettings settings;
    settings.url = options.db_path;
    settings.password_file = options.db_password_file;
    settings.application_name = "certacl-ca-est";
    std::unique_ptr<store::PostgresStore> first =
        open_postgres_registry(options.db_path, options.db_password_file);
    CertificateAuthority authority = load_authority(*first, options.passphrase_file);
    first.reset();
    return {postgres_est_registry(settings, kPostgresSessions), std::move(authority)};
  }
  SqliteDatabase db = open_database(options.db_path);
  CertificateAuthority authority = CertificateAuthority::load(db, options.passphrase_file);
  return {sqlite_est_registry(std::move(db), options.policy.db_wait, options.policy.max_batch),
          std::move(authority)};
}

}  // namespace

void serve(const ServeOptions& options) {
  SignalWatcher signals;
  auto [registry, authority] = open_registry(options);
  X509Ptr client_ca(X509_dup(authority.certificate()));
  TlsCredentials credentials(options.certificate_path, options.key_path);
  EstService service(options.policy, std::move(registry), std::move(authority));

  httplib::SSLServer server([&](SSL_CTX& context) {
    credentials.install(&context, client_ca.get());
    return true;
  });
  if (!server.is_valid()) throw CaError(ExitCode::kKey, "cannot set up the TLS server context");
  const std::size_t workers = options.workers;
  server.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  server.set_payload_max_length(options.max_body_bytes);
  server.set_read_timeout(options.read_timeout);
  server.set_write_timeout(options.write_timeout);
  server.set_keep_alive_timeout(options.keep_alive_timeout.count());
  server.set_keep_alive_max_count(options.keep_alive_requests);
  add_routes(server, service, options.max_body_bytes);
  if (!server.bind_to_port(options.listen_address, options.port)) {
    throw CaError(ExitCode::kStorage,
                  fmt::format("cannot listen on {}:{}", options.listen_address, options.port));
  }
  widen_listen_backlog(options.port);

  // Signals and the supersession sweep run on separate threads: a sweep may wait up to
  // --db-wait for a locked database, and SIGTERM must not wait for it.
  std::atomic<bool> stopping{false};
  std::mutex sweep_mutex;
  std::condition_variable sweep_wakeup;
  std::thread sweeper([&] {
    std::unique_lock lock(sweep_mutex);
    while (!stopping.load()) {
      lock.unlock();
      service.revoke_due_supersessions();
      lock.lock();
      sweep_wakeup.wait_for(lock, options.supersede_interval, [&] { return stopping.load(); });
    }
  });
  std::thread supervisor([&] {
    while (!stopping.load()) {
      const int number = signals.next(std::chrono::milliseconds(200));
      if (number == SIGHUP) {
        try {
          credentials.reload();
          log_line("SIGHUP: server certificate reloaded");
        } catch (const std::exception& error) {
          log_line(fmt::format("SIGHUP: kept the old server certificate: {}", error.what()));
        }
      } else if (number == SIGTERM || number == SIGINT) {
        log_line("stopping: no new connections, finishing requests in flight");
        stopping.store(true);
        server.stop();
      }
    }
  });
  log_line(fmt::format("listening on https://{}:{}{} ({} workers)", options.listen_address,
                       options.port, kPrefix, options.workers));
  server.listen_after_bind();  // returns after stop(), once the workers have drained
  {
    const std::lock_guard lock(sweep_mutex);
    stopping.store(true);
  }
  sweep_wakeup.notify_all();
  supervisor.join();
  sweeper.join();
  log_line(service.commit_summary());
  log_line("stopped");
}

}  // namespace certacl::ca::est
