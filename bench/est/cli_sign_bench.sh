#!/usr/bin/env bash
# `certacl-ca sign` (one process per certificate: one durable commit, the certificate file
# written and synced once) next to an `openssl ca` loop doing the same job with its own
# text database (index.txt, serial file; openssl syncs nothing). Same CA key, same CSR.
# Prints certificates/s for both, the ratio, and fsync/fdatasync calls per certificate
# (counted with strace when it is installed).
# Usage: bench/est/cli_sign_bench.sh [count] [certacl-ca binary]
set -euo pipefail
count=${1:-100}
ca_bin=${2:-build/test/bin/certacl-ca}
ca_bin=$(realpath "$ca_bin")
work=$(mktemp -d "${TMPDIR:-/tmp}/certacl-cli-bench-XXXXXX")  # TMPDIR=/dev/shm: no sync cost
trap 'rm -rf "$work"' EXIT
cd "$work"
export CERTACL_DB=$work/bench.db
"$ca_bin" init --name "bench CA" >/dev/null
"$ca_bin" ca-cert --out ca.pem >/dev/null
"$ca_bin" role add sensor >/dev/null
"$ca_bin" device add dev1 --role sensor >/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout dev1.key \
  -subj /CN=dev1 -out dev1.csr 2>/dev/null

mkdir -p openssl-ca/new
touch openssl-ca/index.txt
echo 1000 > openssl-ca/serial
cat > openssl-ca.cnf <<CNF
[ca]
default_ca = bench
[bench]
dir = $work/openssl-ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
certificate = $work/ca.pem
private_key = $work/bench.db-ca-key.pem
default_md = sha256
default_days = 365
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
CNF

now() { date +%s.%N; }
rate() { echo "$1 / ($3 - $2)" | bc -l; }

"$ca_bin" sign --csr dev1.csr --out warm.pem >/dev/null  # page cache warm
start=$(now)
for ((i = 0; i < count; i++)); do "$ca_bin" sign --csr dev1.csr --out "cli-$i.pem" >/dev/null; done
end=$(now)
cli=$(rate "$count" "$start" "$end")

start=$(now)
for ((i = 0; i < count; i++)); do
  openssl ca -batch -config openssl-ca.cnf -in dev1.csr -out "openssl-$i.pem" 2>/dev/null
done
end=$(now)
baseline=$(rate "$count" "$start" "$end")

syncs() {
  if ! command -v strace >/dev/null; then echo "n/a"; return; fi
  strace -f -c -e trace=fsync,fdatasync -o syncs.txt "$@" >/dev/null 2>&1
  awk '/fsync|fdatasync/ {n += $4} END {print n + 0}' syncs.txt
}
cli_syncs=$(syncs "$ca_bin" sign --csr dev1.csr --out sync.pem)
openssl_syncs=$(syncs openssl ca -batch -config openssl-ca.cnf -in dev1.csr -out sync-o.pem)

printf "EC P-256 certificates from one CSR, one process each, %d runs\n" "$count"
printf "%-46s %10s %8s %12s\n" method certs/s ratio "syncs/cert"
printf "%-46s %10.1f %7.2fx %12s\n" "openssl ca loop (index.txt, no sync)" "$baseline" 1 "$openssl_syncs"
printf "%-46s %10.1f %7.2fx %12s\n" "certacl-ca sign (SQLite EXTRA + synced file)" "$cli" \
  "$(echo "$cli / $baseline" | bc -l)" "$cli_syncs"
