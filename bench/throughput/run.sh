#!/usr/bin/env bash
# Throughput side by side: the broker's CPU per delivered message and per connect, for the
# SAME mTLS listener and the SAME load generator under three configurations:
#   a  certacl      the plugin (per-role rules, %u/%c)
#   b  acl_file     use_identity_as_username true + acl_file with the equivalent pattern lines
#   c  no ACL       use_identity_as_username true, nothing else
#   d  no ACL again a second broker configured exactly as c, for delivery trials only: d/c
#                   shows how far two identical configurations drift apart on this machine
# Fan-out 1 -> 50 subscribers, so every delivery is one READ check. The three brokers run
# side by side and the trials are interleaved, the order rotating each round (a,b,c, b,c,a,
# c,a,b, ...), so background load on a shared machine hits all three alike and no
# configuration always runs first; ratios a/b and a/c are taken within each round and
# printed as min / median / max. Broker CPU comes from /proc/PID/task/*/schedstat (every
# thread, ns) around the measured phase only; /proc/PID/stat utime+stime is printed beside.
#
# Usage: bench/throughput/run.sh            (about 2½ minutes on 2 cores, after the first build)
#   CERTACL_BUILD_DIR       build directory (default build/bench; configured and built here)
#   CERTACL_BENCH_DIR       scratch directory, wiped at the start (default bench-throughput-run)
#   CERTACL_BENCH_ROUNDS    interleaved rounds (default 9)
#   CERTACL_BENCH_MESSAGES  messages per delivery trial (default 3000 -> 150,000 deliveries)
#   CERTACL_BENCH_CONNECTS  connects per connect trial (default 200, 10 under way at once)
# Loopback only; stops every process it started. NOT a CI test: it prints figures.
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=${CERTACL_BENCH_ROUNDS:-9}
messages=${CERTACL_BENCH_MESSAGES:-3000}
connects=${CERTACL_BENCH_CONNECTS:-200}
subscribers=50

build_dir=${CERTACL_BUILD_DIR:-build/bench}
if [[ ! -f $build_dir/CMakeCache.txt ]]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCERTACL_BUILD_TESTS=OFF \
    "${launcher[@]}" >/dev/null
fi
cmake --build "$build_dir" --target certacl-ca mosquitto_certacl certacl_fanout_bench \
  -j"$(nproc)" >/dev/null
build_dir=$(cd "$build_dir" && pwd)
ca_bin="$build_dir/bin/certacl-ca"
generator="$build_dir/bin/certacl_fanout_bench"
plugin="$build_dir/lib/mosquitto_certacl.so"

run_dir=${CERTACL_BENCH_DIR:-bench-throughput-run}
rm -rf "$run_dir"
mkdir -p "$run_dir/certs"
run_dir=$(cd "$run_dir" && pwd)
db="$run_dir/ca.db"

declare -A broker_pid port
cleanup() {
  for config in "${!broker_pid[@]}"; do
    local pid=${broker_pid[$config]}
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== CA, role and $((subscribers + 1)) device certificates in $run_dir"
ca() { "$ca_bin" --db "$db" "$@" >/dev/null; }
ca init --name "certacl throughput bench CA"
ca ca-cert --out "$run_dir/ca.crt"
ca server-cert --cn localhost --san DNS:localhost,IP:127.0.0.1 \
  --cert-out "$run_dir/broker.crt" --key-out "$run_dir/broker.key"
# The same rules twice: as a certacl role and as mosquitto acl_file patterns.
ca role add bench
ca role deny bench subscribe 'bench/fanout/private/#'
ca role allow bench publish 'fleet/%u/#'
ca role allow bench publish 'bench/fanout/%u'
ca role allow bench subscribe 'cmd/%u/#'
ca role allow bench subscribe 'bench/fanout/#'
cat >"$run_dir/acl" <<'EOF'
pattern deny bench/fanout/private/#
pattern write fleet/%u/#
pattern write bench/fanout/%u
pattern read cmd/%u/#
pattern read bench/fanout/#
EOF
devices=(bench-pub)
for i in $(seq 0 $((subscribers - 1))); do devices+=("$(printf 'bench-sub-%02d' "$i")"); done
for device in "${devices[@]}"; do
  ca device add "$device" --role bench
  ca enroll "$device" --key-out "$run_dir/certs/$device.key" --cert-out "$run_dir/certs/$device.crt"
done

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
source scripts/lib/free-port.sh
free_port() { free_loopback_port || exit 1; }

# One listener, identical for the three; only the security lines differ.
start_broker() {
  local config=$1
  port[$config]=$(free_port)
  local conf="$run_dir/$config.conf"
  {
    echo "per_listener_settings false"
    echo "allow_anonymous false"
    echo "persistence false"
    echo "max_connections -1"
    [[ $(id -u) -eq 0 ]] && echo "user root"
    echo "log_dest file $run_dir/$config.log"
    for type in error warning notice information; do echo "log_type $type"; done
    case $config in
      a) echo "plugin $plugin"; echo "plugin_opt_db_path $db"; echo "plugin_opt_stats_interval 0" ;;
      b) echo "acl_file $run_dir/acl" ;;
      c | d) ;;
    esac
    echo "listener ${port[$config]} 127.0.0.1"
    echo "cafile $run_dir/ca.crt"
    echo "certfile $run_dir/broker.crt"
    echo "keyfile $run_dir/broker.key"
    echo "require_certificate true"
    echo "tls_version tlsv1.2"
    [[ $config == a ]] && echo "use_identity_as_username false" || echo "use_identity_as_username true"
  } >"$conf"
  mosquitto -c "$conf" >"$run_dir/$config.stdout" 2>&1 &
  broker_pid[$config]=$!
  for _ in $(seq 100); do
    port_in_use "${port[$config]}" && return
    kill -0 "${broker_pid[$config]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "throughput: broker $config did not start:" >&2
  cat "$run_dir/$config.stdout" "$run_dir/$config.log" >&2 2>/dev/null || true
  exit 1
}

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
for config in a b c d; do start_broker "$config"; done
declare -A names=([a]=certacl [b]=acl_file [c]="no ACL" [d]="no ACL'")
echo "== brokers: a=certacl :${port[a]}  b=acl_file :${port[b]}  c=no-ACL :${port[c]}  d=no-ACL (control) :${port[d]}"

generate() {
  local config=$1 mode=$2
  shift 2
  "$generator" "$mode" --port "${port[$config]}" --cafile "$run_dir/ca.crt" \
    --cert-dir "$run_dir/certs" --broker-pid "${broker_pid[$config]}" \
    --subscribers "$subscribers" "$@"
}
field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

results="$run_dir/results.txt"
: >"$results"
echo "== $rounds interleaved rounds: deliver ($messages msg x $subscribers subscribers) and connect ($connects)"
orders=("a b c d" "b c d a" "c d a b" "d a b c")
for round in $(seq 1 "$rounds"); do
  order=${orders[$(((round - 1) % 4))]}
  for config in $order; do
    line=$(generate "$config" deliver --messages "$messages")
    echo "deliver $round $config $line" >>"$results"
    awk -v r="$round" -v name="${names[$config]}" -v cpu="$(field broker_cpu_ns "$line")" \
      -v n="$(field deliveries "$line")" -v s="$(field seconds "$line")" 'BEGIN {
        printf "  round %d %-8s %7.0f ns broker CPU/delivery %9.0f deliveries/s\n", r, name, cpu / n, n / s }'
  done
  for config in ${order//d/}; do
    line=$(generate "$config" connect --connects "$connects")
    echo "connect $round $config $line" >>"$results"
    awk -v r="$round" -v name="${names[$config]}" -v cpu="$(field broker_cpu_ns "$line")" \
      -v n="$(field connects "$line")" 'BEGIN {
        printf "  round %d %-8s %7.1f us broker CPU/connect\n", r, name, cpu / n / 1000 }'
  done
done
for config in a b c; do
  line=$("$generator" idle --broker-pid "${broker_pid[$config]}" --seconds 2)
  echo "idle 0 $config $line" >>"$results"
done

# Per-round ratios, then min / median / max over the rounds.
summary() {
  awk -v kind="$1" -v unit_field="$2" '
    $1 == kind {
      for (i = 4; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
      per[$2, $3] = v["broker_cpu_ns"] / v[unit_field]
      rate[$2, $3] = v[unit_field] / v["seconds"]
      ticks[$3] += v["broker_ticks"]; units[$3] += v[unit_field]; hz = v["ticks_per_second"]
      rounds[$2] = 1
    }
    function stats(values, n, format,   i, j, t, mid) {
      for (i = 1; i <= n; ++i) for (j = i + 1; j <= n; ++j)
        if (values[j] < values[i]) { t = values[i]; values[i] = values[j]; values[j] = t }
      mid = (n % 2) ? values[(n + 1) / 2] : (values[n / 2] + values[n / 2 + 1]) / 2
      return sprintf("median " format " (min " format ", max " format ")", mid, values[1], values[n])
    }
    END {
      n = 0
      for (r in rounds) { ++n; ab[n] = per[r, "a"] / per[r, "b"]; ac[n] = per[r, "a"] / per[r, "c"]
        if ((r, "d") in per) { ++nd; dc[nd] = per[r, "d"] / per[r, "c"] } }
      split("a b c", configs, " ")
      for (k = 1; k <= 3; ++k) {
        c = configs[k]; m = 0
        for (r in rounds) { ++m; x[m] = per[r, c]; y[m] = rate[r, c] }
        printf "  %s  broker CPU per %s: %s ns   %s/s: %s   (from stat ticks: %.0f ns)\n", c,
          kind, stats(x, m, "%.0f"), unit_field, stats(y, m, "%.0f"), ticks[c] / hz * 1e9 / units[c]
      }
      printf "  a/b (certacl / acl_file): %s\n", stats(ab, n, "%.3f")
      printf "  a/c (certacl / no ACL):   %s\n", stats(ac, n, "%.3f")
      if (nd > 0) printf "  d/c (control: no ACL twice, the noise): %s\n", stats(dc, nd, "%.3f")
    }' "$results"
}
echo
echo "== per delivered message ($rounds rounds; a=certacl b=acl_file c=no ACL)"
summary deliver deliveries
echo "== per connect (mTLS handshake + CONNECT + DISCONNECT)"
summary connect connects
echo "== idle broker CPU (registry polling, timers)"
awk '$1 == "idle" { for (i = 4; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
  printf "  %s  %.2f ms CPU per second\n", $3, v["broker_cpu_ns"] / v["seconds"] / 1e6 }' "$results"

# Noise-free complement: the share of the certacl broker's own CPU samples that fall in the
# plugin (and in SQLite, which only its registry watcher uses), during one more trial.
if [[ ${CERTACL_BENCH_PERF:-1} == 1 ]] && command -v perf >/dev/null &&
  perf record -o /dev/null -- true >/dev/null 2>&1; then
  echo "== perf samples of the certacl broker in its plugin code, self time (its calls into OpenSSL and libc count there), one more trial each"
  for mode in deliver connect; do
    args=(--messages $((messages * 3)))
    [[ $mode == connect ]] && args=(--connects $((connects * 3)))
    generate a "$mode" "${args[@]}" >/dev/null &
    generator_pid=$!
    sleep 1
    perf record -F 1999 -p "${broker_pid[a]}" -o "$run_dir/perf-$mode.data" -- sleep 2 >/dev/null 2>&1 || true
    wait "$generator_pid"
    perf report -i "$run_dir/perf-$mode.data" --no-children --sort dso --stdio 2>/dev/null |
      awk -v mode="$mode" '/mosquitto_certacl|libsqlite3|libspdlog|libfmt|libstdc/ { share[$2] = $1 }
        END { printf "  %-8s", mode; for (d in share) printf "  %s %s", d, share[d]; print "" }'
  done
fi
echo "   load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) (2 shared cores: read ratios, not absolutes)"
echo "   raw lines: $results"
