#!/usr/bin/env bash
# Builds the whole tree with AddressSanitizer + UndefinedBehaviorSanitizer (gcc) and runs
# every test through ctest -- the simulator and firmware tests too, which CI's sanitizer
# stage (scripts/ci/sanitizers.sh, clang: common, CA, plugin, PostgreSQL) leaves out.
# Any sanitizer report fails the run: UBSan is built with -fno-sanitize-recover=all, ASan
# aborts on the first error, leaks fail at exit, and every report of every process (the
# broker's too) is collected and judged at the end.
# Usage: scripts/test-sanitizers.sh [ctest args...]   (CERTACL_ASAN_BUILD_DIR overrides build/asan)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ci/sanitizer-env.sh

build_dir=${CERTACL_ASAN_BUILD_DIR:-build/asan}
jobs=${CERTACL_JOBS:-$(nproc)}
mkdir -p "$build_dir"
build_dir=$(realpath "$build_dir")
# gcc's runtimes are two libraries; the broker needs both preloaded.
wrapper=$(sanitizer_broker_wrapper "$build_dir" \
  "$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)")

# Benchmarks measure speed, which a sanitized build does not have; they are built elsewhere.
cmake -S . -B "$build_dir" -DCERTACL_SANITIZE=ON -DCERTACL_WERROR=ON -DCERTACL_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMOSQUITTO_BROKER_EXECUTABLE="$wrapper" >/dev/null
cmake --build "$build_dir" -j"$jobs"

reports="$build_dir/sanitizer-reports"
rm -rf "$reports"
sanitizer_export_options "$reports" "$(sanitizer_suppressions "$build_dir")"
start=$(date +%s)
status=0
ctest --test-dir "$build_dir" --output-on-failure --timeout 600 -j"$jobs" -LE 'bench|valgrind' "$@" ||
  status=$?
if sanitizer_reports_found "$reports"; then
  echo "test-sanitizers: FAIL: sanitizer reports above" >&2
  status=1
fi
echo "sanitizer test run: $(($(date +%s) - start)) s, ctest exit $status"
exit "$status"
