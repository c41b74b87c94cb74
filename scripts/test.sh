#!/usr/bin/env bash
# Installs dependencies, builds everything with -Werror, and runs every test through ctest.
# Usage: scripts/test.sh            (CERTACL_BUILD_DIR overrides build/test)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -eq 0 ]]; then scripts/install-deps.sh; else sudo scripts/install-deps.sh; fi

build_dir=${CERTACL_BUILD_DIR:-build/test}
cmake -S . -B "$build_dir" -DCERTACL_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
ctest --test-dir "$build_dir" --output-on-failure --timeout 300 -j"$(nproc)"
