# Fuzz targets for code of the CA service (included by tests/fuzz/CMakeLists.txt).
# Guarded so the tree configures before the CA library exists.
if(TARGET certacl_ca)
  certacl_add_fuzz_target(csr_fuzz SOURCES csr_fuzz.cpp
                          LIBRARIES certacl_ca certacl_common OpenSSL::Crypto)
  # csr_policy.h is a header of the CA's sources, not an installed interface.
  target_include_directories(csr_fuzz PRIVATE ${PROJECT_SOURCE_DIR}/ca-service/src)
endif()
