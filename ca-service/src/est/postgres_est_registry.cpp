// The EST use cases on a PostgreSQL registry. The CA writer lock serializes issuance across
// every CA process anyway, so a few sessions suffice: they let a request read its token
// and certificate while another one holds the lock.
#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <type_traits>

#include "est/est_registry.h"
#include "postgres_enrollment.h"
#include "postgres_registry.h"

namespace certacl::ca::est {
namespace {

using store::PostgresStore;

class PostgresEstRegistry final : public EstRegistry {
 public:
  PostgresEstRegistry(store::PostgresSettings settings, std::size_t connections)
      : settings_(std::move(settings)), capacity_(std::max<std::size_t>(connections, 1)) {
    // Fails at start, not at the first device, when the database cannot be reached.
    idle_.push_back(std::make_unique<PostgresStore>(settings_));
    ++open_;
  }

  IssuedCertificate enroll(const CertificateAuthority& authority,
                           const TokenEnrollment& request) override {
    return with_session(
        [&](PostgresStore& session) { return enroll_with_token(session, authority, request); });
  }

  IssuedCertificate reenroll(const CertificateAuthority& authority,
                             const CertificateReenrollment& request) override {
    return with_session([&](PostgresStore& session) {
      return reenroll_with_certificate(session, authority, request);
    });
  }

  std::vector<std::string> revoke_due_supersessions() override {
    return with_session([&](PostgresStore& session) {
      // Looked at without the writer lock first: the sweep runs every second.
      if (session.connection()
              .exec("SELECT 1 FROM certacl.pending_supersessions WHERE revoke_at <= "
                    "extract(epoch FROM statement_timestamp())::bigint LIMIT 1")
              .rows() == 0) {
        return std::vector<std::string>{};
      }
      return ca::revoke_due_supersessions(session);
    });
  }

  std::string commit_summary() override {
    return fmt::format("postgresql: {} requests, one transaction each, {} sessions at most",
                       requests_.load(), capacity_);
  }

 private:
  // Borrows an idle session (or opens one while fewer than capacity_ are open), runs `use`,
  // and gives the session back unless its connection broke.
  template <typename Use>
  std::invoke_result_t<Use, PostgresStore&> with_session(Use use) {
    ++requests_;
    std::unique_ptr<PostgresStore> session = borrow();
    try {
      auto result = use(*session);
      give_back(std::move(session));
      return result;
    } catch (const store::PostgresError& error) {
      if (error.is_connection_lost() || error.sqlstate().empty()) {
        // The server went away (restart, failover): the idle sessions are as dead as this
        // one, so all are dropped and the next requests connect afresh.
        forget_all_idle();
        forget();
      } else {
        give_back(std::move(session));
      }
      throw;
    } catch (...) {
      give_back(std::move(session));
      throw;
    }
  }

  std::unique_ptr<PostgresStore> borrow() {
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [&] { return !idle_.empty() || open_ < capacity_; });
    if (!idle_.empty()) {
      std::unique_ptr<PostgresStore> session = std::move(idle_.back());
      idle_.pop_back();
      return session;
    }
    ++open_;
    lock.unlock();
    try {
      return std::make_unique<PostgresStore>(settings_);
    } catch (...) {
      forget();
      throw;
    }
  }

  void give_back(std::unique_ptr<PostgresStore> session) {
    {
      const std::lock_guard lock(mutex_);
      idle_.push_back(std::move(session));
    }
    returned_.notify_one();
  }

  void forget_all_idle() {
    {
      const std::lock_guard lock(mutex_);
      open_ -= idle_.size();
      idle_.clear();
    }
    returned_.notify_all();
  }

  void forget() {
    {
      const std::lock_guard lock(mutex_);
      --open_;
    }
    returned_.notify_one();
  }

  store::PostgresSettings settings_;
  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<PostgresStore>> idle_;
  std::size_t open_ = 0;
  std::atomic<std::size_t> requests_{0};
};

}  // namespace

std::unique_ptr<EstRegistry> postgres_est_registry(store::PostgresSettings settings,
                                                   std::size_t connections) {
  return std::make_unique<PostgresEstRegistry>(std::move(settings), connections);
}

}  // namespace certacl::ca::est
