# Sourced by bench/soak/fleet.sh and bench/soak/soak.sh: a fresh CA and one mosquitto with
# the certacl plugin on a free loopback port, for runs too long or too large for tests.
#   scale_tools BUILD_DIR           sets CA_BIN, SIM_BIN, SOAK_BIN, PLUGIN (checks they exist)
#   scale_ca RUN_DIR                creates RUN_DIR/ca.db, ca.crt, broker.{crt,key}
#   scale_broker_start RUN_DIR      starts the broker (BROKER_PID, BROKER_PORT, BROKER_LOG)
#   scale_broker_stop               SIGTERM, then SIGKILL after 5 s
# The broker's descriptor limit is the fleet's ceiling (one per connection): its soft limit
# is raised to the hard one here, and BROKER_FD_LIMIT says what it got.

scale_tools() {
  local build_dir
  build_dir=$(realpath "$1")
  CA_BIN="$build_dir/bin/certacl-ca"
  SIM_BIN="$build_dir/bin/certacl-sim"
  SOAK_BIN="$build_dir/bin/certacl_soak"
  PLUGIN="$build_dir/lib/mosquitto_certacl.so"
  local needed
  for needed in "$CA_BIN" "$SIM_BIN" "$PLUGIN"; do
    [[ -e $needed ]] || { echo "missing $needed: build it first" >&2; return 2; }
  done
}

scale_ca() {
  local dir=$1
  "$CA_BIN" --db "$dir/ca.db" init --name "certacl scale CA" >/dev/null
  "$CA_BIN" --db "$dir/ca.db" ca-cert --out "$dir/ca.crt" >/dev/null
  "$CA_BIN" --db "$dir/ca.db" server-cert --cn localhost --san DNS:localhost,IP:127.0.0.1 \
    --cert-out "$dir/broker.crt" --key-out "$dir/broker.key" >/dev/null
}

source scripts/lib/free-port.sh
scale_free_port() { free_loopback_port; }

scale_broker_start() {
  local dir=$1
  BROKER_PORT=$(scale_free_port) || { echo "no free loopback port" >&2; return 1; }
  BROKER_LOG="$dir/mosquitto.log"
  {
    echo "per_listener_settings false"
    echo "allow_anonymous false"
    echo "max_connections -1"
    # The soak's two monitors receive every device's messages; mosquitto's default queue of
    # 1000 per client would drop QoS 1 messages while a monitor catches up, which is the
    # observer's limit, not certacl's.
    echo "max_queued_messages 100000"
    echo "persistence false"
    [[ $(id -u) -eq 0 ]] && echo "user root"
    echo "log_dest file $BROKER_LOG"
    echo "log_type error"
    echo "log_type warning"
    echo "log_type notice"
    echo "log_type information"
    echo "log_timestamp_format %Y-%m-%dT%H:%M:%S"
    echo "sys_interval 1"
    echo "plugin $PLUGIN"
    echo "plugin_opt_db_path $dir/ca.db"
    echo "plugin_opt_stats_interval 1"
    echo "listener $BROKER_PORT 127.0.0.1"
    echo "cafile $dir/ca.crt"
    echo "certfile $dir/broker.crt"
    echo "keyfile $dir/broker.key"
    echo "require_certificate true"
    echo "tls_version tlsv1.2"
  } >"$dir/mosquitto.conf"
  # In a subshell, so only the broker gets the raised limit.
  (
    ulimit -n "$(ulimit -Hn)"
    exec mosquitto -c "$dir/mosquitto.conf" >"$dir/mosquitto.stdout" 2>&1
  ) &
  BROKER_PID=$!
  # Ready when it says so in its log: a TCP probe of the port would leave an "unexpected
  # eof" TLS error line in the very log the soak checks for errors.
  for _ in $(seq 100); do
    grep -q "mosquitto version .* running" "$BROKER_LOG" 2>/dev/null && break
    kill -0 "$BROKER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if ! kill -0 "$BROKER_PID" 2>/dev/null; then
    echo "mosquitto did not start:" >&2
    cat "$dir/mosquitto.stdout" "$BROKER_LOG" >&2 2>/dev/null
    return 1
  fi
  BROKER_FD_LIMIT=$(awk '/Max open files/ {print $4}' "/proc/$BROKER_PID/limits")
}

scale_broker_stop() {
  [[ -n ${BROKER_PID:-} ]] || return 0
  kill -TERM "$BROKER_PID" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$BROKER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$BROKER_PID" 2>/dev/null || true
  wait "$BROKER_PID" 2>/dev/null || true
  BROKER_PID=""
}
