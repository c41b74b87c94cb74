#pragma once
// Small fakes shared by the firmware unit tests: a seeded random generator, an in-memory
// credential store.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "certacl_fw/credential_store.h"
#include "certacl_fw/random.h"
#include "certacl_fw_host/host_entropy.h"

namespace certacl::fw::test {

inline std::unique_ptr<Random> make_random() {
  auto random = Random::create(host::kernel_entropy, nullptr, "certacl-firmware-test");
  EXPECT_TRUE(random.ok()) << random.error();
  return random ? std::move(random.value()) : nullptr;
}

class MemoryStore final : public CredentialStore {
 public:
  Result<std::optional<std::string>> load(CredentialItem item) override {
    if (fail_loads) return Status::failure("storage is broken");
    const auto found = items.find(item);
    if (found == items.end()) return std::optional<std::string>{};
    return std::optional<std::string>(found->second);
  }
  Status save(CredentialItem item, std::string_view value) override {
    if (fail_saves) return Status::failure("storage is full");
    items[item] = std::string(value);
    return Status::success();
  }

  std::map<CredentialItem, std::string> items;
  bool fail_loads = false;
  bool fail_saves = false;
};

}  // namespace certacl::fw::test
