// Which registries the simulator treats as its own: only sim-... roles (or none yet).

#include "provision/registry_guard.h"

#include <gtest/gtest.h>

namespace certacl::sim {
namespace {

TEST(RegistryGuard, OnlySimulatorRolesAreOwn) {
  EXPECT_EQ(first_foreign_role({}), std::nullopt);
  EXPECT_EQ(first_foreign_role({"sim-sensor", "sim-load"}), std::nullopt);
  EXPECT_EQ(first_foreign_role({"sim-sensor", "sensor"}), "sensor");
  EXPECT_EQ(first_foreign_role({"simulated"}), "simulated");
  EXPECT_EQ(first_foreign_role({"SIM-sensor"}), "SIM-sensor");
}

}  // namespace
}  // namespace certacl::sim
