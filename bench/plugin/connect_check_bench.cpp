// The connect-time check: read the presented certificate, then decide against a registry
// snapshot of 100,000 devices.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "certacl/openssl_handles.h"
#include "client_acl.h"
#include "connect_check.h"
#include "fleet.h"
#include "presented_certificate.h"

namespace certacl::bench {
namespace {

const policy::RegistrySnapshot& registry_100k() {
  static const auto snapshot = policy::RegistrySnapshot::build(fleet(100'000), kNow);
  return *snapshot;
}

X509Ptr self_signed(const std::string& common_name) {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr certificate(X509_new());
  X509_set_version(certificate.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), 0x1000007);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 3600);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(certificate.get(), name);
  X509_set_pubkey(certificate.get(), key.get());
  X509_sign(certificate.get(), key.get(), EVP_sha256());
  return certificate;
}

// What a registered device of the bench fleet presents: its recorded serial and fingerprint.
policy::PresentedCertificate presented_by_registered_device(int index) {
  policy::PresentedCertificate presented;
  presented.serial = serial_of(index);
  presented.sha256 = fmt::format("{:064x}", index);
  presented.issuer = "CN=bench CA";
  presented.common_names = {device_name(index)};
  return presented;
}

void BM_ConnectDecision100kDevices(benchmark::State& state) {
  const policy::RegistrySnapshot& registry = registry_100k();
  const policy::PresentedCertificate presented = presented_by_registered_device(54'321);
  const std::string client_id = device_name(54'321);
  for (auto _ : state) {
    const policy::ConnectVerdict verdict =
        policy::check_connect(&presented, true, client_id, registry, {}, kNow);
    if (!verdict.decision.allowed()) state.SkipWithError("expected an allowed connect");
    benchmark::DoNotOptimize(verdict);
  }
}
BENCHMARK(BM_ConnectDecision100kDevices);

// Issue 12: the same decision for a role with prefix client ids. The id below has three '-'
// after the device name, so three more lookups prove no longer registered name owns it.
void BM_ConnectDecisionPrefixRole100kDevices(benchmark::State& state) {
  static const auto snapshot = [] {
    RegistryContents contents = fleet(100'000);
    contents.roles = {Role{"sensor", RoleClientIdRule::kPrefix}};
    return policy::RegistrySnapshot::build(std::move(contents), kNow);
  }();
  const policy::PresentedCertificate presented = presented_by_registered_device(54'321);
  const std::string client_id = device_name(54'321) + "-gw-pub-1";
  for (auto _ : state) {
    const policy::ConnectVerdict verdict =
        policy::check_connect(&presented, true, client_id, *snapshot, {}, kNow);
    if (!verdict.decision.allowed()) state.SkipWithError("expected an allowed connect");
    benchmark::DoNotOptimize(verdict);
  }
}
BENCHMARK(BM_ConnectDecisionPrefixRole100kDevices);

void BM_ConnectDecisionPlusCompile100kDevices(benchmark::State& state) {
  const policy::RegistrySnapshot& registry = registry_100k();
  const policy::PresentedCertificate presented = presented_by_registered_device(54'321);
  const std::string client_id = device_name(54'321);
  for (auto _ : state) {
    const policy::ConnectVerdict verdict =
        policy::check_connect(&presented, true, client_id, registry, {}, kNow);
    benchmark::DoNotOptimize(policy::ClientAcl::compile(registry.rules_for_role(verdict.role),
                                                        verdict.device, client_id));
  }
}
BENCHMARK(BM_ConnectDecisionPlusCompile100kDevices);

// What the plugin does now: bind the role's policy, compiled once with the snapshot.
void BM_ConnectDecisionPlusSharedBind100kDevices(benchmark::State& state) {
  const policy::RegistrySnapshot& registry = registry_100k();
  const policy::PresentedCertificate presented = presented_by_registered_device(54'321);
  const std::string client_id = device_name(54'321);
  for (auto _ : state) {
    const policy::ConnectVerdict verdict =
        policy::check_connect(&presented, true, client_id, registry, {}, kNow);
    benchmark::DoNotOptimize(
        policy::ClientAcl::bind(registry.policy_for_role(verdict.role), verdict.device, client_id));
  }
}
BENCHMARK(BM_ConnectDecisionPlusSharedBind100kDevices);

void BM_ReadPresentedCertificate(benchmark::State& state) {
  const X509Ptr certificate = self_signed("sensor-7");
  for (auto _ : state)
    benchmark::DoNotOptimize(policy::read_presented_certificate(certificate.get()));
}
BENCHMARK(BM_ReadPresentedCertificate);

}  // namespace
}  // namespace certacl::bench
