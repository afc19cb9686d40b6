#!/usr/bin/env bash
# demo.sh — the main job on the embedded default (SQLite): install what is missing, build,
# generate the demo city (a year of visits), load its reference data, settle every visit
# from the national extract tables, and print the settlement officer's summary.
#   scripts/demo.sh [--persons N] [--seed N]
# Everything is written under var/demo/ (recreated on each run).
set -euo pipefail
cd "$(dirname "$0")/.."

PERSONS=20000; SEED=2025
while [ $# -gt 0 ]; do
  case "$1" in
    --persons) PERSONS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    *) echo "usage: scripts/demo.sh [--persons N] [--seed N]" >&2; exit 2 ;;
  esac
done

bash scripts/bootstrap.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

Y=build/yibao
D=var/demo
rm -rf "$D"; mkdir -p "$D"
export YIBAO_DB=$D/yibao.db

echo "== generating the demo city ($PERSONS persons, seed $SEED)"
$Y gen --out "$D/city" --seed "$SEED" --persons "$PERSONS"
echo "== loading reference data into $YIBAO_DB"
$Y init
$Y load policy data/demo/policy.json
$Y load catalog data/demo/catalog.csv
$Y load institutions "$D/city/institutions.csv"
$Y load persons "$D/city/persons.csv"
echo "== settling the year"
$Y settle --mdtrt "$D/city/mdtrt_d.csv" --fee "$D/city/fee_list_d.csv" --acct "$D/city/balances.csv" \
  --out "$D/setl_d.csv" --detail "$D/setldetail.csv" --rejects "$D/rejects.csv"
echo
echo "outputs: $D/setl_d.csv (settlements), $D/setldetail.csv (fund rows), $D/rejects.csv (rejected visits)"
