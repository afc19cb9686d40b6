#!/usr/bin/env bash
# crash_kill.sh — SIGKILL `yibao serve` under load at random moments, restart, and check that every
# acknowledged settlement is there exactly once, nothing half-written, accumulators equal a replay
# in commit order (tests/integ/crash_driver.py). 6 rounds here; the long campaign is
# `bash bench/crash_campaign.sh` (CRASH_ROUNDS, default 200). $1 = the yibao binary.
set -u
Y=${1:?usage: crash_kill.sh path/to/yibao}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
python3 "$(dirname "$0")/crash_driver.py" "$(cd "$(dirname "$Y")" && pwd)/$(basename "$Y")" "$D" "${CRASH_ROUNDS:-6}" "${CRASH_SEED:-7}" 6
