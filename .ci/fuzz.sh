#!/usr/bin/env bash
# Runs every cargo-fuzz target briefly over its checked-in seed corpus
# (fuzz/seeds/TARGET) plus whatever it discovers in a scratch directory.
# libFuzzer exits non-zero on a crash or a failed assertion. The stable
# toolchain has no sanitizers, hence --sanitizer none (coverage still guides).
#
# The fuzzer's output goes to a log file and its exit status is checked on
# its own: a build failure, a crash or a failed assertion fails this step.
# (Before #13.23 the status went through `grep ... || true`, which reset
# PIPESTATUS, so a target that no longer compiled still "passed".)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-20}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --version 0.13.2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^crm-connector-mock')
[ -n "$targets" ] || { echo "fuzz: no targets found in fuzz/Cargo.toml"; exit 1; }
for target in $targets; do
  mkdir -p "$scratch/$target"
  echo "fuzz: $target for ${seconds}s"
  log="$scratch/$target.log"
  status=0
  cargo fuzz run --sanitizer none "$target" "$scratch/$target" "fuzz/seeds/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1 || status=$?
  # The progress lines are noise; the summary, and any failure in full.
  grep -E '^(Done|stat::number_of_executed_units|==|INFO: Seed)|panicked|ERROR' "$log" || true
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $target failed (exit $status); its last output:"
    tail -n 60 "$log"
    exit 1
  fi
done
echo "fuzz: all targets clean"
