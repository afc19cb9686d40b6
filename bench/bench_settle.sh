#!/usr/bin/env bash
# bench_settle.sh — how fast does `yibao settle` go, and how much memory does it take?
#
# Generates a demo-city batch of at least --lines fee lines (default 1,000,000) with `yibao gen`,
# loads the demo policy and catalogue into a fresh database, runs `yibao settle` on the batch under
# /usr/bin/time -v, and reports fee lines per second and peak RSS. As peers in the same run, over
# the same fee file (already in the page cache): `wc -l` (the floor of merely reading it) and
# `sort` by person and visit in the C locale (the floor of the batch reader's own external sort),
# with the ratio of settle's time to each. See bench/README.md.
#
#   bench/bench_settle.sh [--lines N] [--seed N] [--dir DIR] [--bin PATH] [--keep]
#
# Everything goes under DIR (default var/bench, recreated); --keep leaves the files there.
set -euo pipefail
cd "$(dirname "$0")/.."

LINES=1000000; SEED=2025; DIR=var/bench; BIN=${YB_BIN:-}; KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --lines) LINES=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bench_settle: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case "$LINES" in ''|*[!0-9]*) echo "bench_settle: --lines takes a number" >&2; exit 2 ;; esac

TIME=/usr/bin/time
if [ ! -x "$TIME" ]; then
  echo "bench_settle: $TIME is missing (Debian package 'time': apt-get install time)" >&2
  exit 1
fi

# An optimised build unless a binary is given.
if [ -z "$BIN" ]; then
  cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build-bench -j"$(nproc 2>/dev/null || echo 2)" --target yibao >/dev/null
  BIN=build-bench/yibao
fi
[ -x "$BIN" ] || { echo "bench_settle: no yibao binary at $BIN" >&2; exit 1; }

rm -rf "$DIR"; mkdir -p "$DIR"
export YIBAO_DB=$DIR/bench.db
CITY=$DIR/city
FEE=$CITY/fee_list_d.csv

# Wall seconds and max RSS (KiB) out of a `time -v` report.
wall_s() {
  awk -F': ' '/Elapsed \(wall clock\) time/ {
      n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$1"
}
rss_kib() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
per_s() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "inf" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }

echo "== generating a batch of at least $LINES fee lines (seed $SEED)"
$TIME -v -o "$DIR/gen.time" "$BIN" gen --out "$CITY" --seed "$SEED" --lines-target "$LINES"
NLINES=$(( $(wc -l < "$FEE") - 1 ))
NVISITS=$(( $(wc -l < "$CITY/mdtrt_d.csv") - 1 ))
echo "   $NLINES fee lines, $NVISITS visits, $(du -h "$FEE" | cut -f1) fee file;" \
     "gen $(wall_s "$DIR/gen.time") s, peak RSS $(mib "$(rss_kib "$DIR/gen.time")") MiB"

echo "== loading the demo policy and catalogue into $YIBAO_DB"
"$BIN" init >/dev/null
"$BIN" load policy data/demo/policy.json
"$BIN" load catalog data/demo/catalog.csv

cat "$FEE" "$CITY/mdtrt_d.csv" > /dev/null   # warm the page cache: every peer reads from memory

echo "== settling"
$TIME -v -o "$DIR/settle.time" "$BIN" settle --mdtrt "$CITY/mdtrt_d.csv" --fee "$FEE" --acct "$CITY/balances.csv" \
  --out "$DIR/setl_d.csv" --detail "$DIR/setldetail.csv" --rejects "$DIR/rejects.csv" --tmpdir "$DIR" \
  > "$DIR/settle.out"
tail -n 3 "$DIR/settle.out"
NREJ=$(( $(wc -l < "$DIR/rejects.csv") - 1 ))
NSETL=$(( $(wc -l < "$DIR/setl_d.csv") - 1 ))

echo "== peers over the same fee file"
$TIME -v -o "$DIR/wc.time" wc -l "$FEE" > /dev/null
# the batch reader's job without the settling: order the lines by psn_no (col 8) and mdtrt_id (col 2)
LC_ALL=C $TIME -v -o "$DIR/sort.time" sort -t, -k8,8 -k2,2 -T "$DIR" "$FEE" -o /dev/null

S_SET=$(wall_s "$DIR/settle.time"); S_WC=$(wall_s "$DIR/wc.time"); S_SORT=$(wall_s "$DIR/sort.time")
echo
echo "benchmark: yibao settle over $NLINES fee lines ($NVISITS visits; $NSETL settled, $NREJ rejected)"
printf '  %-28s %8s s  %12s lines/s  peak RSS %8s MiB\n' \
  "yibao settle" "$S_SET" "$(per_s "$NLINES" "$S_SET")" "$(mib "$(rss_kib "$DIR/settle.time")")" \
  "wc -l (read floor)" "$S_WC" "$(per_s "$NLINES" "$S_WC")" "$(mib "$(rss_kib "$DIR/wc.time")")" \
  "sort by person (C locale)" "$S_SORT" "$(per_s "$NLINES" "$S_SORT")" "$(mib "$(rss_kib "$DIR/sort.time")")"
echo "  settle / wc -l = $(ratio "$S_SET" "$S_WC")x   settle / sort = $(ratio "$S_SET" "$S_SORT")x"
echo "  (wall-clock times with 2 decimals: a peer under 0.01 s shows as 0.00 and its ratio as inf)"

if [ "$NREJ" -ne 0 ]; then
  echo "bench_settle: $NREJ visits were rejected: see $DIR/rejects.csv" >&2
  exit 1
fi
[ "$KEEP" -eq 1 ] || rm -rf "$CITY" "$DIR"/*.csv "$YIBAO_DB"
