#include "certacl_test/paths.h"

namespace certacl::test {

std::string ca_binary() {
  return CERTACL_BINARY_DIR "/bin/certacl-ca";
}
std::string sim_binary() {
  return CERTACL_BINARY_DIR "/bin/certacl-sim";
}
std::string plugin_library() {
  return CERTACL_BINARY_DIR "/lib/mosquitto_certacl.so";
}
std::string mosquitto_binary() {
  return CERTACL_MOSQUITTO_BINARY;
}
std::string source_dir() {
  return CERTACL_SOURCE_DIR;
}

}  // namespace certacl::test
