# Sourced by scripts/ci/sanitizers.sh (CI) and scripts/test-sanitizers.sh (whole suite): the
# pieces both need to run sanitized certacl code inside Debian's uninstrumented mosquitto.
#   sanitizer_broker_wrapper BUILD_DIR RUNTIME  writes BUILD_DIR/mosquitto-sanitized, which
#                                               preloads RUNTIME (the ASan runtime; with gcc
#                                               also libubsan) into the broker, followed by
#                                               BUILD_DIR/asan-init-first.so (built here from
#                                               scripts/ci/asan_init_first.c: initialises ASan
#                                               before any library constructor; without it
#                                               libpq's first connect hangs the broker)
#   sanitizer_suppressions BUILD_DIR           writes BUILD_DIR/lsan.supp
#   sanitizer_export_options REPORT_DIR        ASan/UBSan/LSan options for every process
# Every report of every process (test, certacl-ca, the broker) goes to REPORT_DIR as well as
# failing that process, so a report in a subprocess whose exit status a test does not look
# at still fails the run (sanitizer_reports_found).

sanitizer_broker_wrapper() {
  local build_dir=$1 runtime=$2
  local wrapper="$build_dir/mosquitto-sanitized" init_first="$build_dir/asan-init-first.so"
  # __asan_init stays undefined here: the runtime preloaded before it provides it.
  cc -shared -fPIC -O2 -Wl,-z,initfirst -o "$init_first" \
    "$(dirname "${BASH_SOURCE[0]}")/asan_init_first.c" >&2
  cat >"$wrapper" <<WRAPPER
#!/bin/sh
# mosquitto with the sanitizer runtime preloaded, so it can load the instrumented plugin
# (written by scripts/ci/sanitizer-env.sh). The broker inherits ASAN_OPTIONS/LSAN_OPTIONS
# from the test run: a leak fails it at exit. mosquitto is built without frame pointers, so
# only the slow unwinder gives leak stacks deep enough for the suppressions to tell the
# broker's own allocations from the plugin's. asan-init-first.so initialises ASan before
# the broker's libraries' constructors run (scripts/ci/asan_init_first.c says why).
ASAN_OPTIONS="\${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0" \\
  LD_PRELOAD="$runtime:$init_first\${LD_PRELOAD:+:\$LD_PRELOAD}" exec /usr/sbin/mosquitto "\$@"
WRAPPER
  chmod +x "$wrapper"
  echo "$wrapper"
}

sanitizer_suppressions() {
  local file="$1/lsan.supp"
  # Each entry names a function of a Debian library, never certacl code, and says why.
  cat >"$file" <<'SUPP'
# libmosquitto 2.0.11: mosquitto_tls_set() already stores a default tls_version through
# mosquitto_tls_opts_set(); a second, explicit mosquitto_tls_opts_set() overwrites that
# string without freeing it (8 bytes per client object, lib/options.c).
leak:mosquitto_tls_opts_set
# mosquitto 2.0.11 (src/mosquitto.c): when it exits on a start-up error -- tests start
# brokers whose plugin refuses its options on purpose -- it returns from main() without
# freeing the configuration config__parse_args() read. Matches only allocations made while
# parsing the configuration, which runs before any plugin is loaded.
leak:config__parse_args
SUPP
  echo "$file"
}

sanitizer_export_options() {
  local report_dir=$1 suppressions=$2
  mkdir -p "$report_dir"
  # Sticky and world-writable like /tmp: some tests run the broker and certacl-ca as the
  # broker's own user, whose reports must land here too.
  chmod 1777 "$report_dir"
  # intercept_tls_get_addr=0: the runtimes' __tls_get_addr hook (clang 14, gcc 12) takes a
  # dynamic TLS block that malloc placed at offset 16 in a page for a glibc 2.19 block and
  # reads its bounds from the 16 bytes before it; LeakSanitizer then scanned that garbage
  # range and crashed ("Tracer caught signal 11", "DTLS 7 at 0xb65-0x1000001c67" with
  # verbosity=1), failing the stage once a run (the broker of
  # NarrowingTest.DeviceNameCannotForgeALogLine, every time). Without the hook the blocks
  # are ordinary heap chunks reached from the thread's static TLS, so still scanned.
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1:strict_string_checks=1:intercept_tls_get_addr=0:log_path=$report_dir/asan:log_exe_name=1"
  export LSAN_OPTIONS="suppressions=$suppressions:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$report_dir/ubsan:log_exe_name=1"
}

# Prints every report left in REPORT_DIR; true (0) when there is at least one.
sanitizer_reports_found() {
  local report_dir=$1 found=0 report
  for report in "$report_dir"/*; do
    [[ -s $report ]] || continue
    # LeakSanitizer could not stop a thread that was exiting at that moment, or its tracer
    # thread crashed while stopping them ("Tracer caught signal 11 ... LeakSanitizer has
    # encountered a fatal error"): notes of the checker itself, not findings. Both were seen
    # only under load, in processes whose tests passed; that process's leak check is lost.
    if ! grep -qvE 'Unable to get registers from thread|^Tracer caught signal|LeakSanitizer has encountered a fatal error|^==[0-9]+==HINT: ' "$report"; then
      echo "---- sanitizer note (not a finding) $report: $(head -1 "$report")" >&2
      continue
    fi
    found=1
    echo "---- sanitizer report $report" >&2
    head -80 "$report" >&2
  done
  return $((1 - found))
}
