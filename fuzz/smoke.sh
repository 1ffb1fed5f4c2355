#!/usr/bin/env bash
# Fuzz smoke test for CI: build every fuzz target (unoptimised, libFuzzer + coverage
# instrumentation, no sanitizer) and run each for a few seconds from its committed seeds.
# Exits non-zero when a target crashes, panics, times out or runs out of memory; the
# input that did it is left in fuzz/artifacts/<target>/.
#
# Needs only the stable toolchain, a C++ compiler (libfuzzer-sys builds libFuzzer) and
# crates.io. With cargo-fuzz installed it builds through `cargo fuzz build`; without,
# it passes cargo-fuzz's flags to cargo itself (installing cargo-fuzz takes ~2 minutes,
# more than the whole smoke run). FUZZ_SMOKE_INSTALL=1 installs cargo-fuzz instead.
#
# Env: FUZZ_SMOKE_SECONDS (default 5) per target; FUZZ_SMOKE_TARGETS to pick targets.
set -euo pipefail
cd "$(dirname "$0")"

SECONDS_PER_TARGET=${FUZZ_SMOKE_SECONDS:-5}
TARGETS=${FUZZ_SMOKE_TARGETS:-"identify_parse parse_with_hint verify_capped readers pipeline"}
TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
BIN_DIR="target/$TRIPLE/debug"
# No debuginfo: a third less build time on 2 cores; panics still name file and line.
export CARGO_PROFILE_DEV_DEBUG=${CARGO_PROFILE_DEV_DEBUG:-0}

if ! command -v cargo-fuzz >/dev/null 2>&1 && [ "${FUZZ_SMOKE_INSTALL:-0}" = 1 ]; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

start=$(date +%s)
if command -v cargo-fuzz >/dev/null 2>&1; then
  echo "== cargo fuzz build -s none --dev ($(cargo fuzz --version))"
  cargo fuzz build -s none --dev
else
  echo "== cargo build with cargo-fuzz's flags (cargo-fuzz not installed)"
  # The flags `cargo fuzz build -s none --dev` passes (cargo-fuzz 0.13, src/project.rs).
  RUSTFLAGS="-Cpasses=sancov-module \
    -Cllvm-args=-sanitizer-coverage-level=4 \
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
    -Cllvm-args=-sanitizer-coverage-pc-table \
    -Cllvm-args=-sanitizer-coverage-trace-compares \
    --cfg fuzzing \
    -Cllvm-args=-simplifycfg-branch-fold-threshold=0 \
    -Cllvm-args=-sanitizer-coverage-stack-depth \
    -Cdebug-assertions ${RUSTFLAGS:-}" \
    cargo build --manifest-path Cargo.toml --target "$TRIPLE" --bins
fi
echo "== built in $(($(date +%s) - start)) s"

passed=0
failed=0
failed_names=""
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in $TARGETS; do
  mkdir -p "$work/$t" "artifacts/$t"
  log="$work/$t.log"
  # First corpus dir receives new inputs (thrown away); the seeds are only read.
  if "$BIN_DIR/$t" "$work/$t" "corpus/$t" \
    -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=5 \
    -artifact_prefix="artifacts/$t/" >"$log" 2>&1; then
    runs=$(grep -a -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1)
    echo "ok    $t: ${runs:-done}s"
    passed=$((passed + 1))
  else
    echo "FAIL  $t (exit $?):"
    { grep -a -E 'panicked|ERROR|SUMMARY|Test unit written' -A3 "$log" || tail -5 "$log"; } |
      head -20 | sed 's/^/      /' || true
    failed=$((failed + 1))
    failed_names="$failed_names $t"
  fi
done
echo "== fuzz smoke finished in $(($(date +%s) - start)) s${failed_names:+; failed:$failed_names}"
echo "smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
