#!/usr/bin/env bash
# bench_audit.sh — the audit rules over the same generated extract tables three ways: `yibao audit`,
# SQL on SQLite (sqlite3 CLI, indexed) and SQL on DuckDB (npm @duckdb/node-api), with the floor
# (reading the files and counting every field separator). Prints lines per second, peak RSS and the
# ratios, and checks every answer against the generator's ground truth: yibao's hits must equal it
# exactly (rule, visit, lines, amount) for all rules, and each SQL peer's hit counts for the rules
# it runs. See bench/README.md.
#
#   bench/bench_audit.sh [--lines N] [--seed N] [--rate PERCENT] [--threads N] [--dir DIR]
#                        [--bin BUILD_DIR] [--runs N] [--no-duckdb] [--keep]
#
# Defaults: 1,000,000 lines, seed 3, rate 40, threads = nproc, DIR var/bench-audit (recreated);
# --runs 3: yibao and DuckDB each run that many times and the fastest counts, as for the floor
# (best of 3); SQLite, tens of times slower, runs once.
# --keep leaves the data there. Needs /usr/bin/time, cmake, cc, sqlite3, node and npm (DuckDB is
# installed with `npm ci` from bench/duckdb/package-lock.json into DIR/duckdb), python3.
set -euo pipefail
cd "$(dirname "$0")/.."

LINES=1000000; SEED=3; RATE=40; THREADS=$(nproc 2>/dev/null || echo 2); DIR=var/bench-audit; BUILD=; DUCK=1; KEEP=0
RUNS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --lines) LINES=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --bin) BUILD=$2; shift 2 ;;
    --no-duckdb) DUCK=0; shift ;;
    --runs) RUNS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "bench_audit: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case "$LINES" in ''|*[!0-9]*) echo "bench_audit: --lines takes a number" >&2; exit 2 ;; esac
case "$RUNS" in ''|*[!0-9]*|0) echo "bench_audit: --runs takes a number from 1" >&2; exit 2 ;; esac
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench_audit: $TIME is missing (Debian package 'time')" >&2; exit 1; }
for t in sqlite3 python3 cc; do command -v $t >/dev/null || { echo "bench_audit: $t is missing" >&2; exit 1; }; done

# An optimised build unless a build directory is given.
if [ -z "$BUILD" ]; then
  cmake -S . -B build-bench-audit -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build-bench-audit -j"$(nproc 2>/dev/null || echo 2)" --target yibao gen_audit >/dev/null
  BUILD=build-bench-audit
fi
Y=$BUILD/yibao; G=$BUILD/gen_audit
[ -x "$Y" ] && [ -x "$G" ] || { echo "bench_audit: no yibao or gen_audit in $BUILD" >&2; exit 1; }

DUCKMOD=$DIR/../bench-audit-duckdb
rm -rf "$DIR"; mkdir -p "$DIR"
DATA=$DIR/data
RULES=data/rules/nhsa
# the rules the SQL peers run (8 kinds); --rule-ids YB12 and YB18 also select YB12.2 and YB18.2
SQL_RULES="YB03 YB05 YB09 YB10 YB11 YB12 YB12.2 YB18 YB18.2 YB25"
SQL_IDS=YB03,YB05,YB09,YB10,YB11,YB12,YB18,YB25

wall_s() {
  awk -F': ' '/Elapsed \(wall clock\) time/ {
      n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$1"
}
rss_mib() { awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$1"; }
# best NAME OUT CMD...: run CMD $RUNS times (stdout to OUT), keep the fastest run's OUT and NAME.time
best() {
  local name=$1 out=$2; shift 2
  local k b=
  for k in $(seq "$RUNS"); do
    $TIME -v -o "$DIR/$name.try.time" "$@" > "$out.try"
    local w; w=$(wall_s "$DIR/$name.try.time")
    if [ -z "$b" ] || awk -v a="$w" -v b="$b" 'BEGIN { exit !(a < b) }'; then
      b=$w; mv "$DIR/$name.try.time" "$DIR/$name.time"; mv "$out.try" "$out"
    fi
  done
  rm -f "$DIR/$name.try.time" "$out.try"
}
per_s() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "inf" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a + b }'; }
row() { printf "  %-34s %7s s  %12s lines/s  peak RSS %8s MiB\n" "$1" "$2" "$(per_s "$NL" "$2")" "$3"; }

echo "== generating at least $LINES fee lines (seed $SEED, $RATE % of persons with an injected case)"
$TIME -v -o "$DIR/gen.time" "$G" --out "$DATA" --lines "$LINES" --seed "$SEED" --rate "$RATE"
NL=$(($(wc -l < "$DATA/fee_list_d.csv") - 1))
MB=$(du -m "$DATA/fee_list_d.csv" | cut -f1)
cat "$DATA"/*.csv > /dev/null   # every measurement reads from the page cache
INPUTS=("$DATA/mdtrt_d.csv" "$DATA/fee_list_d.csv" "$DATA/setl_list_diag_d.csv")

echo "== floor: reading the three files and counting every separator (best of 3)"
cc -O3 -std=c17 -D_POSIX_C_SOURCE=200809L bench/sep_floor.c -o "$DIR/sep_floor"
FLOOR=$("$DIR/sep_floor" --runs 3 "${INPUTS[@]}" | awk '{ print $NF }')

echo "== yibao audit, all rules of $RULES (best of $RUNS)"
best yibao_all "$DIR/yibao_all.out" "$Y" audit --rules $RULES --mdtrt "${INPUTS[0]}" --fee "${INPUTS[1]}" \
  --diag "${INPUTS[2]}" --out "$DIR/violations_all.csv" --tmpdir "$DIR"
tail -2 "$DIR/yibao_all.out"
echo "== yibao audit, the rules the SQL peers run ($SQL_IDS; best of $RUNS)"
best yibao_sql "$DIR/yibao_sql.out" "$Y" audit --rules $RULES --rule-ids $SQL_IDS --mdtrt "${INPUTS[0]}" \
  --fee "${INPUTS[1]}" --diag "${INPUTS[2]}" --out "$DIR/violations_sql.csv" --tmpdir "$DIR"

echo "== SQLite $(sqlite3 --version | cut -d' ' -f1): import, type and index, then one query per rule"
{
  echo "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-2000000; PRAGMA temp_store=MEMORY;"
  echo ".mode csv"
  echo ".import ${INPUTS[0]} md"
  echo ".import ${INPUTS[1]} fee"
  for t in r_b1dgc:b1_drug_gender_codes r_b1dgn:b1_drug_gender_names r_b1ig:b1_item_gender r_b1dac:b1_drug_age_codes \
           r_b1dan:b1_drug_age_names r_b1ia:b1_item_age r_b8a:b8_item_age r_b4c:b4_drug_medtype_codes \
           r_b4n:b4_drug_medtype_names r_b5c:b5_drug_hosplv_codes r_b5n:b5_drug_hosplv_names \
           r_b8f:b8_item_frequency r_b8c:b8_item_cycle r_b7:b7_item_duplicate; do
    echo ".import $RULES/${t#*:}.csv ${t%%:*}"
  done
  cat bench/audit_sql/prep_sqlite.sql
} > "$DIR/sqlite_load.sql"
{
  echo "PRAGMA cache_size=-2000000; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=4000000000;"
  echo ".mode list"; echo ".separator ,"
  cat bench/audit_sql/rules.sql
} > "$DIR/sqlite_rules.sql"
$TIME -v -o "$DIR/sqlite_load.time" sqlite3 "$DIR/audit.sqlite" < "$DIR/sqlite_load.sql" > /dev/null
$TIME -v -o "$DIR/sqlite_rules.time" sqlite3 "$DIR/audit.sqlite" < "$DIR/sqlite_rules.sql" | grep '^YB' > "$DIR/sqlite_hits.csv"

if [ $DUCK -eq 1 ]; then
  echo "== DuckDB (npm @duckdb/node-api, $THREADS threads): load, type, then one query per rule (best of $RUNS)"
  if [ ! -d "$DUCKMOD/node_modules/@duckdb/node-api" ]; then
    mkdir -p "$DUCKMOD"; cp bench/duckdb/package.json bench/duckdb/package-lock.json "$DUCKMOD/"
    (cd "$DUCKMOD" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  best duckdb "$DIR/duckdb.out" node bench/duckdb_audit.mjs "$DUCKMOD" "$DATA" "$RULES" "$THREADS"
  grep '^YB' "$DIR/duckdb.out" > "$DIR/duckdb_hits.csv"
fi

# ---- correctness: yibao against the ground truth (every hit), the peers' counts
python3 - "$DATA/truth.csv" "$DIR/violations_all.csv" "$DIR/violations_sql.csv" "$DIR/sqlite_hits.csv" \
  "$([ $DUCK -eq 1 ] && echo "$DIR/duckdb_hits.csv" || echo -)" "$SQL_RULES" > "$DIR/check.txt" <<'PY' || CHECK=1
import csv, sys, collections
truth, v_all, v_sql, sq, dk, sql_rules = sys.argv[1:7]
sql_rules = sql_rules.split()
def key(r):
    return (r['id'], r['mdtrt_id'], r['psn_no'], '|'.join(sorted(x for x in r['feedetl_sn'].split('|') if x)), r['vola_amt'])
def load(p): return collections.Counter(key(r) for r in csv.DictReader(open(p, encoding='utf-8')))
t, a, s = load(truth), load(v_all), load(v_sql)
def per(c): return collections.Counter(k[0] for k in c.elements())
def counts(p):
    if p == '-': return None
    return {l.split(',')[0]: int(l.split(',')[1]) for l in open(p) if l.strip()}
sqc, dkc = counts(sq), counts(dk)
tp, ap = per(t), per(a)
bad = 0
print("  rule      truth    yibao  differences   (SQL rules: yibao subset / SQLite / DuckDB)")
diff = collections.Counter(k[0] for k in ((a - t) + (t - a)).elements())
for rid in sorted(set(tp) | set(ap)):
    d = diff[rid]
    bad += d
    extra = ''
    if rid in sql_rules:
        sub = per(s)[rid]
        extra = f"   {sub} / {sqc.get(rid, 0)} / {dkc.get(rid, 0) if dkc is not None else '-'}"
        if sub != tp[rid] or sqc.get(rid, 0) != tp[rid] or (dkc is not None and dkc.get(rid, 0) != tp[rid]): bad += 1
    print(f"  {rid:7} {tp[rid]:7} {ap[rid]:8} {d:12}{extra}")
print(f"  total   {sum(tp.values()):7} {sum(ap.values()):8}   precision and recall 100 % per rule: {'yes' if not bad else 'NO'}")
sys.exit(1 if bad else 0)
PY

# ---- the report
Y_ALL=$(wall_s "$DIR/yibao_all.time"); Y_SQL=$(wall_s "$DIR/yibao_sql.time")
S_LOAD=$(wall_s "$DIR/sqlite_load.time"); S_Q=$(wall_s "$DIR/sqlite_rules.time"); S_TOT=$(add "$S_LOAD" "$S_Q")
S_RSS=$(awk -v a="$(rss_mib "$DIR/sqlite_load.time")" -v b="$(rss_mib "$DIR/sqlite_rules.time")" 'BEGIN { print (a > b ? a : b) }')
echo
echo "benchmark: audit of $NL fee lines ($MB MB fee_list_d), rules $RULES, $(nproc) cores"
row "separator scan (floor)" "$FLOOR" "-"
row "yibao audit, all 32 rules" "$Y_ALL" "$(rss_mib "$DIR/yibao_all.time")"
row "yibao audit, the 10 SQL rules" "$Y_SQL" "$(rss_mib "$DIR/yibao_sql.time")"
row "SQLite import + type + index" "$S_LOAD" "$(rss_mib "$DIR/sqlite_load.time")"
row "SQLite 10 rule queries" "$S_Q" "$(rss_mib "$DIR/sqlite_rules.time")"
row "SQLite total" "$S_TOT" "$S_RSS"
PEER=$S_TOT; PEERN=SQLite
if [ $DUCK -eq 1 ]; then
  D_LOAD=$(awk '/^time load/ { print $3 }' "$DIR/duckdb.out"); D_Q=$(awk '/^time queries/ { print $3 }' "$DIR/duckdb.out")
  D_TOT=$(wall_s "$DIR/duckdb.time")
  row "DuckDB load + type ($THREADS threads)" "$D_LOAD" "-"
  row "DuckDB 10 rule queries" "$D_Q" "-"
  row "DuckDB total (process)" "$D_TOT" "$(rss_mib "$DIR/duckdb.time")"
  if awk -v a="$D_TOT" -v b="$S_TOT" 'BEGIN { exit !(a < b) }'; then PEER=$D_TOT; PEERN=DuckDB; fi
fi
echo "  faster peer ($PEERN) / yibao on the same 10 rules = $(ratio "$PEER" "$Y_SQL")x;" \
     "yibao all 32 rules / floor = $(ratio "$Y_ALL" "$FLOOR")x; 10 rules / floor = $(ratio "$Y_SQL" "$FLOOR")x"
echo
echo "hits per rule (yibao's checked hit by hit against the generator's ground truth):"
cat "$DIR/check.txt"
if [ $KEEP -eq 0 ]; then rm -rf "$DATA" "$DIR/audit.sqlite" "$DIR"/violations_*.csv; fi
[ "${CHECK:-0}" -eq 0 ] || { echo "bench_audit: a result differs from the ground truth" >&2; exit 1; }
