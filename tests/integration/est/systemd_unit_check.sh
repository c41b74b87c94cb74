#!/usr/bin/env bash
# Checks packaging/systemd/certacl-ca-est.service: systemd itself accepts it (with the
# binary path pointed at the build), and the hardening docs/EST.md promises is present.
set -euo pipefail
unit=$1
binary=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|/usr/bin/certacl-ca|$binary|" "$unit" > "$work/certacl-ca-est.service"
if command -v systemd-analyze >/dev/null; then
  out=$(systemd-analyze verify "$work/certacl-ca-est.service" 2>&1 || true)
  # verify also complains about the absent 'certacl' user on a build host; anything else fails.
  if grep -v -e "User" -e "^$" <<<"$out" | grep -q .; then
    echo "systemd-analyze verify: $out" >&2
    exit 1
  fi
fi
for line in "User=certacl" "NoNewPrivileges=yes" "ProtectSystem=strict" \
  "ReadWritePaths=/var/lib/certacl" "ExecReload=/bin/kill -HUP \$MAINPID" "KillSignal=SIGTERM"; do
  grep -qxF "$line" "$unit" || { echo "missing: $line" >&2; exit 1; }
done
echo "unit ok"
