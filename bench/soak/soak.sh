#!/usr/bin/env bash
# The soak: a fresh CA, mosquitto with the certacl plugin, and certacl_soak driving N
# devices for T seconds under churn (bench/soak/soak_run.h says what it checks). Then:
# no error line in the broker's log, and a plot of broker RSS and the plugin's counters.
# Usage: bench/soak/soak.sh [build-dir] [devices] [seconds] [extra certacl_soak options...]
#   e.g. bench/soak/soak.sh build/test 5000 1800      (the README's 30-minute run)
# Output in ${CERTACL_SOAK_DIR:-/tmp/certacl-soak}: soak.csv, soak.svg, report.txt,
# mosquitto.log. Exit 0 only when every check passed.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/soak/broker-env.sh
scale_tools "${1:-build/test}"
[[ -x $SOAK_BIN ]] || { echo "missing $SOAK_BIN: build target certacl_soak" >&2; exit 2; }
devices=${2:-500}
seconds=${3:-180}
shift $(($# > 3 ? 3 : $#))

run_dir=${CERTACL_SOAK_DIR:-/tmp/certacl-soak}
rm -rf "$run_dir"
mkdir -p "$run_dir"
run_dir=$(realpath "$run_dir")
trap scale_broker_stop EXIT
scale_ca "$run_dir"
scale_broker_start "$run_dir"
echo "broker pid $BROKER_PID on 127.0.0.1:$BROKER_PORT, open-file limit $BROKER_FD_LIMIT"

status=0
"$SOAK_BIN" --port "$BROKER_PORT" --cafile "$run_dir/ca.crt" --ca-db "$run_dir/ca.db" \
  --ca-bin "$CA_BIN" --workdir "$run_dir/work" --devices "$devices" --duration "$seconds" \
  --broker-pid "$BROKER_PID" --csv "$run_dir/soak.csv" "$@" | tee "$run_dir/report.txt" ||
  status=$?
broker_peak=$(awk '/VmHWM/ {print $2}' "/proc/$BROKER_PID/status")
scale_broker_stop

# Error lines: mosquitto's own ("Error", OpenSSL errors) and the plugin's error-level
# lines (database unreadable or stale, failed tick or reload, internal errors, skipped
# rules). Refused connects and kicks are warnings and expected here.
error_pattern='Error|error:|database (stale|unreadable)|tick failed|reload (refused|failed)|internal error|invalid rule pattern|cannot set the MQTT username'
if grep -E "$error_pattern" "$BROKER_LOG" >"$run_dir/broker-errors.txt"; then
  echo "broker log: $(wc -l <"$run_dir/broker-errors.txt") error lines, e.g.:" | tee -a "$run_dir/report.txt"
  head -5 "$run_dir/broker-errors.txt" | tee -a "$run_dir/report.txt"
  status=1
else
  echo "broker log: no error lines ($(wc -l <"$BROKER_LOG") lines)" | tee -a "$run_dir/report.txt"
fi
echo "broker peak RSS: $broker_peak kB" | tee -a "$run_dir/report.txt"

if command -v gnuplot >/dev/null && [[ -s $run_dir/soak.csv ]]; then
  for format in svg png; do
    if [[ $format == svg ]]; then terminal="svg size 1000,700 dynamic"; else terminal="pngcairo size 1000,700"; fi
    gnuplot <<PLOT
set terminal $terminal
set output "$run_dir/soak.$format"
set datafile separator ","
set termoption noenhanced
set key autotitle columnhead left top
set multiplot layout 2,1 title "certacl soak: $devices devices, $seconds s"
set xlabel "seconds"
set ylabel "broker RSS (kB)"
set yrange [0:*]
plot "$run_dir/soak.csv" using 1:2 with lines lw 2
set ylabel "count"
set yrange [0:*]
plot "$run_dir/soak.csv" using 1:3 with lines, "" using 1:4 with lines, \
     "" using 1:8 with lines, "" using 1:9 with lines, "" using 1:10 with lines
unset multiplot
PLOT
  done
  echo "plot: $run_dir/soak.svg (and .png), samples: $run_dir/soak.csv"
fi
exit "$status"
