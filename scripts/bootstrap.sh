#!/usr/bin/env bash
# bootstrap.sh — install the Debian 12 packages yibao needs to build, test and run.
# Idempotent and quiet: when everything is there it prints nothing and touches nothing.
# Run as root (or with sudo available). Usage: scripts/bootstrap.sh
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config          # toolchain
  libsqlite3-dev libjson-c-dev libcsv-dev   # embedded store, JSON, CSV
  libmicrohttpd-dev curl                    # HTTP server; tests talk to it
  libssl-dev openssl                        # HMAC-SM3 request signatures
  libsodium-dev                             # argon2id passwords, secretbox personal data, keyed hashes
  liblz4-dev                                # recorded replies stored compressed (msg_log)
  libjemalloc-dev                           # the memory allocator (CMake option YB_JEMALLOC)
  libcmocka-dev                             # unit tests
  clang libclang-rt-14-dev                  # libFuzzer targets and sanitizer runtimes
  sqlite3 python3 time                      # test scripts inspect databases and outputs; bench timing
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "bootstrap: need root to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
