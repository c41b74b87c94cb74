#!/usr/bin/env bash
# A large fleet against one broker: a fresh CA, mosquitto with the certacl plugin (its
# descriptor limit raised to the hard limit), then `certacl-sim load` with the fleet split
# across worker processes. Prints the simulator's report and the broker's peak RSS.
# Usage: bench/soak/fleet.sh [build-dir] [devices] [extra certacl-sim load options...]
#   e.g. bench/soak/fleet.sh build/test 10000 --connect-rate 400 --duration 20
# Keeps its files in ${CERTACL_SCALE_DIR:-/tmp/certacl-fleet} (device keys are re-used
# between runs when the directory is kept: enrolling 10,000 devices takes minutes).
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/soak/broker-env.sh
scale_tools "${1:-build/test}"
devices=${2:-10000}
shift $(($# > 2 ? 2 : $#))

run_dir=${CERTACL_SCALE_DIR:-/tmp/certacl-fleet}
mkdir -p "$run_dir"
run_dir=$(realpath "$run_dir")
trap scale_broker_stop EXIT
[[ -f $run_dir/ca.db ]] || scale_ca "$run_dir"
scale_broker_start "$run_dir"
echo "broker pid $BROKER_PID on 127.0.0.1:$BROKER_PORT, open-file limit $BROKER_FD_LIMIT" \
  "(at most ~$((BROKER_FD_LIMIT - 50)) connections)"

status=0
"$SIM_BIN" load --devices "$devices" --port "$BROKER_PORT" --cafile "$run_dir/ca.crt" \
  --ca-db "$run_dir/ca.db" --ca-bin "$CA_BIN" --workdir "$run_dir/work" "$@" || status=$?
echo "broker peak RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$BROKER_PID/status")," \
  "now $(awk '/VmRSS/ {print $2, $3}' "/proc/$BROKER_PID/status")"
exit "$status"
