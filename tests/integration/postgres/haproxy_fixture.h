#pragma once
// A real haproxy (Debian's package, 2.6) on 127.0.0.1:<free port>, in TCP mode: an L4 load
// balancer that passes TLS through untouched, round-robin over the given backends, with a
// TCP health check. Started by the constructor, stopped by the destructor (a ScopedProcess).

#include <memory>
#include <string>
#include <vector>

#include "certacl_test/files.h"
#include "certacl_test/process.h"

namespace certacl::test {

class HaproxyFixture {
 public:
  // Throws std::runtime_error with haproxy's output when it does not listen within 10 s.
  explicit HaproxyFixture(const std::vector<int>& backend_ports);
  ~HaproxyFixture() = default;
  HaproxyFixture(const HaproxyFixture&) = delete;
  HaproxyFixture& operator=(const HaproxyFixture&) = delete;

  [[nodiscard]] int port() const noexcept { return port_; }
  [[nodiscard]] const std::string& config() const noexcept { return config_; }
  // haproxy's own log (stderr): one line per connection (option tcplog) and health changes.
  [[nodiscard]] std::string log() const;

 private:
  TempDir directory_;
  int port_ = 0;
  std::string config_;
  std::unique_ptr<ScopedProcess> process_;
};

// The configuration, as documented in docs/SCALING.md ("Topology").
[[nodiscard]] std::string haproxy_config(int port, const std::vector<int>& backend_ports);

}  // namespace certacl::test
