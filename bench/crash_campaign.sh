#!/usr/bin/env bash
# crash_campaign.sh — the long SIGKILL campaign of tests/integ/crash_driver.py: CRASH_ROUNDS rounds
# (default 200) of load, SIGKILL at a random moment, restart and checks, then a replay of every
# surviving settlement in commit order. Release build. Usage: bash bench/crash_campaign.sh [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-bench-crash -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench-crash -j"$(nproc 2>/dev/null || echo 2)" --target yibao >/dev/null
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
python3 tests/integ/crash_driver.py "$PWD/build-bench-crash/yibao" "$D" "${CRASH_ROUNDS:-200}" "${1:-1}" "${CRASH_THREADS:-8}"
