#pragma once
// Where the build put the programs under test (see the output folders in CMakeLists.txt).

#include <string>

namespace certacl::test {

std::string ca_binary();         // build/bin/certacl-ca
std::string sim_binary();        // build/bin/certacl-sim
std::string plugin_library();    // build/lib/mosquitto_certacl.so
std::string mosquitto_binary();  // the Debian broker, /usr/sbin/mosquitto
std::string source_dir();        // the repository root

}  // namespace certacl::test
