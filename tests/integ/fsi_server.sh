#!/usr/bin/env bash
# fsi_server.sh — the institution interface over real HTTP: start `yibao serve` on a loopback port
# with a private database, drive an outpatient flow (9001 → 1101 → 2201 → 2203A → 2204 → 2206 →
# 2207 → replay → 2208 → 2207 again → 2601), the refusals, and stop it with SIGTERM. $1 = yibao.
set -u
Y=${1:?usage: fsi_server.sh path/to/yibao}
D=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
export YIBAO_DB=$D/y.db
. "$(dirname "$0")/lib/serve.sh"

golden_db 'H36010000001,示例三甲医院,03,360100,2020-01-01,,\nH36010000002,示例二级医院,05,360100,,,s3cret-for-tests-0002\n'

start_serve
URL=http://127.0.0.1:$PORT/fsi/api/rsfComIfsService/callService
# the start-up log names the allocator; a build linking jemalloc (not the sanitizer builds) must be
# served by it (the server checks that its own malloc is counted by jemalloc)
alloc=$(sed -n 's/^yibao serve: memory allocator //p' "$D/server.log")
if ldd "$Y" 2>/dev/null | grep -q libjemalloc; then
  case "$alloc" in "jemalloc "[0-9]*) ok ;; *) bad "linked with jemalloc, but the server says: '$alloc'" ;; esac
else
  [ "$alloc" = "default malloc" ] && ok || bad "built without jemalloc, but the server says: '$alloc'"
fi
# the checkpointer thread runs at nice 19, the writer at the server's own priority
ck=$(ps -L -o nice=,comm= -p "$PID" | awk '$2 == "yb-ckpt" { print $1 }')
wr=$(ps -L -o nice=,comm= -p "$PID" | awk '$2 == "yb-writer" { print $1 }')
own=$(ps -o nice= -p "$PID" | tr -d ' ')
[ "$ck" = 19 ] && [ -n "$wr" ] && [ "$wr" = "$own" ] && ok || bad "checkpointer at nice '$ck', writer at '$wr', server at '$own'"
N=0
call() { # call INFNO INPUT_JSON [FIX] [MSGID]
  local fix=${3:-H36010000001}
  N=$(( $(cat "$D/n" 2>/dev/null || echo 0) + 1 )); echo "$N" > "$D/n"   # calls run in subshells
  local msgid=${4:-$(printf '%s20250601%012d' "$fix" "$N")}
  printf '{"infno":"%s","msgid":"%s","mdtrtarea_admvs":"360100","insuplc_admdvs":"360100","recer_sys_code":"YBXT","infver":"V1.0","opter_type":"1","opter":"1001","opter_name":"测试","inf_time":"2025-06-01 09:00:00","fixmedins_code":"%s","fixmedins_name":"示例","sign_no":"%s","input":%s}' \
    "$1" "$msgid" "$fix" "${SIGN:-}" "$2" > "$D/req.json"
  curl -s -X POST -H 'Content-Type: application/json' --data-binary @"$D/req.json" "$URL"
}
field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); 
for k in sys.argv[2].split("."): d=d[int(k)] if isinstance(d,list) else d[k]
print(d)' "$1" "$2"; }

out=$(call 1101 '{"data":{"psn_no":"P390A"}}'); expect "no sign-in refused" "$out" '"infcode":-1'
expect "no sign-in message" "$out" "not signed in"
out=$(call 9001 '{"signIn":{"opter_no":"1001","mac":"","ip":"127.0.0.1"}}'); expect "9001" "$out" '"infcode":0'
SIGN=$(field "$out" output.signinoutb.sign_no)
[ -n "$SIGN" ] && ok || bad "no sign_no"
# inf_refmsgid: the receiver's area (6 digits), the reply's time (14) and a sequence number (10)
ref=$(field "$out" inf_refmsgid); rt=$(field "$out" respond_time)
[[ "$ref" =~ ^360100[0-9]{24}$ ]] && [ "${ref:6:14}" = "${rt:0:14}" ] && ok || bad "inf_refmsgid '$ref' (respond_time $rt)"
out=$(call 1101 '{"data":{"mdtrt_cert_type":"02","mdtrt_cert_no":"11010519491231002X"}}')
expect "1101 psn" "$out" '"psn_no":"P390A"'; expect "1101 masked" "$out" '"certno":"110************2X"'
expect "1101 insuinfo" "$out" '"insutype":"390"'
case "$out" in *11010519491231002X*) bad "1101 returned the ID number unmasked" ;; *) ok ;; esac
out=$(call 1201 '{"medinsinfo":{"fixmedins_code":"H36010000002"}}'); expect "1201" "$out" '"hosp_lv":"05"'
out=$(call 2201 '{"data":{"psn_no":"P390A","insutype":"390","begntime":"2025-06-01 08:00:00","mdtrt_cert_type":"02","mdtrt_cert_no":"x","ipt_otp_no":"OP1"}}')
expect "2201" "$out" '"infcode":0'
M=$(field "$out" output.data.mdtrt_id)
out=$(call 2203A "{\"mdtrtinfo\":{\"mdtrt_id\":\"$M\",\"psn_no\":\"P390A\",\"med_type\":\"21\",\"begntime\":\"2025-06-01 08:00:00\"},\"diseinfo\":[]}")
expect "2203A" "$out" '"infcode":0'
FEES="[{\"feedetl_sn\":\"1\",\"mdtrt_id\":\"$M\",\"psn_no\":\"P390A\",\"chrg_bchno\":\"B1\",\"fee_ocur_time\":\"2025-06-01 09:00:00\",\"med_list_codg\":\"A\",\"cnt\":1,\"pric\":8000,\"det_item_fee_sumamt\":8000},
{\"feedetl_sn\":\"2\",\"mdtrt_id\":\"$M\",\"psn_no\":\"P390A\",\"chrg_bchno\":\"B1\",\"med_list_codg\":\"B\",\"cnt\":\"1\",\"pric\":\"2000\",\"det_item_fee_sumamt\":\"2000.00\"},
{\"feedetl_sn\":\"3\",\"mdtrt_id\":\"$M\",\"psn_no\":\"P390A\",\"chrg_bchno\":\"B1\",\"med_list_codg\":\"C\",\"cnt\":1,\"pric\":1000,\"det_item_fee_sumamt\":1000},
{\"feedetl_sn\":\"4\",\"mdtrt_id\":\"$M\",\"psn_no\":\"P390A\",\"chrg_bchno\":\"B1\",\"med_list_codg\":\"D\",\"cnt\":10,\"pric\":120,\"det_item_fee_sumamt\":1200}]"
out=$(call 2204 "{\"feedetail\":$FEES}"); expect "2204" "$out" '"infcode":0'
expect "2204 split cap" "$out" '"feedetl_sn":"4","det_item_fee_sumamt":1200.00,"cnt":10.0000,"pric":120.000000,"pric_uplmt_amt":100.000000,"selfpay_prop":0.0000,"fulamt_ownpay_amt":0.00,"overlmt_amt":200.00'
expect "2204 split 乙" "$out" '"preselfpay_amt":200.00,"inscp_scp_amt":1800.00'
out=$(call 2204 "{\"feedetail\":$FEES}"); expect "2204 duplicate" "$out" '"infcode":-1'; expect "2204 duplicate sn" "$out" "feedetl_sn"
out=$(call 2206 "{\"data\":{\"psn_no\":\"P390A\",\"mdtrt_id\":\"$M\",\"insutype\":\"390\",\"acct_used_flag\":\"0\"}}")
expect "2206 hifp" "$out" '"hifp_pay":6120.00'; expect "2206 no setl_id" "$out" '"setl_id":null'
SETTLE="{\"data\":{\"psn_no\":\"P390A\",\"mdtrt_id\":\"$M\",\"insutype\":\"390\",\"acct_used_flag\":\"0\",\"medfee_sumamt\":12200.00,\"fulamt_ownpay_amt\":1000,\"overlmt_selfpay\":200,\"preselfpay_amt\":200,\"inscp_scp_amt\":10800}}"
MSG=H36010000001202506019999990001
out=$(call 2207 "{\"data\":{\"psn_no\":\"P390A\",\"mdtrt_id\":\"$M\",\"medfee_sumamt\":12000}}")
expect "a partial declared total is checked" "$out" "input.data.medfee_sumamt"
out=$(call 2207 "$SETTLE" H36010000001 $MSG); expect "2207" "$out" '"hifp_pay":6120.00'
expect "2207 totals" "$out" '"psn_cash_pay":6080.00'
S=$(field "$out" output.setlinfo.setl_id)
out2=$(call 2207 "$SETTLE" H36010000001 $MSG)
[ "$out" = "$out2" ] && ok || bad "replayed 2207 differs"
# the recorded reply is stored packed (a blob smaller than the reply), and replayed as it was sent
st=$(sqlite3 "$YIBAO_DB" "SELECT typeof(reply), length(reply) FROM msg_log WHERE msgid='$MSG'")
[ "${st%%|*}" = blob ] && [ "${st#*|}" -lt $(( ${#out} * 2 / 3 )) ] && ok || bad "2207 reply not stored packed: $st (reply ${#out} bytes)"
n=$(sqlite3 "$YIBAO_DB" "SELECT count(*) FROM settlements"); [ "$n" = 1 ] && ok || bad "replay applied twice ($n settlements)"
out=$(call 2207 "$(echo "$SETTLE" | sed 's/"acct_used_flag":"0"/"acct_used_flag":"1"/')" H36010000001 $MSG)
expect "msgid reuse" "$out" "msgid already used"
out=$(call 2204 "{\"feedetail\":[{\"feedetl_sn\":\"9\",\"mdtrt_id\":\"$M\",\"psn_no\":\"P390A\",\"med_list_codg\":\"A\",\"cnt\":1,\"pric\":1,\"det_item_fee_sumamt\":1}]}")
expect "no upload after settlement" "$out" "settled"
out=$(call 2208 "{\"data\":{\"setl_id\":\"$S\",\"psn_no\":\"P390A\",\"mdtrt_id\":\"$M\"}}"); expect "2208" "$out" '"hifp_pay":-6120.00'
out=$(call 2208 "{\"data\":{\"setl_id\":\"$S\",\"psn_no\":\"P390A\",\"mdtrt_id\":\"$M\"}}"); expect "2208 twice" "$out" "already reversed"
MSG2=H36010000001202506019999990002
out=$(call 2207 "$SETTLE" H36010000001 $MSG2); expect "2207 after cancel" "$out" '"hifp_pay":6120.00'
out=$(call 2601 "{\"data\":{\"psn_no\":\"P390A\",\"omsgid\":\"$MSG2\",\"oinfno\":\"2207\"}}"); expect "2601" "$out" '"refd_setl_flag":"1"'
acc=$(sqlite3 "$YIBAO_DB" "SELECT group_concat(key||'='||value) FROM accum WHERE psn_no='P390A' AND value<>0")
[ -z "$acc" ] && ok || bad "accumulators not restored after reversals: $acc"
out=$(call 2207 "$SETTLE" H36010000002); expect "other institution unsigned" "$out" "must sign"
# what the server's writer keeps in memory (an institution, a person) follows another connection's changes
sqlite3 -cmd ".timeout 5000" "$YIBAO_DB" "UPDATE institutions SET hosp_lv='02' WHERE fixmedins_code='H36010000001'"
out=$(call 2201 '{"data":{"psn_no":"P390A","insutype":"390","begntime":"2025-06-05 08:00:00","mdtrt_cert_type":"02","mdtrt_cert_no":"x","ipt_otp_no":"OP2"}}')
M2=$(field "$out" output.data.mdtrt_id)
lv=$(sqlite3 "$YIBAO_DB" "SELECT hosp_lv FROM visits WHERE mdtrt_id='$M2'"); [ "$lv" = 02 ] && ok || bad "the visit took the old institution level ('$lv')"
sqlite3 -cmd ".timeout 5000" "$YIBAO_DB" "UPDATE institutions SET hosp_lv='03' WHERE fixmedins_code='H36010000001'"
PRE="{\"data\":{\"psn_no\":\"P390A\",\"mdtrt_id\":\"$M\",\"insutype\":\"390\",\"acct_used_flag\":\"0\"}}"
out=$(call 2206 "$PRE"); t0=$(field "$out" output.setlinfo.psn_type)
sqlite3 -cmd ".timeout 5000" "$YIBAO_DB" "UPDATE person_insu SET psn_type='1199' WHERE psn_no='P390A' AND insutype='390'"
out=$(call 2206 "$PRE"); expect "a person's change seen at once" "$out" '"psn_type":"1199"'
sqlite3 -cmd ".timeout 5000" "$YIBAO_DB" "UPDATE person_insu SET psn_type='$t0' WHERE psn_no='P390A' AND insutype='390'"

# inpatient: admission, no second admission, lines, no settlement before discharge, discharge, settle, cancel
cancel_ip() { call 2305 "{\"data\":{\"setl_id\":\"$1\",\"psn_no\":\"P310C\",\"mdtrt_id\":\"$2\"}}"; } # SETL_ID MDTRT_ID
ADM='{"mdtrtinfo":{"psn_no":"P310C","insutype":"310","begntime":"2025-06-02 08:00:00","mdtrt_cert_type":"02","med_type":"21","ipt_no":"IP1"},"diseinfo":[]}'
out=$(call 2401 "$ADM"); expect "2401" "$out" '"infcode":0'
IM=$(field "$out" output.result.mdtrt_id)
out=$(call 2401 "$ADM"); expect "second admission refused" "$out" "in hospital already"
out=$(call 2301 "{\"feedetail\":[{\"feedetl_sn\":\"1\",\"mdtrt_id\":\"$IM\",\"psn_no\":\"P310C\",\"fee_ocur_time\":\"2025-06-03 10:00:00\",\"med_list_codg\":\"A\",\"cnt\":1,\"pric\":10000,\"det_item_fee_sumamt\":10000},{\"feedetl_sn\":\"2\",\"mdtrt_id\":\"$IM\",\"psn_no\":\"P310C\",\"med_list_codg\":\"C\",\"cnt\":1,\"pric\":50,\"det_item_fee_sumamt\":50}]}")
expect "2301" "$out" '"infcode":0'
out=$(call 2302 "{\"data\":{\"feedetl_sn\":\"2\",\"mdtrt_id\":\"$IM\",\"psn_no\":\"P310C\"}}"); expect "2302" "$out" '"infcode":0'
out=$(call 2304 "{\"data\":{\"psn_no\":\"P310C\",\"mdtrt_id\":\"$IM\",\"insutype\":\"310\",\"acct_used_flag\":\"0\"}}")
expect "2304 before discharge" "$out" "not discharged"
out=$(call 2402 "{\"dscginfo\":{\"mdtrt_id\":\"$IM\",\"psn_no\":\"P310C\",\"insutype\":\"310\",\"endtime\":\"2025-06-09 10:00:00\"}}")
expect "2402" "$out" '"infcode":0'
# employee, class 3, first admission: 10000 - 800 = 9200 x 0.85 = 7820.00; 大额 over_cap 0
out=$(call 2303 "{\"data\":{\"psn_no\":\"P310C\",\"mdtrt_id\":\"$IM\",\"insutype\":\"310\",\"acct_used_flag\":\"0\"}}")
expect "2303" "$out" '"hifp_pay":7820.00'
out=$(call 2304 "{\"data\":{\"psn_no\":\"P310C\",\"mdtrt_id\":\"$IM\",\"insutype\":\"310\",\"acct_used_flag\":\"0\",\"medfee_sumamt\":\"10000.00\",\"fulamt_ownpay_amt\":0,\"overlmt_selfpay\":0,\"preselfpay_amt\":0,\"inscp_scp_amt\":10000}}")
expect "2304" "$out" '"hifp_pay":7820.00'; expect "2304 cash" "$out" '"psn_cash_pay":2180.00'
IS=$(field "$out" output.setlinfo.setl_id)
out=$(call 2405 "{\"data\":{\"psn_no\":\"P310C\",\"mdtrt_id\":\"$IM\"}}"); expect "2405 after settlement" "$out" "settled"
out=$(cancel_ip $IS $IM); expect "2305" "$out" '"hifp_pay":-7820.00'
out=$(call 2405 "{\"data\":{\"psn_no\":\"P310C\",\"mdtrt_id\":\"$IM\"}}"); expect "2405" "$out" '"infcode":0'
out=$(call 2404 "{\"data\":{\"psn_no\":\"P310C\",\"mdtrt_id\":\"$IM\"}}"); expect "2404" "$out" '"infcode":0'
out=$(call 2401 "$ADM"); expect "admission again after cancelling" "$out" '"infcode":0'
IM2=$(field "$out" output.result.mdtrt_id)

# an interim settlement (mid_setl_flag 1) of a stay still in hospital: the stay stays open, more lines,
# the final settlement of the rest pays the admission's deductible once; cancelled last first
line() { echo "{\"feedetail\":[{\"feedetl_sn\":\"$1\",\"mdtrt_id\":\"$IM2\",\"psn_no\":\"P310C\",\"fee_ocur_time\":\"$2\",\"med_list_codg\":\"A\",\"cnt\":1,\"pric\":$3,\"det_item_fee_sumamt\":$3}]}"; }
INSET="{\"data\":{\"psn_no\":\"P310C\",\"mdtrt_id\":\"$IM2\",\"insutype\":\"310\",\"acct_used_flag\":\"0\""
out=$(call 2301 "$(line 1 '2025-06-03 10:00:00' 10000)"); expect "2301 before the interim" "$out" '"infcode":0'
out=$(call 2304 "$INSET,\"mid_setl_flag\":\"1\"}}"); expect "interim 2304" "$out" '"hifp_pay":7820.00'
expect "interim deductible" "$out" '"act_pay_dedc":800.00'
IS1=$(field "$out" output.setlinfo.setl_id)
out=$(call 2304 "$INSET,\"mid_setl_flag\":\"1\"}}"); expect "interim with nothing left" "$out" "no uploaded fee lines"
out=$(call 2301 "$(line 2 '2025-06-10 10:00:00' 500)"); expect "a line after the interim" "$out" '"infcode":0'
out=$(call 2401 "$ADM"); expect "in hospital still after the interim" "$out" "in hospital already"
out=$(call 2404 "{\"data\":{\"psn_no\":\"P310C\",\"mdtrt_id\":\"$IM2\"}}"); expect "2404 under an interim" "$out" "cancel it first"
out=$(call 2304 "$INSET}}"); expect "final 2304 before discharge" "$out" "not discharged"
out=$(call 2402 "{\"dscginfo\":{\"mdtrt_id\":\"$IM2\",\"psn_no\":\"P310C\",\"insutype\":\"310\",\"endtime\":\"2025-06-12 10:00:00\"}}")
expect "2402 after the interim" "$out" '"infcode":0'
# the rest: 500.00, the deductible (800.00) already paid by the interim: 500 x 0.85 = 425.00
out=$(call 2304 "$INSET,\"medfee_sumamt\":\"500.00\"}}"); expect "final 2304" "$out" '"hifp_pay":425.00'
expect "final deductible" "$out" '"dedc_std":800.00,"act_pay_dedc":0.00'
IS2=$(field "$out" output.setlinfo.setl_id)
adm=$(sqlite3 "$YIBAO_DB" "SELECT sum(value) FROM accum WHERE psn_no='P310C' AND key LIKE 'adm%'")
[ "$adm" = 1 ] && ok || bad "one stay settled twice counted as $adm admissions"
flags=$(sqlite3 "$YIBAO_DB" "SELECT group_concat(mid_setl_flag) FROM (SELECT mid_setl_flag FROM settlements WHERE setl_id IN ('$IS1','$IS2') ORDER BY setl_id)")
[ "$flags" = "1,0" ] && ok || bad "mid_setl_flag of the interim and the final: $flags"
out=$(call 2301 "$(line 3 '2025-06-11 10:00:00' 100)"); expect "no line after the final" "$out" "settled"
out=$(cancel_ip $IS1 $IM2); expect "interim cancelled first refused" "$out" "cancel it first"
out=$(cancel_ip $IS2 $IM2); expect "final cancelled" "$out" '"hifp_pay":-425.00'
out=$(cancel_ip $IS1 $IM2); expect "interim cancelled" "$out" '"hifp_pay":-7820.00'
acc=$(sqlite3 "$YIBAO_DB" "SELECT group_concat(key||'='||value) FROM accum WHERE psn_no='P310C' AND value<>0")
[ -z "$acc" ] && ok || bad "accumulators not restored after cancelling the stay's settlements: $acc"
# settled again as one: both lines, one deductible
out=$(call 2304 "$INSET}}"); expect "the stay settled again" "$out" '"hifp_pay":8245.00'
IS3=$(field "$out" output.setlinfo.setl_id)
out=$(cancel_ip $IS3 $IM2); expect "the stay cancelled again" "$out" '"hifp_pay":-8245.00'

# queries and reconciliation
out=$(call 1301 '{"data":{"page_num":1,"page_size":1}}'); expect "1301 page" "$out" '"recordCounts":2,"pages":2,"pageNum":1,"pageSize":1,"data":[{"med_list_codg":"A"'
out=$(call 1305 '{"data":{"page_num":1,"page_size":10}}'); expect "1305" "$out" '"med_list_codg":"C"'
out=$(call 1306 '{"data":{}}'); expect "1306 cap" "$out" '"pric_uplmt_amt_lv3":100.000000'
out=$(call 1301 '{"data":{"page_size":5000}}'); expect "1301 bound" "$out" "page_size is 1..1000"
out=$(call 5201 '{"data":{"psn_no":"P310C"}}'); expect "5201" "$out" '"med_type":"21"'
out=$(call 5204 "{\"data\":{\"psn_no\":\"P390A\",\"mdtrt_id\":\"$M\"}}"); expect "5204" "$out" '"feedetl_sn":"4","med_list_codg":"D"'
out=$(call 5206 '{"data":{"psn_no":"P390A","cum_ym":"202506"}}'); expect "5206" "$out" '"cuminfo":[]'
out=$(call 5203 '{"data":{"psn_no":"P390A"}}'); expect "5203" "$out" '"refd_setl_flag":"1"'
today=$(date +%F)
out=$(call 3201 "{\"data\":{\"stmt_begndate\":\"$today\",\"stmt_enddate\":\"$today\",\"medfee_sumamt\":0,\"fund_pay_sumamt\":0,\"acct_pay\":0,\"fixmedins_setl_cnt\":12}}")
expect "3201 balanced" "$out" '"stmt_rslt":"0"'
out=$(call 3201 "{\"data\":{\"stmt_begndate\":\"$today\",\"stmt_enddate\":\"$today\",\"medfee_sumamt\":100,\"fund_pay_sumamt\":0,\"acct_pay\":0}}")
expect "3201 unbalanced" "$out" '"stmt_rslt":"1"'; expect "3201 names the difference" "$out" "medfee_sumamt 机构100.00 中心0.00"
out=$(curl -s -X POST --data-binary 'not json' "$URL"); expect "bad JSON" "$out" '"infcode":-1'
out=$(call 9999 '{}'); expect "unknown infno" "$out" "transaction not supported"
out=$(call 9002 "{\"signOut\":{\"sign_no\":\"$SIGN\",\"opter_no\":\"1001\"}}"); expect "9002" "$out" '"infcode":0'
out=$(call 1101 '{"data":{"psn_no":"P390A"}}'); expect "after sign-out" "$out" "not signed in"
# signed requests: H36010000002 has a secret, so it must sign with HMAC-SM3(secret, ts + "\n" + body)
signed() { # signed TS SECRET KEY -> posts $D/req.json with the signature headers
  local sig; sig=$(python3 -c 'import hmac,sys; b=open(sys.argv[3],"rb").read(); print(sys.argv[1]+":"+hmac.new(sys.argv[2].encode(), sys.argv[1].encode()+b"\n"+b, "sm3").hexdigest().upper())' "$1" "$2" "$D/req.json")
  curl -s -X POST -H "x-ca-key: $3" -H "x-ca-signature: $sig" --data-binary @"$D/req.json" "$URL"
}
SIGN= call 9001 '{"signIn":{"opter_no":"2001"}}' H36010000002 >/dev/null   # writes $D/req.json; unsigned
out=$(curl -s -X POST --data-binary @"$D/req.json" "$URL"); expect "unsigned refused" "$out" "must sign"
now=$(date +%s)
out=$(signed "$now" s3cret-for-tests-0002 H36010000002); expect "signed 9001" "$out" '"infcode":0'
out=$(signed "$now" wrong-secret-000000 H36010000002); expect "wrong signature" "$out" "wrong signature"
out=$(signed $((now - 3600)) s3cret-for-tests-0002 H36010000002); expect "stale signature" "$out" "outside the 300-second window"
out=$(signed "$now" whatever-secret-0001 H36010000001); expect "no secret to verify" "$out" "has no secret"
# the secret is kept sealed: no plaintext column, and its text in none of the database's files
sealed=$(sqlite3 "$YIBAO_DB" "SELECT count(*) FROM institutions WHERE secret IS NULL AND typeof(secret_e) = 'blob'")
[ "$sealed" = 1 ] && ok || bad "institution secrets not sealed ($sealed sealed)"
if grep -a -q 's3cret-for-tests-0002' "$YIBAO_DB" "$YIBAO_DB-wal" 2>/dev/null; then bad "a secret in the clear in the database files"; else ok; fi
grep -q '11010519491231002X' "$D/server.log" && bad "personal data in the access log" || ok
# clients that send a request and hang up before its reply: the server answers the others and
# still stops cleanly on SIGTERM (those requests are not left counted as waiting for the store)
call 1101 '{"data":{"psn_no":"P390A"}}' > /dev/null
python3 - "$PORT" "$D/req.json" <<'PY' || bad "hang-up clients"
import socket, sys
port, body = int(sys.argv[1]), open(sys.argv[2], "rb").read()
req = (b"POST /fsi/api/rsfComIfsService/callService HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
       b"Content-Length: %d\r\n\r\n" % len(body)) + body
for _ in range(40):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(req)
    s.close()
PY
sleep 0.5
out=$(call 1101 '{"data":{"psn_no":"P390A"}}'); expect "answers after hang-ups" "$out" 'not signed in'
kill -TERM "$PID"; wait "$PID"; rc=$?; PID=
[ "$rc" = 0 ] && ok || bad "server exit $rc after SIGTERM: $(grep -v ' POST \| GET ' "$D/server.log" | tail -3)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
