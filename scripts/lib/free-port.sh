# Sourced by the scripts that start a broker or a server on loopback.
# free_loopback_port: prints a TCP port of 127.0.0.1 that nothing listens on. Candidates lie
# below the kernel's ephemeral range (ip_local_port_range), so no outgoing connection (of a
# simulated fleet, say) holds them; bash's /dev/tcp connects only when something listens.
# Checked, not reserved: the caller binds it moments later.
free_loopback_port() {
  local ephemeral_low=32768 high candidate
  if [[ -r /proc/sys/net/ipv4/ip_local_port_range ]]; then
    read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range
  fi
  high=$((ephemeral_low > 12000 ? ephemeral_low : 32768))
  for _ in $(seq 100); do
    candidate=$((10000 + RANDOM % (high - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "no free loopback port below $high" >&2
  return 1
}
