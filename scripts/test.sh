#!/usr/bin/env bash
# test.sh — the one command that runs every test: installs what is missing, then
#   1. a normal build and the whole CTest suite (unit, golden, integration),
#   2. the same suite built with AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. each libFuzzer target for a short time on its seed corpus (YB_FUZZ_SECONDS, default 20).
# Ends with one line "N passed, N failed". Exit status is non-zero when anything failed.
# Long campaigns (hours of fuzzing, million-line benchmarks) are under fuzz/ and bench/.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=$(nproc 2>/dev/null || echo 2)
FUZZ_SECONDS=${YB_FUZZ_SECONDS:-20}

bash scripts/bootstrap.sh || exit 1

passed=0; failed=0; failures=()
step() {   # step NAME COMMAND...
  local name=$1; shift
  echo "=== $name"
  if "$@"; then passed=$((passed+1)); return 0; fi
  failed=$((failed+1)); failures+=("$name"); return 1
}

build() {  # build DIR [cmake args...]
  local dir=$1; shift
  cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null &&
    cmake --build "$dir" -j"$JOBS" 2>&1 | grep -vE '^\[ *[0-9]+%\]|^Consolidate|^-- ' ; return "${PIPESTATUS[0]}"
}

ctest_count() {  # run ctest in DIR; add its counts to ours
  local dir=$1 log
  log=$(mktemp)
  ctest --test-dir "$dir" --output-on-failure -j"$JOBS" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line; line=$(grep -E 'tests passed, [0-9]+ tests failed out of' "$log" | tail -1)
  if [ -n "$line" ]; then
    local total fail
    fail=$(sed -E 's/.*tests passed, ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
    total=$(sed -E 's/.*tests passed, ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")
    passed=$((passed + total - fail)); failed=$((failed + fail))
    [ "$fail" -eq 0 ] || failures+=("ctest in $dir")
  else
    failed=$((failed+1)); failures+=("ctest in $dir ran nothing")
  fi
  rm -f "$log"
  [ "$rc" -eq 0 ]
}

echo "=== build (normal)"
if build build; then ctest_count build; else failed=$((failed+1)); failures+=("build"); fi

echo "=== build (ASan + UBSan)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if build build-asan -DYB_SANITIZE=ON; then ctest_count build-asan; else failed=$((failed+1)); failures+=("build asan"); fi

echo "=== fuzz targets (${FUZZ_SECONDS}s each)"
if CC=clang build build-fuzz -DYB_FUZZ=ON; then
  for bin in build-fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin"); corpus="fuzz/corpus/${name#fuzz_}"
    work=$(mktemp -d); [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null
    step "$name" "$bin" -max_total_time="$FUZZ_SECONDS" -print_final_stats=0 "$work" >"$work.log" 2>&1 \
      || { tail -40 "$work.log"; false; }
    rm -rf "$work" "$work.log"
  done
else
  failed=$((failed+1)); failures+=("build fuzz")
fi

echo
[ ${#failures[@]} -eq 0 ] || printf 'failed: %s\n' "${failures[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
