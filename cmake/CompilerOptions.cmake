# Warnings and sanitizers applied to every certacl target through one interface library.
add_library(certacl_warnings INTERFACE)
target_compile_options(certacl_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                                  -Wno-sign-conversion)
if(CERTACL_WERROR)
  target_compile_options(certacl_warnings INTERFACE -Werror)
endif()

if(CERTACL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

if(CERTACL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CERTACL_FUZZ=ON needs clang (libFuzzer): configure with "
                        "CC=clang CXX=clang++")
  endif()
  # Coverage instrumentation everywhere, so the fuzzer sees inside the libraries it drives;
  # only the fuzz executables link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
