#include "certacl_fw/wall_clock.h"

#include <ctime>

namespace certacl::fw {
namespace {

UnixSeconds system_time() {
  return static_cast<UnixSeconds>(std::time(nullptr));
}

// One process-wide source: the TLS verify callback is a C function pointer and reaches it
// without a context of its own.
WallClockSource current_source = system_time;

}  // namespace

UnixSeconds wall_clock_now() {
  return current_source();
}

ScopedWallClock::ScopedWallClock(WallClockSource source) : previous_(current_source) {
  current_source = source;
}

ScopedWallClock::~ScopedWallClock() {
  current_source = previous_;
}

}  // namespace certacl::fw
