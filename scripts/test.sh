#!/usr/bin/env bash
# The README's test command: installs dependencies, builds everything with -Werror, runs every
# test through ctest (unit, integration against a real broker, corpus replays), then builds the
# libFuzzer targets with clang and fuzzes each briefly.
# CERTACL_BUILD_DIR overrides build/test; CERTACL_SKIP_FUZZ=1 skips the clang fuzz stage.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -eq 0 ]]; then scripts/install-deps.sh; else sudo scripts/install-deps.sh; fi
jobs=$(nproc)

build_dir=${CERTACL_BUILD_DIR:-build/test}
echo "== build ($build_dir, gcc, -Werror)"
cmake -S . -B "$build_dir" -DCERTACL_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j"$jobs"
echo "== tests"
ctest --test-dir "$build_dir" --output-on-failure --timeout 300 -j"$jobs"
scripts/ci/firmware-mbedtls.sh
[[ ${CERTACL_SKIP_SANITIZERS:-0} == 1 ]] || scripts/ci/sanitizers.sh  # ASan+UBSan: common, CA, plugin
[[ ${CERTACL_SKIP_PACKAGE:-0} == 1 ]] || scripts/ci/package.sh  # Debian packages: build, dpkg -i, broker, purge

if [[ ${CERTACL_SKIP_FUZZ:-0} != 1 ]]; then
  fuzz_dir=${CERTACL_FUZZ_BUILD_DIR:-build/test-fuzz}
  echo "== fuzz ($fuzz_dir, clang, libFuzzer + ASan/UBSan, a few seconds per target)"
  CC=clang CXX=clang++ cmake -S . -B "$fuzz_dir" -DCERTACL_FUZZ=ON \
    -DCERTACL_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$fuzz_dir" -j"$jobs" --target fuzz_targets
  ctest --test-dir "$fuzz_dir" --output-on-failure -L fuzz
fi
