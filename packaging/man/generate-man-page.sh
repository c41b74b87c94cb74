#!/usr/bin/env bash
# Writes the man page of one certacl program from the program itself: help2man turns its
# --help and --version into the page, and a COMMANDS section holds the --help of every
# subcommand, found by walking the "Subcommands:" lists. The manual and --help therefore come
# from the same CLI11 definitions and cannot drift apart.
# Usage: generate-man-page.sh PROGRAM OUTPUT.1 "one-line description"
set -euo pipefail
program=$1 output=$2 description=$3
name=$(basename "$program")
include=$(mktemp)
trap 'rm -f "$include"' EXIT

# Subcommand names listed in a CLI11 help text.
subcommands() {
  awk '/^Subcommands:/ {inside = 1; next} inside && /^  [a-z]/ {print $1} inside && /^$/ {inside = 0}'
}

# roff-safe: backslashes escaped, lines starting with . or ' protected.
roff_escape() {
  sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"
}

# Depth-bounded walk of the command tree (certacl's deepest command is 3 levels down).
walk() {
  local depth=$1
  shift
  local help
  help=$("$program" "$@" --help | sed "s|$program|$name|g")
  if [[ $# -gt 0 ]]; then
    printf '.SS "%s %s"\n.nf\n' "$name" "$*"
    printf '%s\n' "$help" | roff_escape
    printf '.fi\n'
  fi
  [[ $depth -ge 4 ]] && return 0
  local sub
  for sub in $(printf '%s\n' "$help" | subcommands); do
    walk $((depth + 1)) "$@" "$sub"
  done
}

{
  echo "[COMMANDS]"
  walk 0
  echo "[SEE ALSO]"
  echo "certacl-ca(1), certacl-sim(1), certacl-device(1), mosquitto.conf(5);"
  echo "/usr/share/doc/certacl/ (CA.md, PLUGIN.md, SCHEMA.md, SECURITY.md)."
} >"$include"

help2man --no-info --no-discard-stderr --name="$description" --version-string="$("$program" --version | awk '{print $2}')" \
  --include="$include" --output="$output" "$program"
