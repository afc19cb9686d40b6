#!/usr/bin/env bash
# serve_audit.sh — the audit rules inside online settlement (tests/integ/serve_audit.py). $1 = yibao.
set -u
Y=${1:?usage: serve_audit.sh path/to/yibao}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
python3 "$(dirname "$0")/serve_audit.py" "$(cd "$(dirname "$Y")" && pwd)/$(basename "$Y")" "$D"
