#!/usr/bin/env bash
# Installs every Debian package certacl needs to build, test, fuzz and benchmark.
# Idempotent: apt-get skips what is already installed. Must run as root.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: must run as root (apt-get installs system packages)" >&2
  exit 1
fi

packages=(
  # toolchain
  build-essential cmake pkg-config clang clang-format clang-tidy libclang-rt-14-dev
  # required runtime dependencies
  mosquitto mosquitto-dev libmosquitto-dev mosquitto-clients
  libssl-dev openssl libsqlite3-dev sqlite3 libspdlog-dev libfmt-dev
  # well-kept libraries instead of hand-written code
  libcli11-dev nlohmann-json3-dev libmbedtls-dev
  # the EST server's HTTP/TLS layer (certacl-ca serve), instead of a hand-written HTTP parser
  libcpp-httplib-dev
  # the shared PostgreSQL registry: libpq (the C client, non-blocking LISTEN/NOTIFY on the
  # broker's tick) and PostgreSQL 15 itself, which the postgres tests start in a temp dir
  libpq-dev postgresql
  # packaging (issue 12): man pages from --help, Debian packages, their lint, unit checks
  help2man debhelper lintian systemd
  # a real L4 load balancer (TCP mode, TLS passthrough) in front of two brokers, in the postgres tests
  haproxy
  # tests and benches
  libgtest-dev libgmock-dev googletest libbenchmark-dev valgrind procps
  # the EST tests and docs drive the server exactly as an admin would, with curl
  curl
  # bench/soak/soak.sh plots broker RSS and the plugin's counters over time (no X needed)
  gnuplot-nox
  # Unicode reference (tests only): the name rule's table of refused code points is checked against ICU
  libicu-dev
  # ownership tests run commands as the broker's user (setpriv)
  util-linux
)

export DEBIAN_FRONTEND=noninteractive
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

# The Debian mosquitto package enables and starts a system broker on port 1883;
# certacl's tests and demo start their own brokers, so leave the system one alone.
