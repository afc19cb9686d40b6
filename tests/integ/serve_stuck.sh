#!/usr/bin/env bash
# serve_stuck.sh — SIGTERM while requests are stuck with the store: `yibao serve` waits 10 s for
# the requests in flight, then, if some are still with the writer or the syncer, exits with status
# 75 without answering them (docs/interface.md, Shutdown). Another process holds the database's
# write lock for 25 s: request A waits in BEGIN IMMEDIATE until the writer's busy timeout (10 s)
# refuses it; request B, queued behind A, is then still waiting when the 10 s after SIGTERM are
# over. Meanwhile a read (1301) is answered at once, on the readers' connection. Checks the exit
# status, A's refusal, B without a reply, the log line, and that nothing of B is in the store
# afterwards. About 12 s. $1 = yibao.
set -u
Y=${1:?usage: serve_stuck.sh path/to/yibao}
D=$(mktemp -d)
PID= LOCK=
cleanup() {
  [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
  [ -n "$LOCK" ] && kill "$LOCK" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$D"
}
trap cleanup EXIT
export YIBAO_DB=$D/y.db
. "$(dirname "$0")/lib/serve.sh"

golden_db 'H36010000001,示例三甲医院,03,360100,2020-01-01,,\n'

start_serve
URL=http://127.0.0.1:$PORT/fsi/api/rsfComIfsService/callService
body() { # body INFNO MSGID SIGN INPUT
  printf '{"infno":"%s","msgid":"%s","mdtrtarea_admvs":"360100","insuplc_admdvs":"360100","recer_sys_code":"YBXT","infver":"V1.0","opter_type":"1","opter":"1001","opter_name":"测试","inf_time":"2025-06-01 09:00:00","fixmedins_code":"H36010000001","fixmedins_name":"示例","sign_no":"%s","input":%s}' \
    "$1" "$2" "$3" "$4"
}
out=$(body 9001 H3601000000120250601000000000001 "" '{"signIn":{"opter_no":"1001"}}' |
      curl -s -X POST -H 'Content-Type: application/json' --data-binary @- "$URL")
expect "9001" "$out" '"infcode":0'
SIGN=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["output"]["signinoutb"]["sign_no"])' 2>/dev/null)
[ -n "$SIGN" ] && ok || bad "no sign_no in: $out"

# another process takes the write lock and keeps it for 25 s
python3 - "$YIBAO_DB" "$D/locked" <<'EOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(25)
EOF
LOCK=$!
for i in $(seq 50); do [ -e "$D/locked" ] && break; sleep 0.1; done
[ -e "$D/locked" ] && ok || bad "the lock holder did not take the write lock"

REG='{"data":{"psn_no":"P390A","insutype":"390","begntime":"2025-06-01 08:00:00","mdtrt_cert_type":"02","mdtrt_cert_no":"x","ipt_otp_no":"OP1"}}'
body 2201 H3601000000120250601000000000002 "$SIGN" "$REG" > "$D/a.json"
body 2201 H3601000000120250601000000000003 "$SIGN" "$REG" > "$D/b.json"
curl -s --max-time 40 -X POST -H 'Content-Type: application/json' --data-binary @"$D/a.json" "$URL" > "$D/a.out" 2>&1 &
CA=$!
sleep 0.5
curl -s --max-time 40 -X POST -H 'Content-Type: application/json' --data-binary @"$D/b.json" "$URL" > "$D/b.out" 2>&1 &
CB=$!
sleep 0.5
# a read (a catalogue page) is answered beside the stuck writer, at once, not queued behind A and B
body 1301 H3601000000120250601000000000004 "$SIGN" '{"data":{"page_num":1,"page_size":1}}' > "$D/r.json"
out=$(curl -s --max-time 5 -X POST -H 'Content-Type: application/json' --data-binary @"$D/r.json" "$URL")
expect "a read while the writer waits" "$out" '"infcode":0'
t0=$(date +%s)
kill -TERM "$PID"
wait "$PID"; rc=$?; PID=
t1=$(date +%s)
wait "$CA" "$CB" 2>/dev/null
[ "$rc" = 75 ] && ok || bad "server exit $rc, expected 75: $(grep -v ' POST \| GET ' "$D/server.log" | tail -3)"
[ $((t1 - t0)) -ge 9 ] && [ $((t1 - t0)) -le 20 ] && ok || bad "stopped $((t1 - t0)) s after SIGTERM, expected about 10"
expect "log line" "$(cat "$D/server.log")" "still with the store after 10 s; stopping without answering them"
expect "A refused by the busy store" "$(cat "$D/a.out")" '"infcode":-1'
[ ! -s "$D/b.out" ] && ok || bad "B was answered: $(head -c 300 "$D/b.out")"

kill "$LOCK" 2>/dev/null; wait "$LOCK" 2>/dev/null; LOCK=
# nothing of A or B is in the store (a restart recovers what is on disk)
n=$(sqlite3 "$YIBAO_DB" "SELECT count(*) FROM msg_log WHERE msgid IN ('H3601000000120250601000000000002','H3601000000120250601000000000003')")
[ "$n" = 0 ] && ok || bad "$n of A and B in the message log"
n=$(sqlite3 "$YIBAO_DB" "SELECT count(*) FROM visits")
[ "$n" = 0 ] && ok || bad "$n visits registered"
[ "$(sqlite3 "$YIBAO_DB" 'PRAGMA integrity_check')" = ok ] && ok || bad "integrity_check"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
