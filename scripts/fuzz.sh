#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (+ASan/UBSan) and fuzzes each for a long time.
# Usage: scripts/fuzz.sh [seconds-per-target, default 600] [target ...]
# New crashes land in build/fuzz/<target>-artifacts/; minimise one and add it to
# tests/fuzz/corpus/<target>/ so the replay test keeps it fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true

build_dir=${CERTACL_FUZZ_BUILD_DIR:-build/fuzz}
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -DCERTACL_FUZZ=ON -DCERTACL_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(cd tests/fuzz/corpus && ls)
fi
cmake --build "$build_dir" -j"$(nproc)" --target "${targets[@]}"

for target in "${targets[@]}"; do
  work="$build_dir/$target-corpus"
  artifacts="$build_dir/$target-artifacts/"
  mkdir -p "$work" "$artifacts"
  echo "== $target: ${seconds}s"
  "$build_dir/bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts" -print_final_stats=1 "$work" "tests/fuzz/corpus/$target"
done
