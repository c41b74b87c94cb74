// Revocation committed → the device's live session dropped, through a real mosquitto with the
// real plugin on a SQLite registry of 1,000 / 10,000 / 100,000 devices, measured from the
// client's side (issue 13's goal: ≤ 250 ms p99 at 100,000 devices). Each revocation is one
// write transaction, as certacl-ca's, committed at a moment spread over the poll interval.
// Prints figures. Run: build/bin/certacl_revoke_drop_bench [drops per size]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "certacl/sqlite.h"
#include "certacl_test/broker_fixture.h"
#include "certacl_test/ca_fixture.h"
#include "certacl_test/mqtt_client.h"
#include "fleet.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using certacl::test::BrokerFixture;
using certacl::test::CaFixture;
using certacl::test::IssuedCertificate;
using certacl::test::MqttTestClient;

double percentile(std::vector<double> samples, double fraction) {
  std::sort(samples.begin(), samples.end());
  return samples[static_cast<std::size_t>(fraction * static_cast<double>(samples.size() - 1))];
}

std::vector<double> drops(std::size_t devices, int count) {
  CaFixture ca("bench CA");
  {
    certacl::SqliteDatabase db(ca.db_path(), certacl::SqliteDatabase::Access::ReadWrite);
    db.configure_as_writer(5s);
    certacl::bench::write_fleet_rows(db, devices);  // role "sensor" and its rules too
  }
  std::vector<IssuedCertificate> issued;
  for (int i = 0; i < count; ++i) {
    const std::string name = fmt::format("probe-{}", i);
    ca.add_device(name, "sensor");
    issued.push_back(ca.enroll(name));
  }
  certacl::test::BrokerSettings settings;
  settings.cafile = ca.ca_cert_path();
  settings.certfile = ca.server_cert_path();
  settings.keyfile = ca.server_key_path();
  settings.db_path = ca.db_path();  // default poll interval (50 ms)
  BrokerFixture broker(settings);
  if (!broker.start(60s)) throw std::runtime_error("the broker did not start: " + broker.log());

  std::vector<std::unique_ptr<MqttTestClient>> clients;
  for (int i = 0; i < count; ++i) {
    certacl::test::MqttClientSettings client;
    client.port = broker.port();
    client.client_id = fmt::format("probe-{}", i);
    client.cafile = ca.ca_cert_path();
    client.certfile = issued[static_cast<std::size_t>(i)].cert_path;
    client.keyfile = issued[static_cast<std::size_t>(i)].key_path;
    clients.push_back(std::make_unique<MqttTestClient>(client));
    if (!clients.back()->connect().connected) throw std::runtime_error("a probe could not connect");
  }

  certacl::SqliteDatabase writer(ca.db_path(), certacl::SqliteDatabase::Access::ReadWrite);
  writer.configure_as_writer(5s);
  std::vector<double> samples;
  for (int i = 0; i < count; ++i) {
    // Spread the commits over the poll interval, as revocations arrive in real life.
    std::this_thread::sleep_for(std::chrono::milliseconds(i * 37 % 50));
    {
      certacl::WriteTransaction transaction(writer);
      writer
          .prepare(
              "UPDATE certificates SET revoked_at = ?1, revocation_reason = 1 "
              "WHERE serial = ?2")
          .bind(1, std::int64_t{1})
          .bind(2, issued[static_cast<std::size_t>(i)].serial)
          .run();
      transaction.commit();
    }
    const auto committed = Clock::now();
    MqttTestClient& client = *clients[static_cast<std::size_t>(i)];
    if (!client.wait_for_disconnect(10s)) throw std::runtime_error("a revoked probe stayed");
    samples.push_back(
        std::chrono::duration<double, std::milli>(*client.disconnected_at() - committed).count());
  }
  if (broker.log_count("(full read)") != 0) {
    throw std::runtime_error("a change was read whole, not from the change log");
  }
  return samples;
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<int> parsed =
      argc > 1 ? certacl::bench::count_argument(argv[1], 2) : std::optional<int>(20);
  if (!parsed) {
    fmt::print(stderr, "certacl_revoke_drop_bench: drops must be a number from 2\n");
    return 2;
  }
  const int count = *parsed;
  try {
    fmt::print("revocation committed → live session dropped (SQLite, poll 50 ms, {} each)\n",
               count);
    for (const std::size_t devices : {std::size_t{1000}, std::size_t{10000}, std::size_t{100000}}) {
      const std::vector<double> samples = drops(devices, count);
      fmt::print("{:>8} devices: p50 {:.1f} ms  p99 {:.1f} ms  max {:.1f} ms\n", devices,
                 percentile(samples, 0.5), percentile(samples, 0.99),
                 *std::max_element(samples.begin(), samples.end()));
    }
    return 0;
  } catch (const std::exception& error) {
    fmt::print(stderr, "certacl_revoke_drop_bench: {}\n", error.what());
    return 1;
  }
}
