#!/usr/bin/env bash
# Runs Debian's mosquitto with the certacl plugin under valgrind memcheck and drives a full
# session through it: connect, subscribe, publish, a denied publish, revoke (the plugin
# kicks the live session), a refused reconnect, disconnect, SIGTERM. Fails if any valgrind
# error or definite leak has a certacl frame in its stack (the broker's and OpenSSL's own
# reports are not ours to fix and are listed, not judged).
# Usage: scripts/valgrind-broker.sh [build-dir]   (default build/test; needs certacl-ca and
# mosquitto_certacl.so built there). Takes about 20-40 s.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(realpath "${1:-${CERTACL_BUILD_DIR:-build/test}}")
ca="$build_dir/bin/certacl-ca"
plugin="$build_dir/lib/mosquitto_certacl.so"
for needed in "$ca" "$plugin"; do
  [[ -e $needed ]] || { echo "valgrind-broker: $needed is missing (build it first)" >&2; exit 2; }
done
command -v valgrind >/dev/null || { echo "valgrind-broker: valgrind is not installed" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "valgrind-broker: FAIL: $*" >&2; [[ -f $work/broker.log ]] && tail -30 "$work/broker.log" >&2; exit 1; }

db="$work/certacl.db"
certacl() { "$ca" --db "$db" "$@" >/dev/null; }
certacl init --name "certacl valgrind CA"
certacl ca-cert --out "$work/ca.pem"
certacl server-cert --cn localhost --san DNS:localhost,IP:127.0.0.1 \
  --cert-out "$work/server.crt" --key-out "$work/server.key"
certacl role add sensor
certacl role allow sensor publish 'factory/%u/#'
certacl role allow sensor subscribe 'factory/#'
for device in sensor-1 sensor-2 monitor; do
  certacl device add "$device" --role sensor
  certacl enroll "$device" --key-out "$work/$device.key" --cert-out "$work/$device.crt"
done

source scripts/lib/free-port.sh
port=$(free_loopback_port)
cat >"$work/mosquitto.conf" <<CONF
per_listener_settings false
allow_anonymous false
user root
persistence false
log_dest stderr
log_type all
listener $port 127.0.0.1
cafile $work/ca.pem
certfile $work/server.crt
keyfile $work/server.key
require_certificate true
plugin $plugin
plugin_opt_db_path $db
plugin_opt_poll_interval_ms 50
CONF

start=$(date +%s)
valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \
  --show-leak-kinds=definite --num-callers=30 --log-file="$work/valgrind.log" \
  /usr/sbin/mosquitto -c "$work/mosquitto.conf" >"$work/broker.log" 2>&1 &
broker=$!
pids+=("$broker")

for ((i = 0; i < 600; ++i)); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$broker" 2>/dev/null || fail "mosquitto exited during start-up"
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || fail "mosquitto did not listen within 60 s"

tls() { echo -h 127.0.0.1 -p "$port" --cafile "$work/ca.pem" --cert "$work/$1.crt" --key "$work/$1.key"; }
# shellcheck disable=SC2046
{
  timeout 60 mosquitto_sub $(tls monitor) -i monitor -t 'factory/#' -C 1 -W 50 \
    >"$work/received.txt" 2>&1 &
  sub1=$!
  pids+=("$sub1")
  timeout 60 mosquitto_sub $(tls sensor-2) -i sensor-2 -t 'factory/sensor-2/#' \
    >"$work/sensor-2.txt" 2>&1 &
  sub2=$!
  pids+=("$sub2")
  sleep 3  # both sessions up (valgrind makes the broker slow)
  # Denied (outside its subtree), then allowed.
  timeout 30 mosquitto_pub $(tls sensor-1) -i sensor-1 -q 1 -t factory/sensor-2/x -m denied ||
    true
  timeout 30 mosquitto_pub $(tls sensor-1) -i sensor-1 -q 1 -t factory/sensor-1/t -m hello ||
    fail "sensor-1 could not publish"
  wait "$sub1" || fail "the subscriber received nothing"
  grep -q hello "$work/received.txt" || fail "wrong message: $(cat "$work/received.txt")"

  certacl revoke --device sensor-2
  for ((i = 0; i < 300; ++i)); do kill -0 "$sub2" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$sub2" 2>/dev/null && fail "the revoked device's session was not kicked within 30 s"
  if timeout 30 mosquitto_pub $(tls sensor-2) -i sensor-2 -q 1 -t factory/sensor-2/t -m x; then
    fail "the revoked device could connect again"
  fi
}

kill -TERM "$broker"
for ((i = 0; i < 600; ++i)); do kill -0 "$broker" 2>/dev/null || break; sleep 0.1; done
kill -0 "$broker" 2>/dev/null && fail "mosquitto did not stop within 60 s of SIGTERM"
wait "$broker" || true

# Valgrind reports are blocks separated by an empty "==PID==" line; keep those that are an
# error or a definite leak and have a certacl frame (mosquitto_certacl.so or our sources).
reports() { sed -E 's/^==[0-9]+== ?//' "$1" | awk -v RS= '/certacl/ && /Invalid|uninitialised|Mismatched|definitely lost|overlap|Syscall param/'; }
ours=$(reports "$work/valgrind.log")
summary=$(grep -E 'ERROR SUMMARY|definitely lost' "$work/valgrind.log" || true)
echo "valgrind-broker: $(($(date +%s) - start)) s under valgrind; $summary" | tr -s ' \n' ' '
echo
if [[ -n $ours ]]; then
  echo "$ours" >&2
  fail "valgrind found errors in certacl code"
fi
echo "valgrind-broker: PASS (no error or definite leak in certacl frames)"
