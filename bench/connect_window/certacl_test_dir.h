#pragma once
// A scratch directory for the bench database: $TMPDIR or /tmp.

#include <cstdlib>
#include <string>

namespace certacl::bench {

inline std::string scratch_directory() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

}  // namespace certacl::bench
