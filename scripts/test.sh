#!/usr/bin/env bash
# The whole test suite, as CI runs it (`make test`). Budget: well under 40 minutes on 2 cores.
#   1. release build, -Werror: every test (unit, differential >= 1M commands, journal, crash harness, bench smoke);
#      right after it, the style gates: clang-format on every tracked C++ file, clang-tidy over src/ (scripts/lint.sh)
#   2. ASan+UBSan build: every test but the benchmark smoke runs, differential and crash rounds scaled down
#   3. TSan build: the multi-threaded parts (sequencer ring, snapshot writer, pipeline, recovery's two threads,
#      the hand-over of messages to the I/O threads, the per-address connection count, the catalog and key tables
#      the publisher hands to the I/O threads)
#   4. clang libFuzzer build: the command fuzzer (the engine) and the request fuzzer (the API's parsing and
#      replies), a minute each
#   5. the API suite (tests/api): sequexd driven through CCXT and raw HTTP/WebSocket, with node's test runner;
#      the robustness and error files again against the ASan+UBSan sequexd (hostile input must never crash it)
set -euo pipefail
cd "$(dirname "$0")/.."
export SEQUEX_WERROR=ON
jobs=$(nproc)

# Each stage's heading says how long the run has taken so far, so a slow CI run shows which stage grew.
started=$SECONDS
stage() { printf '\n==== %s (at %d s) ====\n' "$*" $((SECONDS - started)); }

stage "release build"
cmake --preset release >/dev/null
cmake --build build/release -j"$jobs"

stage "style (clang-format, clang-tidy over src/)"
bash scripts/lint.sh

stage "ASan+UBSan build"
cmake --preset asan >/dev/null
cmake --build build/asan -j"$jobs"

stage "TSan build (threaded components)"
cmake --preset tsan >/dev/null
cmake --build build/tsan -j"$jobs" --target sequencer_test snapshot_test journal_test delivery_test \
  connection_slots_test directory_test

stage "fuzz build (clang, libFuzzer)"
cmake --preset fuzz >/dev/null
cmake --build build/fuzz -j"$jobs" --target command_fuzzer request_fuzzer

stage "ASan+UBSan tests"
SEQUEX_DIFF_COMMANDS=${SEQUEX_ASAN_DIFF_COMMANDS:-100000} SEQUEX_CRASH_ROUNDS=${SEQUEX_ASAN_CRASH_ROUNDS:-8} \
  ctest --test-dir build/asan --output-on-failure -j"$jobs" -LE 'bench-smoke|fuzz'

stage "TSan tests"
TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build/tsan --output-on-failure -R 'sequencer_test|snapshot_test|delivery_test|connection_slots_test|directory_test'
# Recovery's reader and applier threads, stopped from either side (the rest of journal_test is single-threaded
# and slow under TSan).
TSAN_OPTIONS=halt_on_error=1 build/tsan/bin/journal_test --gtest_filter='*CheckpointMismatch*:*ContinueAnExisting*'

stage "bounded fuzzing"
ctest --test-dir build/fuzz --output-on-failure -L fuzz

stage "release tests"
ctest --test-dir build/release --output-on-failure -j"$jobs"

stage "API tests (sequexd through CCXT)"
(cd tests/api && npm ci --no-audit --no-fund --loglevel=error)
SEQUEXD="$PWD/build/release/bin/sequexd" SEQUEX_CLI="$PWD/build/release/bin/sequex" \
  node --test --test-concurrency=1 tests/api/

stage "API robustness against the ASan+UBSan server"
ASAN_OPTIONS=abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  SEQUEXD="$PWD/build/asan/bin/sequexd" SEQUEX_CLI="$PWD/build/asan/bin/sequex" \
  node --test --test-concurrency=1 tests/api/robustness.test.mjs tests/api/ccxt_errors.test.mjs

stage "done"
