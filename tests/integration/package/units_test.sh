#!/usr/bin/env bash
# systemd-analyze verify on certacl's units (packaging/systemd), with ExecStart pointed at the
# built certacl-ca. Any diagnostic (unknown key, bad section, missing binary) fails the test,
# since verify only warns about unknown keys. Also checks the CRL timer refreshes long before
# the CRL's nextUpdate. Usage: units_test.sh SOURCE_DIR CERTACL_CA_BINARY
set -euo pipefail
source_dir=$1 ca_binary=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
units=()
for unit in "$source_dir"/packaging/systemd/*.service "$source_dir"/packaging/systemd/*.timer; do
  sed "s|/usr/bin/certacl-ca|$ca_binary|g" "$unit" >"$work/$(basename "$unit")"
  units+=("$work/$(basename "$unit")")
done
[[ -f $work/certacl-crl.service && -f $work/certacl-crl.timer ]] || { echo "CRL units missing"; exit 1; }
diagnostics=$(systemd-analyze verify --man=no "${units[@]}" 2>&1) || { echo "$diagnostics"; exit 1; }
if [[ -n $diagnostics ]]; then echo "systemd-analyze verify complained:"; echo "$diagnostics"; exit 1; fi

# The timer's period must be far below the CRL lifetime the service asks for.
period=$(sed -n 's/^OnUnitActiveSec=\([0-9]*\)d$/\1/p' "$work/certacl-crl.timer")
crl_days=$(sed -n 's/^Environment=CERTACL_CRL_DAYS=\([0-9]*\)$/\1/p' "$work/certacl-crl.service")
[[ -n $period && -n $crl_days ]] || { echo "cannot read timer period or CRL days"; exit 1; }
if ((period * 7 > crl_days)); then
  echo "CRL refreshed every ${period}d but valid only ${crl_days}d: too little margin"
  exit 1
fi
echo "units verified; CRL refreshed every ${period}d, valid ${crl_days}d"
