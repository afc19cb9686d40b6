#!/usr/bin/env bash
# bench_serve.sh — how many durable 2207 settlements per second does `yibao serve` answer, at what
# latency, next to the same server's GET /healthz (the floor of HTTP alone)?
#
# Builds yibao in Release (build-bench-serve/), makes a fresh database in a temporary directory
# (demo policy and catalogue, --persons synthetic persons, one institution without a secret), seeds
# registered outpatient visits with uploaded fee lines through the interface's own code
# (tools/bench_seed_visits: 9001, then 2201 + 2204 per visit), starts the real server on a free
# loopback port and, for each concurrency C, runs wrk with bench/serve/settle.lua (one 2207 per
# request, every visit settled once) and then wrk on /healthz, both for --duration seconds. Prints
# settlements/s, p50, p99, /healthz req/s, p50, p99 and their ratio per C; checks that the database
# holds exactly as many settlements as were acknowledged with infcode 0; stops the server with
# SIGTERM and checks that it exits 0. See bench/README.md.
#
#   bench/bench_serve.sh [--duration 30] [--conns "1 4 16 32 40 64"] [--threads N] [--keep]
#                        [--persons 20000] [--rate-bound R]
#
#   --threads N     the server's worker threads (`yibao serve --threads`; default: the server's own)
#   --keep          keep the temporary directory (database, pools, wrk outputs, server log)
#   --persons N     persons the visits are spread over (default 20000)
#   --rate-bound R  seed every run for R settlements/s; default: twice the best rate seen so far,
#                   starting from a 3-second warm-up run at the highest concurrency
#
# Exit status 1 when a run had refusals or socket errors, ran out of visits, or a check failed.
# Run as root on a fresh Debian 12: missing packages (build deps, wrk) are installed with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=30; CONNS="1 4 16 32 40 64"; THREADS=""; KEEP=0; PERSONS=20000; RATE_BOUND=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=${2:-}; shift 2 ;;
    --conns) CONNS=${2:-}; shift 2 ;;
    --threads) THREADS=${2:-}; shift 2 ;;
    --persons) PERSONS=${2:-}; shift 2 ;;
    --rate-bound) RATE_BOUND=${2:-}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "bench_serve: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
is_num() { case "$1" in ''|*[!0-9]*) return 1 ;; *) [ "$1" -ge 1 ] ;; esac; }
is_num "$DURATION" || { echo "bench_serve: --duration takes whole seconds >= 1" >&2; exit 2; }
is_num "$PERSONS" || { echo "bench_serve: --persons takes a number >= 1" >&2; exit 2; }
[ -z "$THREADS" ] || is_num "$THREADS" || { echo "bench_serve: --threads takes a number >= 1" >&2; exit 2; }
[ -z "$RATE_BOUND" ] || is_num "$RATE_BOUND" || { echo "bench_serve: --rate-bound takes settlements/s >= 1" >&2; exit 2; }
[ -n "${CONNS// /}" ] || { echo "bench_serve: --conns needs at least one number" >&2; exit 2; }
for c in $CONNS; do is_num "$c" || { echo "bench_serve: --conns takes numbers >= 1, got '$c'" >&2; exit 2; }; done

# ---------------------------------------------------------------- tools and build
bash scripts/bootstrap.sh   # compiler, libraries, curl, sqlite3 (quiet when all are there)
if ! command -v wrk >/dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "bench_serve: wrk is missing and installing it needs root (apt-get install wrk)" >&2; exit 1; }
    SUDO=sudo
  fi
  echo "bench_serve: installing wrk" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null ||
    { $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } ||
    { echo "bench_serve: could not install wrk with apt-get" >&2; exit 1; }
fi

echo "== building yibao (Release) in build-bench-serve/"
cmake -S . -B build-bench-serve -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench-serve -j"$(nproc 2>/dev/null || echo 2)" --target yibao bench_seed_visits >/dev/null
Y=$PWD/build-bench-serve/yibao
SEEDER=$PWD/build-bench-serve/bench_seed_visits
LUA=$PWD/bench/serve

# ---------------------------------------------------------------- fresh database
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-serve.XXXXXX")
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  if [ "$KEEP" -eq 1 ]; then echo "kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
export YIBAO_DB=$W/yibao.db
FIX=H36010000001
echo "== fresh database in $W (filesystem: $(stat -f -c %T "$W"))"
if [ "$(stat -f -c %T "$W")" = tmpfs ]; then
  echo "   warning: $W is on tmpfs, where fsync costs nothing: set TMPDIR to a directory on disk" >&2
fi
"$Y" init >/dev/null
"$Y" load policy data/demo/policy.json >/dev/null
"$Y" load catalog data/demo/catalog.csv >/dev/null
"$SEEDER" --persons-csv "$W/persons.csv" --persons "$PERSONS" >/dev/null
"$Y" load persons "$W/persons.csv" >/dev/null
printf 'fixmedins_code,fixmedins_name,hosp_lv,admdvs,begndate,enddate,secret\n%s,基准测试医院,03,360100,2020-01-01,,\n' \
  "$FIX" > "$W/institutions.csv"
"$Y" load institutions "$W/institutions.csv" >/dev/null
echo "   demo policy and catalogue, $PERSONS persons, institution $FIX (level 03, no secret)"

# ---------------------------------------------------------------- the server
for try in 1 2 3 4 5; do
  PORT=$((20000 + RANDOM % 40000))
  "$Y" serve --listen "127.0.0.1:$PORT" --db "$YIBAO_DB" ${THREADS:+--threads "$THREADS"} 2>>"$W/server.log" &
  PID=$!
  for _ in $(seq 100); do
    [ "$(curl -s "http://127.0.0.1:$PORT/healthz" 2>/dev/null)" = ok ] && break 2
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""
done
[ -n "$PID" ] || { echo "bench_serve: the server did not start:" >&2; tail -n 5 "$W/server.log" >&2; exit 1; }
URL=http://127.0.0.1:$PORT
echo "== yibao serve on 127.0.0.1:$PORT, pid $PID, ${THREADS:-default} worker threads"

# ---------------------------------------------------------------- helpers
val() { awk -v k="$1" '$1 == k { print $2; exit }' "$2"; }
rate() { awk -v n="$1" -v us="$2" 'BEGIN { printf "%.1f", (us > 0 ? n * 1e6 / us : 0) }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
sql() { sqlite3 -cmd ".timeout 10000" "$YIBAO_DB" "$1"; }

POOL=$W/pool.txt; : > "$POOL"
NEXT=0                      # visit index of the next visit to seed
SEEDED=0; SEED_S=0          # visits seeded and seconds spent
ACKED=0                     # 2207 acknowledged with infcode 0, over all runs
FAILED=0
RUN_N=0

# Top the pool up to $1 visits.
seed_pool() {
  local have need=$1 out
  have=$(wc -l < "$POOL")
  [ "$have" -lt "$need" ] || return 0
  out=$("$SEEDER" --db "$YIBAO_DB" --fix "$FIX" --persons "$PERSONS" --start "$NEXT" --visits $((need - have)) \
        --out "$W/new.txt") || { echo "bench_serve: seeding failed" >&2; exit 1; }
  cat "$W/new.txt" >> "$POOL"
  NEXT=$((NEXT + need - have)); SEEDED=$((SEEDED + need - have))
  SEED_S=$(awk -v a="$SEED_S" -v b="$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s:.*/\1/p')" 'BEGIN { print a + b }')
  echo "   $out"
  # the seeder wrote its visits through a connection of its own, into the WAL the server shares:
  # copy them into the database now (the server is idle between runs), so that the run measures
  # settlements and not the checkpoint of hundreds of thousands of seeded visits
  sql "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
  sync # and the pool files: nothing of the seeding left for the kernel to write back during the run
}

# settle_run C SECONDS: one wrk run of 2207 on the pool; sets R (result file) and RUN.
settle_run() {
  local c=$1 d=$2 t=$(( $1 < 2 ? 1 : 2 )) before after resent=0 resent_ok=0 ok pend line reply
  RUN_N=$((RUN_N + 1)); RUN=$(printf 'R%02d' "$RUN_N"); R=$W/$RUN.result
  BENCH_VISITS=$POOL BENCH_THREADS=$t BENCH_RUN=$RUN BENCH_FIX=$FIX BENCH_AREA=360100 BENCH_RESULT=$R \
    wrk -t"$t" -c"$c" -d"${d}s" --latency --timeout 10s -s "$LUA/settle.lua" "$URL/fsi/api/rsfComIfsService/callService" \
    > "$W/$RUN.wrk.out" 2>&1 || { cat "$W/$RUN.wrk.out" >&2; echo "bench_serve: wrk failed" >&2; exit 1; }
  [ -s "$R" ] || { cat "$W/$RUN.wrk.out" >&2; echo "bench_serve: settle.lua wrote no result" >&2; exit 1; }
  # the rest of every thread's share goes to the next run
  awk -v T="$t" 'NR == FNR { if ($1 == "sent_t") sent[$2] = $3; next }
                 { if (int((FNR - 1) / T) + 1 > sent[(FNR - 1) % T]) print }' "$R" "$POOL" > "$POOL.rest"
  mv "$POOL.rest" "$POOL"
  # requests in flight when wrk stopped: applied or not, their replay makes them acknowledged
  ok=$(val ok "$R"); pend=$(val pending "$R")
  before=$(sql "SELECT count(*) FROM settlements WHERE msgid LIKE '${FIX}W${RUN}%'")
  while IFS= read -r line; do
    resent=$((resent + 1))
    reply=$(printf '%s' "$line" | curl -s -X POST -H 'Content-Type: application/json' --data-binary @- \
            "$URL/fsi/api/rsfComIfsService/callService")
    case "$reply" in '{"infcode":0,'*) resent_ok=$((resent_ok + 1)) ;; esac
  done < "$R.pending"
  after=$(sql "SELECT count(*) FROM settlements WHERE msgid LIKE '${FIX}W${RUN}%'")
  ACKED=$((ACKED + ok + resent_ok))
  {
    echo "inflight_applied $((before - ok))"
    echo "resent $resent"
    echo "resent_ok $resent_ok"
    echo "rows $after"
  } >> "$R"
  if [ "$after" -ne $((ok + resent_ok)) ] || [ $((before - ok)) -lt 0 ] || [ $((before - ok)) -gt "$pend" ]; then
    echo "bench_serve: $RUN: $after settlement rows for $ok acknowledged + $resent_ok acknowledged on resend" \
         "($((before - ok)) applied while in flight, $pend in flight)" >&2
    FAILED=1
  fi
}

# healthz_run C SECONDS: sets R.
healthz_run() {
  local t=$(( $1 < 2 ? 1 : 2 ))
  RUN_N=$((RUN_N + 1)); RUN=$(printf 'R%02d' "$RUN_N"); R=$W/$RUN.result
  BENCH_RESULT=$R wrk -t"$t" -c"$1" -d"${2}s" --latency --timeout 10s -s "$LUA/healthz.lua" "$URL/healthz" \
    > "$W/$RUN.wrk.out" 2>&1 || { cat "$W/$RUN.wrk.out" >&2; echo "bench_serve: wrk failed" >&2; exit 1; }
  [ -s "$R" ] || { cat "$W/$RUN.wrk.out" >&2; echo "bench_serve: healthz.lua wrote no result" >&2; exit 1; }
}

summary() { # one line about result file $1 (settlements or requests), then the refusals seen
  local f=$1 line
  line="   $(val ok "$f") ok, $(val bad "$f") refused, $(rate "$(val ok "$f")" "$(val duration_us "$f")")/s"
  line="$line, p50 $(ms "$(val p50_us "$f")") ms, p99 $(ms "$(val p99_us "$f")") ms"
  [ "$(val sock_errors "$f")" = 0 ] || line="$line, $(val sock_errors "$f") socket errors"
  [ "$(val exhausted "$f")" = "" ] || [ "$(val exhausted "$f")" = 0 ] || line="$line, RAN OUT OF VISITS"
  [ "$(val pending "$f")" = "" ] || line="$line; $(val pending "$f") in flight at the end, $(val inflight_applied "$f")\
 of them applied before, $(val resent_ok "$f") acknowledged on resend"
  echo "$line"
  grep '^error ' "$f" | sed 's/^error /   refused: /' || true
}

# Settlements/s the pools are seeded for: --rate-bound, else 2000/s for the warm-up, then twice the
# warm-up's rate (at least 1000/s), raised to twice the rate of any run that goes faster.
BOUND=${RATE_BOUND:-2000}
set_bound() { # set_bound RATE [raise]: BOUND = 2 x RATE (>= 1000), only upwards with "raise"
  [ -z "$RATE_BOUND" ] || return 0
  BOUND=$(awk -v b="$BOUND" -v r="$1" -v up="${2:-}" \
    'BEGIN { n = int(2 * r + 0.999); if (n < 1000) n = 1000; print ((up == "" || n > b) ? n : b) }')
}
# settle_level C SECONDS: seed, run; on running out, seed three times more and run again (twice at most).
settle_level() {
  local attempt
  for attempt in 1 2 3; do
    seed_pool $(( $2 * BOUND + 2 * $1 ))
    settle_run "$1" "$2"
    [ "$(val exhausted "$R")" -gt 0 ] || return 0
    [ "$attempt" -lt 3 ] || return 0
    echo "   $RUN ran out of visits at a bound of $BOUND/s: seeding for $((BOUND * 3))/s and running again"
    BOUND=$((BOUND * 3))
  done
}

# ---------------------------------------------------------------- warm-up and runs
MAXC=$(for c in $CONNS; do echo "$c"; done | sort -n | tail -n 1)
WARM=$(( DURATION < 3 ? DURATION : 3 ))
echo "== warm-up: 2207 at $MAXC connections for $WARM s (sizes the pools: settlements/s x2)"
settle_level "$MAXC" "$WARM"
summary "$R"
[ "$(val bad "$R")" = 0 ] || FAILED=1
set_bound "$(rate "$(val ok "$R")" "$(val duration_us "$R")")"

ROWS=()
for c in $CONNS; do
  echo "== C=$c: 2207 settlements for $DURATION s (pool for $BOUND/s)"
  settle_level "$c" "$DURATION"
  S=$R
  summary "$S"
  note=""
  [ "$(val bad "$S")" = 0 ] || note="$note $(val bad "$S") REFUSED;"
  [ "$(val sock_errors "$S")" = 0 ] || note="$note $(val sock_errors "$S") socket errors;"
  [ "$(val exhausted "$S")" -eq 0 ] || note="$note ran out of visits (rate is a lower bound);"
  [ -z "$note" ] || FAILED=1
  set_bound "$(rate "$(val ok "$S")" "$(val duration_us "$S")")" raise
  echo "== C=$c: GET /healthz for $DURATION s"
  healthz_run "$c" "$DURATION"
  H=$R
  summary "$H"
  [ "$(val bad "$H")" = 0 ] && [ "$(val sock_errors "$H")" = 0 ] || { note="$note healthz errors;"; FAILED=1; }
  sr=$(rate "$(val ok "$S")" "$(val duration_us "$S")"); hr=$(rate "$(val ok "$H")" "$(val duration_us "$H")")
  ROWS+=("$(printf '%5s  %10s %8s %8s   %10s %8s %8s   %7s  %s' "$c" \
    "$sr" "$(ms "$(val p50_us "$S")")" "$(ms "$(val p99_us "$S")")" \
    "$hr" "$(ms "$(val p50_us "$H")")" "$(ms "$(val p99_us "$H")")" \
    "$(awk -v a="$sr" -v b="$hr" 'BEGIN { printf "%.4f", (b > 0 ? a / b : 0) }')" "${note# }")")
done

# ---------------------------------------------------------------- durability and shutdown
ROWS_DB=$(sql "SELECT count(*) FROM settlements")
SETTLED_VISITS=$(sql "SELECT count(*) FROM visits WHERE state = 'settled'")
LOGGED=$(sql "SELECT count(*) FROM msg_log WHERE infno = '2207'")
kill -TERM "$PID"
rc=0; wait "$PID" || rc=$?
PID=""

echo
echo "benchmark: yibao serve, durable 2207 settlements vs GET /healthz; $DURATION s per run," \
     "$(nproc) cores, server threads ${THREADS:-default}, wrk -t min(2,C)"
printf '%5s  %10s %8s %8s   %10s %8s %8s   %7s  %s\n' conns settle/s "p50 ms" "p99 ms" healthz/s "p50 ms" "p99 ms" ratio notes
for r in "${ROWS[@]}"; do echo "$r"; done
echo "goal: >= 10000 settlements/s with p99 < 10 ms on this machine"
echo "seeding: $SEEDED visits in ${SEED_S} s ($(awk -v n="$SEEDED" -v s="$SEED_S" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }') visits/s)"
if [ "$ROWS_DB" -eq "$ACKED" ] && [ "$SETTLED_VISITS" -eq "$ACKED" ]; then
  echo "durability: $ROWS_DB settlement rows = $ACKED replies with infcode 0 (wrk and resent in-flight requests);" \
       "$SETTLED_VISITS visits settled; $LOGGED 2207 in the message log — OK"
else
  echo "durability: MISMATCH: $ROWS_DB settlement rows, $SETTLED_VISITS visits settled, $ACKED replies with infcode 0" >&2
  FAILED=1
fi
if [ "$rc" -eq 0 ]; then
  echo "shutdown: SIGTERM, server exit 0 — OK"
else
  echo "shutdown: server exit $rc after SIGTERM — FAILED" >&2
  FAILED=1
fi
exit "$FAILED"
