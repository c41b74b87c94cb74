# Every dependency comes from Debian's packages (scripts/install-deps.sh installs them).
find_package(OpenSSL 3.0 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBMOSQUITTO REQUIRED IMPORTED_TARGET libmosquitto)
# cpp-httplib 0.11 (Debian, built with OpenSSL): the EST server and the simulator's EST client.
pkg_check_modules(CPP_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

find_path(MOSQUITTO_BROKER_INCLUDE_DIR mosquitto_broker.h REQUIRED)
find_program(MOSQUITTO_BROKER_EXECUTABLE mosquitto PATHS /usr/sbin /usr/local/sbin REQUIRED)
find_program(OPENSSL_EXECUTABLE openssl REQUIRED)

if(CERTACL_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(CERTACL_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
