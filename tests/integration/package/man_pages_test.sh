#!/usr/bin/env bash
# The generated man pages hold every command the program's --help reaches (walked through
# "Subcommands:" lists), with its options. Usage: man_pages_test.sh SOURCE_DIR BIN_DIR
set -euo pipefail
source_dir=$1 bin_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
for program in certacl-ca certacl-sim certacl-device; do
  "$source_dir/packaging/man/generate-man-page.sh" "$bin_dir/$program" "$work/$program.1" "test"
  text=$(MANWIDTH=200 man -l "$work/$program.1" 2>"$work/warnings")
  if [[ -s $work/warnings ]]; then echo "$program.1: man warns:"; cat "$work/warnings"; failures=$((failures + 1)); fi
  grep -q -- "--version" <<<"$text" || { echo "$program.1 lacks --version"; failures=$((failures + 1)); }
  for command in $("$bin_dir/$program" --help | awk '/^Subcommands:/ {s = 1; next} s && /^  [a-z]/ {print $1}'); do
    grep -q "^   $program $command\$" <<<"$text" || { echo "$program.1 lacks '$command'"; failures=$((failures + 1)); }
  done
done
text=$(MANWIDTH=200 man -l "$work/certacl-ca.1")
for nested in "role rule remove" "device remove" "device set-role" "cert expiring" "ca set-key-path"; do
  grep -q "^   certacl-ca $nested\$" <<<"$text" || { echo "certacl-ca.1 lacks '$nested'"; failures=$((failures + 1)); }
done
grep -q -- "--i-know-this-is-production" "$work/certacl-sim.1" || { echo "certacl-sim.1 lacks the production flag"; failures=$((failures + 1)); }
exit $((failures > 0))
