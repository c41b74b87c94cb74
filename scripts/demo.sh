#!/usr/bin/env bash
# The README's first command. From a fresh Debian machine: installs the dependencies,
# builds, creates a private CA in a scratch directory, issues the broker's certificate,
# starts mosquitto with the certacl plugin on 127.0.0.1, runs the seeds, attacks and
# revoke-live scenarios and a short load run, shows one device enrolling and renewing over
# EST (certacl-ca serve, driven with curl + openssl as in docs/EST.md), prints a summary,
# and stops everything it started. Exit status is non-zero if any part did not go as
# expected.
#
# Usage: scripts/demo.sh
#   CERTACL_BUILD_DIR  build directory (default build/demo)
#   CERTACL_DEMO_DIR   scratch directory, wiped at the start (default demo-run)
#   CERTACL_DEMO_LOAD_DEVICES / CERTACL_DEMO_LOAD_SECONDS  size of the load run (200 / 10)
# Never touches /etc/mosquitto or the system mosquitto service.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

say "Installing dependencies"
if [[ $(id -u) -eq 0 ]]; then scripts/install-deps.sh; else sudo scripts/install-deps.sh; fi

build_dir=${CERTACL_BUILD_DIR:-build/demo}
say "Building certacl-ca, the plugin and certacl-sim into $build_dir"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCERTACL_BUILD_TESTS=OFF \
  -DCERTACL_BUILD_BENCH=OFF >/dev/null
cmake --build "$build_dir" --target certacl-ca mosquitto_certacl certacl-sim -j"$(nproc)"
build_dir=$(cd "$build_dir" && pwd)
ca_bin="$build_dir/bin/certacl-ca"
sim_bin="$build_dir/bin/certacl-sim"
plugin="$build_dir/lib/mosquitto_certacl.so"

run_dir=${CERTACL_DEMO_DIR:-demo-run}
rm -rf "$run_dir"
mkdir -p "$run_dir"
# docs/DEPLOYMENT.md: nobody but the owner writes the registry's directory (the plugin
# refuses a group- or world-writable one, whatever the umask made it).
chmod 0750 "$run_dir"
run_dir=$(cd "$run_dir" && pwd)
db="$run_dir/ca.db"

broker_pid=""
est_pid=""
cleanup() {
  if [[ -n $est_pid ]] && kill -0 "$est_pid" 2>/dev/null; then
    kill -TERM "$est_pid" 2>/dev/null || true
    wait "$est_pid" 2>/dev/null || true
  fi
  if [[ -n $broker_pid ]] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "Creating the CA in $run_dir"
ca() { "$ca_bin" --db "$db" "$@"; }
ca init --name "certacl demo CA"
ca ca-cert --out "$run_dir/ca.crt"
ca server-cert --cn localhost --san DNS:localhost,IP:127.0.0.1 \
  --cert-out "$run_dir/broker.crt" --key-out "$run_dir/broker.key"
ca crl --out "$run_dir/ca.crl"

# A free loopback port: bash's /dev/tcp connects only when something listens.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
source scripts/lib/free-port.sh
port=$(free_loopback_port) || exit 1

say "Starting mosquitto with the certacl plugin on 127.0.0.1:$port"
{
  echo "per_listener_settings false"
  echo "allow_anonymous false"
  echo "max_connections -1"
  echo "persistence false"
  [[ $(id -u) -eq 0 ]] && echo "user root"
  echo "log_dest file $run_dir/mosquitto.log"
  echo "log_type error"
  echo "log_type warning"
  echo "log_type notice"
  echo "log_type information"
  echo "plugin $plugin"
  echo "plugin_opt_db_path $db"
  echo "listener $port 127.0.0.1"
  echo "cafile $run_dir/ca.crt"
  echo "certfile $run_dir/broker.crt"
  echo "keyfile $run_dir/broker.key"
  echo "require_certificate true"
  echo "tls_version tlsv1.2"
} >"$run_dir/mosquitto.conf"
# Thousands of connections need thousands of descriptors; the broker inherits this limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
mosquitto -c "$run_dir/mosquitto.conf" >"$run_dir/mosquitto.stdout" 2>&1 &
broker_pid=$!
for _ in $(seq 100); do
  port_in_use "$port" && break
  kill -0 "$broker_pid" 2>/dev/null || break
  sleep 0.1
done
if ! port_in_use "$port"; then
  echo "demo: mosquitto did not start; its log:" >&2
  cat "$run_dir/mosquitto.stdout" "$run_dir/mosquitto.log" >&2 2>/dev/null || true
  exit 1
fi

sim_args=(--port "$port" --cafile "$run_dir/ca.crt" --ca-db "$db" --ca-bin "$ca_bin"
  --workdir "$run_dir/devices")
declare -A outcome
status=0
for scenario in seeds attacks revoke-live; do
  say "Scenario $scenario"
  if "$sim_bin" scenario "$scenario" "${sim_args[@]}"; then
    outcome[$scenario]=PASS
  else
    outcome[$scenario]=FAIL
    status=1
  fi
done

load_devices=${CERTACL_DEMO_LOAD_DEVICES:-200}
load_seconds=${CERTACL_DEMO_LOAD_SECONDS:-10}
say "Load: $load_devices devices for $load_seconds s"
if "$sim_bin" load "${sim_args[@]}" --devices "$load_devices" --connect-rate 200 \
  --publish-rate 2 --payload-bytes 128 --duration "$load_seconds" | tee "$run_dir/load.txt"; then
  outcome[load]=PASS
else
  outcome[load]=FAIL
  status=1
fi

# The load run refuses a registry holding roles it did not create (the EST part adds
# est-demo), so it runs before the EST part.

# --- EST: one device enrolls with a one-time token and renews over mutual TLS -------
# The same commands as docs/EST.md. The client steps run in a subshell with set -e, so
# any failing step fails the EST part.
say "EST: a device enrolls with a one-time token and renews (certacl-ca serve, curl, openssl)"
est_dir="$run_dir/est"
mkdir -p "$est_dir"
est_port=$(free_loopback_port) || exit 1
ca role add est-demo >/dev/null
ca role allow est-demo publish 'sensors/%u/#' >/dev/null
ca device add est-sensor-1 --role est-demo >/dev/null
"$ca_bin" --db "$db" serve --port "$est_port" --cert "$run_dir/broker.crt" \
  --key "$run_dir/broker.key" --lifetime 10m --supersede-after 30s 2>"$est_dir/serve.log" &
est_pid=$!
for _ in $(seq 100); do port_in_use "$est_port" && break; sleep 0.1; done
est_steps() {
  set -e
  local url="https://localhost:$est_port/.well-known/est" token code
  echo "admin: certacl-ca device token est-sensor-1 --ttl 1h"
  token=$(ca device token est-sensor-1 --ttl 1h | sed -n 's/^token=//p')
  echo "device: makes its key and CSR, enrolls with the token (HTTP Basic)"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$est_dir/device.key" \
    -subj /CN=est-sensor-1 -outform DER 2>/dev/null | base64 >"$est_dir/device.csr.b64"
  curl -sS --fail-with-body --cacert "$run_dir/ca.crt" --user "est-sensor-1:$token" \
    --data-binary @"$est_dir/device.csr.b64" -H 'Content-Type: application/pkcs10' \
    "$url/simpleenroll" | base64 -d | openssl pkcs7 -inform DER -print_certs >"$est_dir/device.crt"
  openssl x509 -in "$est_dir/device.crt" -noout -subject -serial -enddate | sed 's/^/  /'
  mosquitto_pub -h localhost -p "$port" --cafile "$run_dir/ca.crt" --cert "$est_dir/device.crt" \
    --key "$est_dir/device.key" -i est-sensor-1 -t sensors/est-sensor-1/t -m enrolled -q 1
  echo "  published to the broker with the enrolled certificate"
  echo "device: renews before expiry with a new key (mutual TLS with its current certificate)"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$est_dir/device-2.key" \
    -subj /CN=est-sensor-1 -outform DER 2>/dev/null | base64 >"$est_dir/device-2.csr.b64"
  curl -sS --fail-with-body --cacert "$run_dir/ca.crt" --cert "$est_dir/device.crt" \
    --key "$est_dir/device.key" --data-binary @"$est_dir/device-2.csr.b64" \
    -H 'Content-Type: application/pkcs10' "$url/simplereenroll" |
    base64 -d | openssl pkcs7 -inform DER -print_certs >"$est_dir/device-2.crt"
  openssl x509 -in "$est_dir/device-2.crt" -noout -serial -enddate | sed 's/^/  /'
  mosquitto_pub -h localhost -p "$port" --cafile "$run_dir/ca.crt" --cert "$est_dir/device-2.crt" \
    --key "$est_dir/device-2.key" -i est-sensor-1 -t sensors/est-sensor-1/t -m renewed -q 1
  echo "  published with the renewed certificate; the old one is revoked as superseded in 30 s"
  code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$run_dir/ca.crt" \
    --user "est-sensor-1:$token" --data-binary @"$est_dir/device.csr.b64" \
    -H 'Content-Type: application/pkcs10' "$url/simpleenroll")
  echo "the used token again: HTTP $code (refused)"
  [[ $code == 401 ]]
}
set +e
(est_steps)
est_status=$?
set -e
if ((est_status == 0)); then outcome[est]=PASS; else outcome[est]=FAIL; status=1; fi

say "Summary"
printf '  %-12s %s\n' "seeds" "${outcome[seeds]}  sensor1->dashboard1, client_a/client_b, pi-gateway + ESP32 sensors"
printf '  %-12s %s\n' "attacks" "${outcome[attacks]}  rogue, other CA, revoked, disabled, expired, out-of-ACL, '#', wildcard CN, spoofed id, no cert"
printf '  %-12s %s\n' "revoke-live" "${outcome[revoke-live]}  a connected device revoked with certacl-ca and dropped"
printf '  %-12s %s\n' "est" "${outcome[est]}  token enrollment and mTLS renewal over EST, both certificates accepted by the broker"
printf '  %-12s %s\n' "load" "${outcome[load]}  $(grep -E '^(connections|messages):' "$run_dir/load.txt" | tr '\n' ' ' | tr -s ' ')"
echo "  scratch directory: $run_dir (broker log: $run_dir/mosquitto.log)"
if ((status == 0)); then echo "demo: everything behaved as expected"; else echo "demo: some checks FAILED (see above)"; fi
exit $status
