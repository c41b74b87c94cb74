#!/usr/bin/env bash
# CI stage "package" (issue 12): builds the Debian packages from this working tree, checks
# them with lintian, installs them with dpkg -i, runs Debian's stock mosquitto with the stock
# /etc/mosquitto/mosquitto.conf plus the certacl drop-in (as user mosquitto, on a free
# loopback port), enrolls devices by CSR, connects them over mTLS with mosquitto_pub/_sub,
# then purges both packages and checks that nothing of certacl remains.
# Also checks that `cmake --install` works after building only the plugin and certacl-ca.
# Needs root and changes the machine (users, /etc, /var): for disposable CI machines only.
# CERTACL_PACKAGE_KEEP=1 keeps the work directory (debs, logs) for inspection;
# CERTACL_PACKAGE_DEBS=DIR skips both builds and tests the .deb/.changes files in DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
source_dir=$PWD
started=$(date +%s)
step() { echo "== package: $* ($(($(date +%s) - started)) s)"; }
fail() { echo "package: FAIL: $*" >&2; exit 1; }
source scripts/lib/free-port.sh

[[ $(id -u) -eq 0 ]] || fail "must run as root (dpkg -i, users, /etc)"
for tool in dpkg-buildpackage dh lintian help2man mosquitto mosquitto_pub systemd-analyze; do
  command -v "$tool" >/dev/null || fail "$tool missing (scripts/install-deps.sh installs it)"
done
if dpkg-query -W -f='${Status}' certacl 2>/dev/null | grep -q installed; then
  fail "certacl is already installed on this machine; refusing to purge someone else's copy"
fi

work=$(mktemp -d /tmp/certacl-package.XXXXXX)
chmod 0755 "$work"
broker_pid=
est_pid=
cleanup() {
  if [[ -n $est_pid ]] && kill -0 "$est_pid" 2>/dev/null; then
    kill "$est_pid" 2>/dev/null || true
    wait "$est_pid" 2>/dev/null || true
  fi
  if [[ -n $broker_pid ]] && kill -0 "$broker_pid" 2>/dev/null; then
    kill "$broker_pid" 2>/dev/null || true
    wait "$broker_pid" 2>/dev/null || true
  fi
  rm -f /etc/mosquitto/conf.d/certacl.conf
  if dpkg-query -W -f='${Status}' certacl 2>/dev/null | grep -q installed; then
    dpkg --purge mosquitto-certacl certacl >/dev/null 2>&1 || true
  fi
  [[ ${CERTACL_PACKAGE_KEEP:-0} == 1 ]] || rm -rf "$work"
}
trap cleanup EXIT

export CCACHE_DIR=${CCACHE_DIR:-}
if command -v ccache >/dev/null && [[ -f /work/ccache-env.sh ]]; then
  # shellcheck source=/dev/null
  source /work/ccache-env.sh
fi
launcher=()
[[ -n ${CCACHE_DIR:-} ]] && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

if [[ -n ${CERTACL_PACKAGE_DEBS:-} ]]; then
  cp "$CERTACL_PACKAGE_DEBS"/*.deb "$CERTACL_PACKAGE_DEBS"/*.changes "$CERTACL_PACKAGE_DEBS"/*.buildinfo "$work"/
else
step "cmake --install after building only mosquitto_certacl and certacl-ca"
cmake -S . -B "$work/partial" -DCERTACL_BUILD_TESTS=OFF -DCERTACL_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build "$work/partial" -j"$(nproc)" --target mosquitto_certacl certacl-ca >/dev/null
cmake --install "$work/partial" --prefix "$work/partial-root" >/dev/null
[[ -x $work/partial-root/bin/certacl-ca ]] || fail "partial install lacks certacl-ca"
[[ -f $work/partial-root/lib/mosquitto/mosquitto_certacl.so ]] || fail "partial install lacks the plugin"
[[ -f $work/partial-root/lib/mosquitto/certacl_registry_postgres.so ]] ||
  fail "partial install lacks the PostgreSQL module the plugin loads for plugin_opt_db_url"
[[ ! -e $work/partial-root/bin/certacl-sim ]] || fail "partial install has a certacl-sim it did not build"
grep -qx "plugin $work/partial-root/lib/mosquitto/mosquitto_certacl.so" \
  "$work/partial-root/share/certacl/mosquitto.d/certacl.conf" || fail "drop-in names the wrong plugin path"
rm -rf "$work/partial"

step "dpkg-buildpackage"
mkdir "$work/src"
tar --exclude=./build --exclude=./.git --exclude='./obj-*' -cf - . | tar -C "$work/src" -xf -
(cd "$work/src" && DEB_BUILD_OPTIONS="parallel=$(nproc) nocheck" \
  dpkg-buildpackage -b -uc -us >"$work/build.log" 2>&1) || { tail -40 "$work/build.log"; fail "package build"; }
fi
debs=("$work"/certacl_*.deb "$work"/mosquitto-certacl_*.deb)
[[ -f ${debs[0]} && -f ${debs[1]} ]] || fail "expected two .deb files in $work"

step "lintian"
# lintian warns that it runs as root; this stage needs root for dpkg -i anyway.
lintian --fail-on error,warning "$work"/*.changes || fail "lintian (overrides: debian/*.lintian-overrides)"

step "dpkg -i"
dpkg -i "${debs[@]}" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dpkg -i"; }
compgen -G "/usr/lib/*/mosquitto/certacl_registry_postgres.so" >/dev/null ||
  fail "the PostgreSQL module is not installed next to the plugin"
getent passwd certacl >/dev/null || fail "no certacl user"
[[ $(getent passwd certacl | cut -d: -f7) == */nologin || $(getent passwd certacl | cut -d: -f7) == /bin/false ]] ||
  fail "certacl user has a login shell"
id -nG mosquitto | tr ' ' '\n' | grep -qx certacl || fail "mosquitto is not in the certacl readers group"
expect_mode() { # path owner:group mode
  local actual
  actual=$(stat -c '%U:%G %a' "$1")
  [[ $actual == "$2 $3" ]] || fail "$1 is $actual, expected $2 $3 (docs/DEPLOYMENT.md)"
}
expect_mode /var/lib/certacl certacl:certacl 750
expect_mode /etc/certacl certacl:certacl 700
expect_mode /etc/mosquitto/certacl certacl:mosquitto 750
[[ ! -e /etc/mosquitto/conf.d/certacl.conf ]] || fail "the drop-in must not be enabled at install"
diagnostics=$(systemd-analyze verify /lib/systemd/system/certacl-*.service /lib/systemd/system/certacl-*.timer 2>&1) ||
  fail "systemd-analyze verify: $diagnostics"
[[ -z $diagnostics ]] || fail "systemd-analyze verify: $diagnostics"
man -w certacl-ca >/dev/null || fail "no man page for certacl-ca"

step "CA, broker certificates and devices (as user certacl)"
as_certacl() { runuser -u certacl -- "$@"; }
export CERTACL_DB=/var/lib/certacl/certacl.db
export_dir=/etc/mosquitto/certacl
as_certacl certacl-ca init --name "certacl package test CA" --key-file /etc/certacl/ca-key.pem >/dev/null
as_certacl certacl-ca ca-cert --out $export_dir/ca.pem
as_certacl certacl-ca server-cert --cn localhost --san DNS:localhost,IP:127.0.0.1 \
  --cert-out $export_dir/server.pem --key-out $export_dir/server-key.pem >/dev/null
chmod 0640 $export_dir/server-key.pem
chgrp mosquitto $export_dir/server-key.pem
as_certacl certacl-ca crl --out $export_dir/crl.pem
as_certacl certacl-ca role add sensor >/dev/null
as_certacl certacl-ca role allow sensor publish 'factory/%u/#' >/dev/null
as_certacl certacl-ca role add dashboard >/dev/null
as_certacl certacl-ca role allow dashboard subscribe 'factory/#' >/dev/null
devices=$work/devices
install -d -o certacl -m 0755 "$devices"
for device in sensor-1 dashboard-1 sensor-2; do
  as_certacl certacl-ca device add "$device" --role "${device%-*}" >/dev/null
  # The device makes its own key; only the CSR travels.
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$device" \
    -keyout "$devices/$device.key" -out "$devices/$device.csr" 2>/dev/null
  chmod 0644 "$devices/$device.csr"
  as_certacl certacl-ca sign --csr "$devices/$device.csr" --out "$devices/$device.pem" >/dev/null
done
as_certacl certacl-ca revoke --device sensor-2 --reason keyCompromise >/dev/null
as_certacl certacl-ca crl --out $export_dir/crl.pem

# The broker (user mosquitto, in group certacl) only reads /var/lib/certacl (0750): that
# needs the rollback-journal registry of docs/DEPLOYMENT.md; a WAL registry would need the
# broker to write -shm, and the plugin then stops with "attempt to write a readonly database".
step "stock mosquitto with the drop-in"
port=$(free_loopback_port)
# The shipped drop-in listens on 8883 on every address; CI must not take a shared port.
sed "s/^listener 8883\$/listener $port 127.0.0.1/" /usr/share/certacl/mosquitto.d/certacl.conf \
  >/etc/mosquitto/conf.d/certacl.conf
grep -q "^listener $port 127.0.0.1\$" /etc/mosquitto/conf.d/certacl.conf || fail "port override did not apply"
# What Debian's mosquitto.service does before starting the broker.
install -d -m 0740 -o mosquitto /var/log/mosquitto /run/mosquitto
log=/var/log/mosquitto/mosquitto.log
log_offset=$(stat -c %s "$log" 2>/dev/null || echo 0)
mosquitto -c /etc/mosquitto/mosquitto.conf &
broker_pid=$!
for _ in $(seq 100); do
  (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
  kill -0 "$broker_pid" 2>/dev/null || break
  sleep 0.1
done
broker_log() { tail -c +"$((log_offset + 1))" "$log" 2>/dev/null; }
kill -0 "$broker_pid" 2>/dev/null || { broker_log; fail "mosquitto did not start"; }
[[ $(ps -o user= -p "$broker_pid") == mosquitto ]] || fail "mosquitto runs as $(ps -o user= -p "$broker_pid"), not mosquitto"

step "mTLS clients"
tls=(-h 127.0.0.1 -p "$port" --cafile $export_dir/ca.pem)
mosquitto_sub "${tls[@]}" --cert "$devices/dashboard-1.pem" --key "$devices/dashboard-1.key" \
  -i dashboard-1 -t 'factory/#' -C 1 -W 15 >"$work/received" &
subscriber=$!
sleep 1
mosquitto_pub "${tls[@]}" --cert "$devices/sensor-1.pem" --key "$devices/sensor-1.key" \
  -i sensor-1 -q 1 -t factory/sensor-1/temperature -m 21.5 || { broker_log; fail "sensor-1 could not publish"; }
wait "$subscriber" || { broker_log; fail "dashboard-1 received nothing"; }
[[ $(cat "$work/received") == 21.5 ]] || fail "dashboard-1 received '$(cat "$work/received")'"
if mosquitto_pub "${tls[@]}" -i intruder -q 1 -t factory/x -m 1 2>/dev/null; then
  fail "a client without a certificate was accepted"
fi
if mosquitto_pub "${tls[@]}" --cert "$devices/sensor-2.pem" --key "$devices/sensor-2.key" \
  -i sensor-2 -q 1 -t factory/sensor-2/t -m 1 2>/dev/null; then
  fail "a revoked device was accepted"
fi
broker_log | grep -q certacl || { broker_log; fail "no certacl line in $log"; }

step "EST enrollment through the installed certacl-ca serve (execs certacl-ca-est)"
[[ -x /usr/bin/certacl-ca-est ]] || fail "certacl-ca-est is not installed (certacl-ca serve execs it)"
est_port=$(free_loopback_port)
as_certacl certacl-ca device add sensor-3 --role sensor >/dev/null
token=$(as_certacl certacl-ca device token sensor-3 --ttl 1h | sed -n 's/^token=//p')
[[ -n $token ]] || fail "certacl-ca device token printed no token"
runuser -u certacl -- certacl-ca serve --listen 127.0.0.1 --port "$est_port" \
  --cert $export_dir/server.pem --key $export_dir/server-key.pem 2>"$work/est.log" &
est_pid=$!
for _ in $(seq 100); do
  (exec 3<>/dev/tcp/127.0.0.1/"$est_port") 2>/dev/null && break
  kill -0 "$est_pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$est_pid" 2>/dev/null || { cat "$work/est.log"; fail "certacl-ca serve did not start"; }
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=sensor-3 \
  -keyout "$devices/sensor-3.key" -outform DER 2>/dev/null | base64 >"$devices/sensor-3.csr.b64"
curl -sS --fail-with-body --cacert $export_dir/ca.pem --user "sensor-3:$token" \
  --data-binary @"$devices/sensor-3.csr.b64" -H 'Content-Type: application/pkcs10' \
  "https://localhost:$est_port/.well-known/est/simpleenroll" |
  base64 -d | openssl pkcs7 -inform DER -print_certs >"$devices/sensor-3.pem" ||
  { cat "$work/est.log"; fail "EST simpleenroll with a one-time token"; }
mosquitto_pub "${tls[@]}" --cert "$devices/sensor-3.pem" --key "$devices/sensor-3.key" \
  -i sensor-3 -q 1 -t factory/sensor-3/t -m 1 || { broker_log; fail "the EST-enrolled sensor-3 was refused"; }
kill "$est_pid"
wait "$est_pid" || true
est_pid=
kill "$broker_pid"
wait "$broker_pid" || true
broker_pid=

step "purge"
# Enabled the way docs/PLUGIN.md says (a link), so postrm's removal of the link is checked.
ln -sf /usr/share/certacl/mosquitto.d/certacl.conf /etc/mosquitto/conf.d/certacl.conf
dpkg --purge mosquitto-certacl certacl >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "dpkg --purge"; }
! getent passwd certacl >/dev/null || fail "user certacl remains"
! getent group certacl >/dev/null || fail "group certacl remains"
left=$(find /etc /usr /var /lib /run -xdev \( -name '*certacl*' -o -lname '*certacl*' \) 2>/dev/null |
  grep -v -e '^/var/lib/dpkg/info/' -e '^/var/cache/man/' || true)  # man-db's own page cache
[[ -z $left ]] || fail "left behind after purge: $left"
! dpkg -l | grep -q certacl || fail "dpkg still lists certacl"

step "passed in $(($(date +%s) - started)) s"
