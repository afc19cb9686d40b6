# serve.sh — sourced by the integration tests that run `yibao serve` (not a test itself: CTest
# registers tests/integ/*.sh only). Needs $Y (the yibao binary) and $D (the test's temporary
# directory). Gives the pass/fail counters and their helpers, golden_db and start_serve.
pass=0 fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*" >&2; }
expect() { case "$2" in *"$3"*) ok ;; *) bad "$1: no '$3' in: ${2:0:500}" ;; esac; }

# golden_db INSTITUTIONS_CSV_ROWS: a fresh database at $YIBAO_DB with the demo policy, the small golden
# catalogue and persons, and the institutions given as CSV rows (after the header line).
golden_db() {
  local g; g=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../golden" && pwd)
  "$Y" init >/dev/null && "$Y" load policy data/demo/policy.json >/dev/null &&
    "$Y" load catalog "$g/catalog_small.csv" >/dev/null && "$Y" load persons "$g/persons_small.csv" >/dev/null || bad "set-up"
  printf 'fixmedins_code,fixmedins_name,hosp_lv,admdvs,begndate,enddate,secret\n%b' "$1" > "$D/inst.csv"
  "$Y" load institutions "$D/inst.csv" >/dev/null || bad "load institutions"
}

# start_serve [ARGS...]: `yibao serve --threads 2 ARGS` on a free loopback port (five tries), its
# stderr in $D/server.log; sets PORT and PID when /healthz answers, else reports, prints the counts
# and exits 1.
start_serve() {
  local try i
  for try in 1 2 3 4 5; do
    PORT=$((20000 + RANDOM % 30000))
    "$Y" serve --listen 127.0.0.1:$PORT --threads 2 "$@" 2>"$D/server.log" &
    PID=$!
    for i in $(seq 50); do
      curl -s "http://127.0.0.1:$PORT/healthz" 2>/dev/null | grep -q ok && { ok; return 0; }
      kill -0 "$PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=
  done
  bad "server did not start: $(cat "$D/server.log")"
  echo "$pass passed, $fail failed"
  exit 1
}
