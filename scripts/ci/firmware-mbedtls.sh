#!/usr/bin/env bash
# CI stage: the firmware core and its unit and integration tests built against Mbed TLS 3.6.4
# (what ESP-IDF v5.x ships; Debian 12 has only 2.28), twice: with MBEDTLS_HAVE_TIME_DATE on,
# and off (ESP-IDF's default, where Mbed TLS checks no certificate date and the core's own
# date checks must hold). Source: ../shared/vendor/mbedtls-3.6.4.tar.gz beside the clone;
# skipped with a message when ../shared is absent (a user's fresh clone).
# CERTACL_SHARED_DIR overrides ../shared; CERTACL_MBEDTLS_BUILD_DIR overrides build/mbedtls.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
shared=${CERTACL_SHARED_DIR:-$root/../shared}
tarball=$shared/vendor/mbedtls-3.6.4.tar.gz
expected_sha256=e6b2401a629c38eb2ae0bd26a2dedc1fdaed6b780fab89541c77b22adc64373a
jobs=$(nproc)
started=$SECONDS

echo "== firmware core on Mbed TLS 3.6.4 (MBEDTLS_HAVE_TIME_DATE on and off)"
if [[ ! -f $tarball ]]; then
  echo "SKIPPED: $tarball is absent (../shared is not beside this clone); the firmware core was" \
    "tested against Debian's Mbed TLS 2.28 only"
  exit 0
fi
echo "$expected_sha256  $tarball" | sha256sum --check --quiet || {
  echo "error: $tarball does not have the expected sha256" >&2
  exit 1
}

work=${CERTACL_MBEDTLS_BUILD_DIR:-$root/build/mbedtls}
source_dir=$work/mbedtls-3.6.4
if [[ ! -f $source_dir/CMakeLists.txt ]]; then
  mkdir -p "$work"
  tar -xzf "$tarball" -C "$work"
fi

# certacl-ca and the plugin do not use Mbed TLS: take them from the main build when it has
# them (scripts/test.sh runs this stage after it), so only the firmware is built twice.
main_build=${CERTACL_BUILD_DIR:-build/test}
[[ $main_build == /* ]] || main_build=$root/$main_build
reuse=OFF
if [[ -x $main_build/bin/certacl-ca && -f $main_build/lib/mosquitto_certacl.so ]]; then reuse=ON; fi

for variant in time-date-on time-date-off; do
  echo "-- $variant"
  config=$work/$variant-config.h
  if [[ $variant == time-date-off ]]; then
    echo '#undef MBEDTLS_HAVE_TIME_DATE  /* ESP-IDF default: CONFIG_MBEDTLS_HAVE_TIME_DATE=n */' \
      >"$config"
  else
    echo '/* Mbed TLS defaults: MBEDTLS_HAVE_TIME_DATE on */' >"$config"
  fi
  prefix=$work/$variant-install
  cmake -S "$source_dir" -B "$work/$variant-library" -DENABLE_TESTING=OFF -DENABLE_PROGRAMS=OFF \
    -DMBEDTLS_USER_CONFIG_FILE="$config" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
  cmake --build "$work/$variant-library" -j"$jobs" >/dev/null
  cmake --install "$work/$variant-library" >/dev/null

  build=$work/$variant-firmware
  cmake -S "$root" -B "$build" -DCERTACL_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCERTACL_BUILD_BENCH=OFF -DCERTACL_MBEDTLS_ROOT="$prefix" \
    -DCERTACL_FIRMWARE_REUSE_SERVER_BINARIES=$reuse \
    -DCERTACL_MBEDTLS_USER_CONFIG="$config" -DCERTACL_EXPECT_MBEDTLS=3.6.4 \
    -DCERTACL_EXPECT_TIME_DATE=$([[ $variant == time-date-on ]] && echo ON || echo OFF) >/dev/null
  if [[ $reuse == ON ]]; then
    mkdir -p "$build/bin" "$build/lib"
    ln -sf "$main_build/bin/certacl-ca" "$build/bin/certacl-ca"
    ln -sf "$main_build/lib/mosquitto_certacl.so" "$build/lib/mosquitto_certacl.so"
  fi
  cmake --build "$build" -j"$jobs" \
    --target certacl_firmware_unit_tests certacl_firmware_integration_tests >/dev/null
  ctest --test-dir "$build" -R '^(Firmware|CertacldeviceTool)' --output-on-failure \
    --timeout 300 -j"$jobs"
done
echo "== firmware core on Mbed TLS 3.6.4: done in $((SECONDS - started)) s"
