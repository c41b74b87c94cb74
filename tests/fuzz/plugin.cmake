# Fuzz targets for code of the broker plugin (included by tests/fuzz/CMakeLists.txt).
# Guarded so the tree configures before the plugin libraries exist.
if(TARGET certacl_plugin_core)
  certacl_add_fuzz_target(plugin_options_fuzz SOURCES plugin_options_fuzz.cpp
                          LIBRARIES certacl_plugin_core)
endif()
if(TARGET certacl_policy)
  certacl_add_fuzz_target(plugin_identity_fuzz SOURCES plugin_identity_fuzz.cpp
                          LIBRARIES certacl_policy certacl_common OpenSSL::Crypto)
endif()
