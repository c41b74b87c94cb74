#!/usr/bin/env bash
# The bash completion (packaging/completion/certacl) offers what the programs' --help lists,
# including commands added later, at every depth. Usage: completion_test.sh SOURCE_DIR BIN_DIR
set -euo pipefail
source_dir=$1 bin_dir=$2
export PATH=$bin_dir:$PATH
# shellcheck source=/dev/null
source "$source_dir/packaging/completion/certacl"
failures=0
expect() {
  local want=$1
  shift
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _certacl || true
  if [[ " ${COMPREPLY[*]} " != *" $want "* ]]; then
    echo "completing '$*': expected '$want', got '${COMPREPLY[*]}'"
    failures=$((failures + 1))
  fi
}
expect device certacl-ca dev
expect remove certacl-ca device re
expect set-role certacl-ca device se
expect remove certacl-ca role rule ""
expect --within certacl-ca cert expiring --w
expect --force certacl-ca restore --f
expect migrate certacl-ca mi
expect --version certacl-ca --ver
expect --i-know-this-is-production certacl-sim scenario --i-
expect keygen certacl-device key
# Nothing offered that does not exist.
COMP_WORDS=(certacl-ca device zzz)
COMP_CWORD=2
_certacl || true
[[ ${#COMPREPLY[@]} -eq 0 ]] || { echo "offered '${COMPREPLY[*]}' for zzz"; failures=$((failures + 1)); }
exit $((failures > 0))
