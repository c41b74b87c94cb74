#!/usr/bin/env bash
# Builds the whole tree with AddressSanitizer + UndefinedBehaviorSanitizer and runs every
# test through ctest. Any sanitizer report fails the test that triggered it: UBSan is
# built with -fno-sanitize-recover, ASan aborts on the first error, leaks fail at exit.
# Usage: scripts/test-sanitizers.sh [ctest args...]   (CERTACL_ASAN_BUILD_DIR overrides build/asan)
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${CERTACL_ASAN_BUILD_DIR:-build/asan}
jobs=${CERTACL_JOBS:-$(nproc)}
mkdir -p "$build_dir"
# The broker is Debian's uninstrumented mosquitto; to load the sanitized plugin it needs the
# sanitizer runtimes first in its process. Tests find the broker through
# MOSQUITTO_BROKER_EXECUTABLE, so point that at a wrapper that preloads them.
asan_runtime=$(gcc -print-file-name=libasan.so)
ubsan_runtime=$(gcc -print-file-name=libubsan.so)
broker_wrapper="$(realpath "$build_dir")/mosquitto-sanitized"
cat >"$broker_wrapper" <<WRAPPER
#!/bin/sh
# mosquitto with the ASan/UBSan runtimes preloaded (written by scripts/test-sanitizers.sh).
# Leaks are the broker's own business here; the plugin's are checked by valgrind.
LD_PRELOAD="$asan_runtime:$ubsan_runtime" ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" \\
  exec /usr/sbin/mosquitto "\$@"
WRAPPER
chmod +x "$broker_wrapper"

# Benchmarks measure speed, which a sanitized build does not have; they are built elsewhere.
cmake -S . -B "$build_dir" -DCERTACL_SANITIZE=ON -DCERTACL_WERROR=ON -DCERTACL_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMOSQUITTO_BROKER_EXECUTABLE="$broker_wrapper" >/dev/null
cmake --build "$build_dir" -j"$jobs"

# Leaks inside Debian's own libraries that certacl cannot free for them; each entry names
# the library function, never certacl code.
suppressions="$(realpath "$build_dir")/lsan.supp"
cat >"$suppressions" <<'SUPP'
# libmosquitto 2.0.11: mosquitto_tls_set() already stores a default tls_version through
# mosquitto_tls_opts_set(); a second, explicit mosquitto_tls_opts_set() overwrites that
# string without freeing it (8 bytes per client object, lib/options.c).
leak:mosquitto_tls_opts_set
SUPP
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$suppressions:print_suppressions=0}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

start=$(date +%s)
status=0
ctest --test-dir "$build_dir" --output-on-failure --timeout 600 -j"$jobs" -LE 'bench|valgrind' "$@" ||
  status=$?
echo "sanitizer test run: $(($(date +%s) - start)) s, ctest exit $status"
exit "$status"
