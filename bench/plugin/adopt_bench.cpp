// The broker thread's cost of adopting one revocation with 10,000 and 100,000 live sessions
// (issue 13): SessionTable::adopt re-checking only the sessions the change concerns (a
// snapshot applied from the change log to the one in force) side by side with re-checking
// every live session (what every adoption did before, and still does for a snapshot that
// cannot say what changed: here one applied to a twin of the snapshot in force, the path a
// whole read takes); then a rule change of a role no session holds (the walk over the table
// that a role change costs). Also the live heap per session, index included. Prints figures.
// Run: build/bin/certacl_adopt_bench [revocations per size, default 100]
#include <fmt/format.h>
#include <malloc.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fleet.h"
#include "session_table.h"

namespace {

using certacl::policy::RegistrySnapshot;
using certacl::policy::SessionTable;
using Clock = std::chrono::steady_clock;
using Snapshot = std::shared_ptr<const RegistrySnapshot>;

double heap_mb() {
  return static_cast<double>(mallinfo2().uordblks) / 1e6;
}

Snapshot revoked(const Snapshot& base, std::size_t index) {  // a direct successor of `base`
  return RegistrySnapshot::apply(
      *base,
      certacl::bench::revocation(base->change_counter(), base->ca_certificate_sha256(), index),
      certacl::bench::kNow);
}

// Sessions of devices 0..count-1, each with its own certificate and client id.
void admit_all(SessionTable& table, const std::vector<char>& clients) {
  for (std::size_t i = 0; i < clients.size(); ++i) {
    certacl::policy::PresentedCertificate certificate;
    certificate.serial = certacl::bench::serial_of(i);
    certificate.sha256 = fmt::format("{:064x}", i);
    certificate.issuer = "CN=bench CA";
    certificate.common_names = {certacl::bench::device_name(i)};
    certacl::policy::AdmitRequest request;
    request.client = &clients[i];
    request.certificate = &certificate;
    request.certificate_present = true;
    const std::string client_id = certacl::bench::device_name(i);
    request.client_id = client_id;
    request.now = certacl::bench::kNow;
    if (!table.admit(request).accept) {
      std::fprintf(stderr, "device %zu was not admitted\n", i);
      std::exit(1);
    }
  }
  (void)table.take_effects();
}

struct Figures {
  double median_ms = 0;
  double max_ms = 0;
  double sessions_per_adoption = 0;
  std::size_t kicks = 0;
};

Figures summarize(std::vector<double> times, std::uint64_t rechecked, std::size_t kicks) {
  std::sort(times.begin(), times.end());
  Figures figures;
  figures.median_ms = times[times.size() / 2];
  figures.max_ms = times.back();
  figures.sessions_per_adoption =
      static_cast<double>(rechecked) / static_cast<double>(times.size());
  figures.kicks = kicks;
  return figures;
}

// A rule change of a role no live session holds: what the walk over the table comparing
// role names costs by itself.
Snapshot idle_role_changed(const Snapshot& base, int round) {
  certacl::RegistryChanges changes;
  changes.after = base->change_counter();
  changes.change_counter = base->change_counter() + 1;
  changes.ca_certificate_sha256 = base->ca_certificate_sha256();
  changes.names.roles = {"spare"};
  changes.names.rows = 1;
  changes.roles = {certacl::Role{"spare"}};
  changes.rules = {certacl::RoleRule{"spare", certacl::RuleEffect::kAllow,
                                     certacl::RuleAction::kPublish,
                                     fmt::format("spare/{}/#", round)}};
  return RegistrySnapshot::apply(*base, std::move(changes), certacl::bench::kNow);
}

// Adopts `rounds` snapshots, `next(round)` each, timing adopt() alone.
template <typename Next>
Figures adopt_each(SessionTable& table, int rounds, Next&& next) {
  std::vector<double> times;
  std::size_t kicks = 0;
  const std::uint64_t rechecked_before = table.adoption_counts().sessions_rechecked;
  for (int round = 0; round < rounds; ++round) {
    const Snapshot snapshot = next(round);
    const auto start = Clock::now();
    table.adopt(snapshot, certacl::bench::kNow);
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    kicks += table.take_effects().kicks.size();
  }
  return summarize(std::move(times), table.adoption_counts().sessions_rechecked - rechecked_before,
                   kicks);
}

void run(std::size_t sessions, int rounds) {
  const certacl::RegistryContents contents = certacl::bench::fleet(sessions);
  // Two whole reads of the same rows: the one in force, and its twin.
  std::array<Snapshot, 2> chain = {RegistrySnapshot::build(contents, certacl::bench::kNow),
                                   RegistrySnapshot::build(contents, certacl::bench::kNow)};
  certacl::policy::SessionTableOptions options;  // log level info, as a broker runs
  SessionTable table(options, chain[0]);
  std::vector<char> clients(sessions);
  malloc_trim(0);
  const double before = heap_mb();
  admit_all(table, clients);
  malloc_trim(0);
  const double per_session = (heap_mb() - before) * 1e6 / static_cast<double>(sessions);

  // Each revocation goes into both chains, so that they stay twins.
  const auto revoke_in_both = [&chain](std::size_t device) {
    chain[0] = revoked(chain[0], device);
    chain[1] = revoked(chain[1], device);
  };
  const auto rounds_offset = static_cast<std::size_t>(rounds);
  const Figures affected = adopt_each(table, rounds, [&](int round) {
    revoke_in_both(static_cast<std::size_t>(round));
    return chain[0];
  });
  // The table holds the other chain's last snapshot, which this one was not built from.
  const Figures all = adopt_each(table, rounds, [&](int round) {
    revoke_in_both(rounds_offset + static_cast<std::size_t>(round));
    return chain[static_cast<std::size_t>(round + 1) % 2];
  });
  const Figures idle_role = adopt_each(table, rounds, [&table](int round) {
    return idle_role_changed(table.registry_ptr(), round);
  });
  fmt::print("{} live sessions ({:.0f} B live heap per session), {} changes each:\n", sessions,
             per_session, rounds);
  for (const auto& [label, figures] :
       {std::pair{"a revocation, changed sessions only", affected},
        std::pair{"a revocation, every session        ", all},
        std::pair{"a role no session holds            ", idle_role}}) {
    fmt::print(
        "  adopt {}: median {:.3f} ms, max {:.3f} ms; {:.0f} sessions re-checked, "
        "{} kicked\n",
        label, figures.median_ms, figures.max_ms, figures.sessions_per_adoption, figures.kicks);
  }
}

}  // namespace

int main(int argc, char** argv) {
  constexpr int kMostRounds = 5'000;  // two phases of distinct devices out of 10,000
  int rounds = 100;
  if (argc > 1) {
    const auto parsed = certacl::bench::count_argument(argv[1], 1);
    if (!parsed || *parsed > kMostRounds) {
      std::fprintf(stderr, "usage: certacl_adopt_bench [revocations per size, 1 to 5000]\n");
      return 2;
    }
    rounds = *parsed;
  }
  for (const std::size_t sessions : {std::size_t{10'000}, std::size_t{100'000}}) {
    run(sessions, rounds);
  }
  return 0;
}
