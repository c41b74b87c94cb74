#!/usr/bin/env bash
# Builds the whole tree with AddressSanitizer + UndefinedBehaviorSanitizer and runs every
# test through ctest. Any sanitizer report fails the test that triggered it: UBSan is
# built with -fno-sanitize-recover, ASan aborts on the first error, leaks fail at exit.
# Usage: scripts/test-sanitizers.sh [ctest args...]   (CERTACL_ASAN_BUILD_DIR overrides build/asan)
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${CERTACL_ASAN_BUILD_DIR:-build/asan}
jobs=${CERTACL_JOBS:-$(nproc)}
# Benchmarks measure speed, which a sanitized build does not have; they are built elsewhere.
cmake -S . -B "$build_dir" -DCERTACL_SANITIZE=ON -DCERTACL_WERROR=ON -DCERTACL_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j"$jobs"

# The broker itself (Debian's, not instrumented) loads the sanitized plugin, so the ASan
# runtime must come first in its process: tests that start mosquitto read this variable.
asan_runtime=$(gcc -print-file-name=libasan.so)
ubsan_runtime=$(gcc -print-file-name=libubsan.so)
export CERTACL_BROKER_PRELOAD="$asan_runtime:$ubsan_runtime"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

start=$(date +%s)
status=0
ctest --test-dir "$build_dir" --output-on-failure --timeout 600 -j"$jobs" -LE 'bench|valgrind' "$@" ||
  status=$?
echo "sanitizer test run: $(($(date +%s) - start)) s, ctest exit $status"
exit "$status"
