#!/usr/bin/env bash
# Runs every cargo-fuzz target briefly over its checked-in seed corpus
# (fuzz/seeds/TARGET) plus whatever it discovers in a scratch directory.
# libFuzzer exits non-zero on a crash or a failed assertion. The stable
# toolchain has no sanitizers, hence --sanitizer none (coverage still guides).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-20}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --version 0.13.2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in trigger query language loader; do
  mkdir -p "$scratch/$target"
  echo "fuzz: $target for ${seconds}s"
  cargo fuzz run --sanitizer none "$target" "$scratch/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 2>&1 | grep -E '^(Done|stat::number_of_executed_units|==|INFO: Seed)|panicked|ERROR' || true
  # grep hides the progress lines; the fuzzer's own exit status decides.
  test "${PIPESTATUS[0]}" -eq 0
done
echo "fuzz: all targets clean"
