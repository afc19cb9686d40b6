#!/usr/bin/env bash
# cli_settle_json.sh — end to end with the real binary on a real SQLite file: init, load reference
# data and persons, settle the worked examples A and B of docs/settlement.md one at a time,
# pre-settle (writes nothing), replay a msgid, reverse, and the refusals. $1 = the yibao binary.
set -u
Y=${1:?usage: cli_settle_json.sh path/to/yibao}
G=$(cd "$(dirname "$0")/../golden" && pwd)
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
export YIBAO_DB=$D/y.db
pass=0 fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*" >&2; }
expect() { # expect NAME HAYSTACK NEEDLE
  case "$2" in *"$3"*) ok ;; *) bad "$1: no '$3' in: ${2:0:400}" ;; esac
}
expect_rc() { # expect_rc NAME WANT GOT
  [ "$2" = "$3" ] && ok || bad "$1: exit $3, want $2"
}
dump() { sqlite3 "$YIBAO_DB" "SELECT * FROM accum ORDER BY 1,2,3,4; SELECT count(*) FROM settlements; SELECT psn_no, insutype, balc FROM person_insu ORDER BY 1,2;"; }

out=$("$Y" init 2>&1); expect init "$out" "ready (schema version"
out=$("$Y" load policy data/demo/policy.json 2>&1); expect "load policy" "$out" "1 new"
out=$("$Y" load catalog "$G/catalog_small.csv" 2>&1); expect "load catalog" "$out" "4 rows, 4 new"
out=$("$Y" load persons "$G/persons_small.csv" 2>&1); expect "load persons" "$out" "2 rows, 2 new"
# loading a file again updates, it does not duplicate
out=$("$Y" load persons "$G/persons_small.csv" 2>&1); expect "reload persons" "$out" "2 rows, 0 new, 2 updated"
out=$("$Y" load catalog "$G/catalog_small.csv" 2>&1); expect "reload catalog" "$out" "4 rows, 0 new, 4 updated"
out=$("$Y" load policy data/demo/policy.json 2>&1); expect "reload policy" "$out" "1 rows, 0 new, 0 updated, 1 unchanged"
printf 'fixmedins_code,fixmedins_name,hosp_lv,admdvs,begndate,enddate\nH36010000001,示例三甲医院,03,360100,2020-01-01,\n' > "$D/ins.csv"
out=$("$Y" load institutions "$D/ins.csv" 2>&1); expect "load institutions" "$out" "1 rows, 1 new"
out=$("$Y" load institutions "$D/ins.csv" 2>&1); expect "reload institutions" "$out" "1 rows, 0 new, 1 updated"
n=$(sqlite3 "$YIBAO_DB" "SELECT (SELECT count(*) FROM persons) || ' ' || (SELECT count(*) FROM person_insu) || ' ' || (SELECT count(*) FROM catalog) || ' ' || (SELECT count(*) FROM policies) || ' ' || (SELECT count(*) FROM institutions)")
[ "$n" = "2 2 4 1 1" ] && ok || bad "rows after reloading: $n, want 2 2 4 1 1"
# init without --db or $YIBAO_DB creates var/yibao.db (and var/) under the working directory
YA=$(cd "$(dirname "$Y")" && pwd)/$(basename "$Y")
mkdir "$D/cwd"
out=$(cd "$D/cwd" && env -u YIBAO_DB "$YA" init 2>&1); expect "init default path" "$out" "database var/yibao.db ready"
[ -f "$D/cwd/var/yibao.db" ] && ok || bad "init did not create var/yibao.db"
out=$("$Y" load policy data/demo/policy.json --db "$D/none/y.db" 2>&1); expect_rc "load before init rc" 15 $?
expect "load before init" "$out" "run 'yibao init' first"
[ -e "$D/none" ] && bad "load created a database directory" || ok
out=$("$Y" show person P390A --db 2>&1); expect_rc "option without value rc" 1 $?

# pre-settlement: the answer of example A, nothing written
before=$(dump)
out=$("$Y" settle-json "$G/visit_A.json" --pre); expect_rc "pre rc" 0 $?
expect "pre hifp" "$out" '"hifp_pay":6120.00'
expect "pre setl_id" "$out" '"setl_id":null'
[ "$before" = "$(dump)" ] && ok || bad "pre-settlement changed the database"

# example A, then B (大病 threshold reached across visits)
out=$("$Y" settle-json "$G/visit_A.json"); expect_rc "A rc" 0 $?
for f in '"medfee_sumamt":12200.00' '"fulamt_ownpay_amt":1000.00' '"overlmt_selfpay":200.00' '"preselfpay_amt":200.00' \
         '"inscp_scp_amt":10800.00' '"hifp_pay":6120.00' '"hifmi_pay":0.00' '"psn_cash_pay":6080.00' '"setl_id":"S000000000001"'; do
  expect "A $f" "$out" "$f"
done
out=$("$Y" settle-json "$G/visit_B.json"); expect_rc "B rc" 0 $?
for f in '"hifp_pay":23640.00' '"hifmi_pay":2424.00' '"fund_pay_sumamt":26064.00' '"psn_part_amt":13936.00' \
         '"setl_proc_info":"起付线17000.00 分段60% 累计基数21040.00 年度剩余限额297576.00"'; do
  expect "B $f" "$out" "$f"
done
out=$("$Y" show person P390A --json); expect "accum pool" "$out" '"key":"pool/pool","value":29760.00'
expect "accum base" "$out" '"key":"base/居民大病","value":21040.00'
expect "masked certno" "$out" '"certno":"110************2X"'
expect "masked name" "$out" '"psn_name":"测**"'
case "$out" in *11010519491231002X*|*测试甲*) bad "unmasked personal data in show person --json" ;; *) ok ;; esac
# the human-readable form: accumulators in yuan, one line each, admissions as a count
out=$("$Y" show person P390A)
line() { printf '%s\n' "$out" | tr -s ' ' | grep -F -- "$1"; }
expect "human pool" "$(line pool/pool)" "390 2025 pool/pool 29760.00"
expect "human base" "$(line base/居民大病)" "390 2025 base/居民大病 21040.00"
expect "human paid" "$(line paid/居民大病)" "390 2025 paid/居民大病 2424.00"
expect "human adm" "$(line adm/居民住院)" "390 2025 adm/居民住院 2 admissions"
expect "human balance" "$(line 'psn_type 1501 area')" "balc 0.00"
expect "human settlement" "$(line S000000000002)" "medfee 40000.00 fund 26064.00 account 0.00 cash 13936.00"
case "$out" in *11010519491231002X*|*测试甲*) bad "unmasked personal data in show person" ;; *) ok ;; esac
out=$("$Y" show person NOBODY 2>&1); expect_rc "unknown person rc" 15 $?; expect "unknown person" "$out" "no such person"

# idempotency: the same message again is the same answer, applied once
state=$(dump)
out2=$("$Y" settle-json "$G/visit_B.json"); expect_rc "replay rc" 0 $?
expect "replay same setl_id" "$out2" '"setl_id":"S000000000002"'
[ "$state" = "$(dump)" ] && ok || bad "a replayed msgid changed the database"
sed 's/"cnt": 4/"cnt": 5/; s/"det_item_fee_sumamt": 40000/"det_item_fee_sumamt": 50000/' "$G/visit_B.json" > "$D/b2.json"
out=$("$Y" settle-json "$D/b2.json" 2>&1); expect_rc "msgid reuse rc" 20 $?
expect "msgid reuse" "$out" '"infcode":-1'
# the same visit under a new msgid is refused: already settled
sed 's/H36010000001202503010900000002/H36010000001202503010900000099/' "$G/visit_B.json" > "$D/b3.json"
out=$("$Y" settle-json "$D/b3.json" 2>&1); expect_rc "settled twice rc" 18 $?
expect "settled twice" "$out" "already settled"

# reversal of B restores the accumulators of A exactly
out=$("$Y" reverse S000000000002); expect_rc "reverse rc" 0 $?
expect "reverse negative" "$out" '"hifmi_pay":-2424.00'
expect "reverse link" "$out" '"init_setl_id":"S000000000002"'
out=$("$Y" show person P390A --json)
expect "restored pool" "$out" '"key":"pool/pool","value":6120.00'
expect "restored base" "$out" '"key":"base/居民大病","value":4680.00'
expect "restored adm" "$out" '"key":"adm/居民住院","value":1'
case "$out" in *'"key":"paid/居民大病"'*) bad "restored: paid/居民大病 should be gone, as before B" ;; *) ok ;; esac
expect "reversed mark" "$out" '"setl_id":"S000000000002","mdtrt_id":"M2025B"'
expect "reversed by" "$out" '"reversed_by":"S000000000003"'
expect "reversal row" "$out" '"medfee_sumamt":-40000.00'
out=$("$Y" show person P390A)
expect "human restored pool" "$(line pool/pool)" "390 2025 pool/pool 6120.00"
expect "human reversal" "$(line 'reversal of')" "S000000000003 M2025B 390 2025 medfee -40000.00 fund -26064.00"
state=$(dump)
out=$("$Y" reverse S000000000002 2>&1); expect_rc "reverse twice rc" 18 $?; expect "reverse twice" "$out" "already reversed"
out=$("$Y" reverse S000000000003 2>&1); expect_rc "reverse a reversal rc" 18 $?
out=$("$Y" reverse S000000000001 --psn P310C 2>&1); expect_rc "other person rc" 23 $?
out=$("$Y" reverse S404 2>&1); expect_rc "unknown rc" 15 $?
[ "$state" = "$(dump)" ] && ok || bad "a refused reversal changed the database"
# after the reversal, the visit settles again under a new message, to the same numbers
out=$("$Y" settle-json "$D/b3.json"); expect_rc "resettle rc" 0 $?
expect "resettle" "$out" '"hifmi_pay":2424.00'

# example C: retired employee, outpatient, personal account 1000.00 from the registry
sed -e 's/P390A/P310C/g' -e 's/"insutype": "390"/"insutype": "310"/' -e 's/"med_type": "21"/"med_type": "11"/' \
    -e 's/"hosp_lv": "03"/"hosp_lv": "05"/' -e 's/"acct_used_flag": "0"/"acct_used_flag": "1"/' -e 's/M2025A/M2025C/' \
    -e 's/202501150900000001/202501150900000003/' -e 's/"psn_type": "1501"/"psn_type": "1201"/' "$G/visit_A.json" |
  python3 -c 'import json,sys; d=json.load(sys.stdin); d["input"]["feedetail"]=[{"feedetl_sn":"1","med_list_codg":"A","cnt":1,"pric":500,"det_item_fee_sumamt":500}]; [d["input"]["data"].pop(k) for k in ["medfee_sumamt","fulamt_ownpay_amt","overlmt_selfpay","preselfpay_amt","inscp_scp_amt"]]; print(json.dumps(d, ensure_ascii=False))' > "$D/c.json"
out=$("$Y" settle-json "$D/c.json"); expect_rc "C rc" 0 $?
for f in '"hifp_pay":130.00' '"acct_pay":370.00' '"psn_cash_pay":0.00' '"balc":630.00'; do expect "C $f" "$out" "$f"; done

# bad input: the error names the field and value, nothing is written
state=$(dump)
sed 's/"cnt": "1", "pric": "2000.00"/"cnt": "1.00001", "pric": "2000.00"/; s/202501150900000001/202501150900000077/; s/M2025A/M2025X/' "$G/visit_A.json" > "$D/bad1.json"
out=$("$Y" settle-json "$D/bad1.json" 2>&1); expect_rc "over-precise rc" 14 $?
expect "over-precise names path" "$out" "input.feedetail[1].cnt"
sed 's/"det_item_fee_sumamt": 1200}/"det_item_fee_sumamt": 1200.02}/; s/202501150900000001/202501150900000078/; s/M2025A/M2025Y/' "$G/visit_A.json" > "$D/bad2.json"
out=$("$Y" settle-json "$D/bad2.json" 2>&1); expect_rc "mismatch rc" 19 $?
expect "mismatch names line" "$out" "feedetail[3].det_item_fee_sumamt"
sed 's/"insutype": "390"/"insutype": "999"/; s/202501150900000001/202501150900000079/; s/M2025A/M2025Z/' "$G/visit_A.json" > "$D/bad3.json"
out=$("$Y" settle-json "$D/bad3.json" 2>&1); expect_rc "insutype rc" 21 $?
expect "insutype" "$out" "'insutype' value '999'"
sed 's/"insuplc_admdvs": "360100"/"insuplc_admdvs": "110100"/; s/202501150900000001/202501150900000080/; s/M2025A/M2025W/' "$G/visit_A.json" > "$D/bad4.json"
out=$("$Y" settle-json "$D/bad4.json" 2>&1); expect_rc "area rc" 21 $?
expect "area" "$out" "no policy of this area"
sed 's/"feedetl_sn": "2"/"feedetl_sn": "1"/; s/202501150900000001/202501150900000081/; s/M2025A/M2025V/' "$G/visit_A.json" > "$D/bad5.json"
out=$("$Y" settle-json "$D/bad5.json" 2>&1); expect_rc "duplicate sn rc" 20 $?
[ "$state" = "$(dump)" ] && ok || bad "a refused visit left something behind"
printf 'psn_no,certno,psn_name,gend,brdy,insutype,psn_type,cvlserv_flag,sp_psn_type,insu_admdvs,balc\nPX,110105194912310021,某,2,,390,1501,0,,360100,0\n' > "$D/p.csv"
out=$("$Y" load persons "$D/p.csv" 2>&1); expect_rc "bad ID rc" 12 $?
expect "bad ID names line" "$out" "p.csv:2: field 'certno'"
case "$out" in *110105194912310021*) bad "unmasked ID number in an error" ;; *) ok ;; esac
printf 'med_list_codg,name,list_type,chrgitm_lv,selfpay_prop,pric_uplmt_amt_lv1,pric_uplmt_amt_lv2,pric_uplmt_amt_lv3,begndate,enddate,admdvs\nZ1,x,101,01,,,,,2020-01-01,,\nZ2,y,101,02,0.123456,,,,2020-01-01,,\n' > "$D/c.csv"
out=$("$Y" load catalog "$D/c.csv" 2>&1); expect_rc "bad catalogue rc" 14 $?
expect "bad catalogue" "$out" "c.csv:3: field 'selfpay_prop' value '0.123456'"
n=$(sqlite3 "$YIBAO_DB" "SELECT count(*) FROM catalog WHERE med_list_codg='Z1'"); [ "$n" = 0 ] && ok || bad "a catalogue file with a bad row loaded some rows"

# the accumulators equal the sum of the deltas every settlement and reversal recorded, in commit order
a=$(sqlite3 "$YIBAO_DB" "SELECT psn_no, insutype, year, key, value FROM accum WHERE value <> 0 ORDER BY 1,2,3,4")
r=$(sqlite3 "$YIBAO_DB" "SELECT psn_no, insutype, year, key, sum(delta) FROM setl_deltas GROUP BY 1,2,3,4 HAVING sum(delta) <> 0 ORDER BY 1,2,3,4")
[ -n "$a" ] && [ "$a" = "$r" ] && ok || bad "accumulators differ from the replay of recorded deltas"
# and a replay of the surviving settlements, in commit order, into a fresh database gives the same state
export YIBAO_DB=$D/replay.db
"$Y" init >/dev/null && "$Y" load policy data/demo/policy.json >/dev/null && "$Y" load catalog "$G/catalog_small.csv" >/dev/null &&
  "$Y" load persons "$G/persons_small.csv" >/dev/null
for f in "$G/visit_A.json" "$D/b3.json" "$D/c.json"; do "$Y" settle-json "$f" >/dev/null || bad "replay of $f"; done
r2=$(sqlite3 "$YIBAO_DB" "SELECT psn_no, insutype, year, key, value FROM accum WHERE value <> 0 ORDER BY 1,2,3,4")
[ "$a" = "$r2" ] && ok || bad "replay in commit order gives other accumulators: $a // $r2"

# concurrency: eight visits of one person settled by eight processes at once. Every one commits,
# and each equals what a sequential replay in commit (setl_id) order computes — the visits cross the
# 大病 threshold and the pool cap, so another order would give other amounts.
conc_db() { export YIBAO_DB=$1; "$Y" init >/dev/null && "$Y" load policy data/demo/policy.json >/dev/null &&
  "$Y" load catalog "$G/catalog_small.csv" >/dev/null && "$Y" load persons "$G/persons_small.csv" >/dev/null; }
conc_db "$D/conc.db"
for i in 1 2 3 4 5 6 7 8; do
  sed -e "s/M2025B/MC$i/" -e "s/H36010000001202503010900000002/H3601000000120250301090000010$i/" \
      -e "s/\"cnt\": 4,/\"cnt\": $i,/" -e "s/\"det_item_fee_sumamt\": 40000/\"det_item_fee_sumamt\": $((i * 10000))/" \
      "$G/visit_B.json" > "$D/conc$i.json"
done
pids=""
for i in 1 2 3 4 5 6 7 8; do "$Y" settle-json "$D/conc$i.json" > "$D/conc$i.out" 2>&1 & pids="$pids $!"; done
okc=0; for p in $pids; do wait "$p" && okc=$((okc + 1)); done
[ "$okc" = 8 ] && ok || bad "concurrent settlements: $okc of 8 succeeded: $(cat "$D"/conc*.out | grep -v infcode\":0 | head -3)"
q="SELECT mdtrt_id, hifp_pay, hifmi_pay, fund_pay_sumamt FROM settlements ORDER BY setl_id"
got=$(sqlite3 "$YIBAO_DB" "$q"); order=$(sqlite3 "$YIBAO_DB" "SELECT mdtrt_id FROM settlements ORDER BY setl_id")
conc_db "$D/conc_replay.db"
for m in $order; do "$Y" settle-json "$D/conc${m#MC}.json" >/dev/null || bad "replay of $m"; done
want=$(sqlite3 "$YIBAO_DB" "$q")
[ -n "$got" ] && [ "$got" = "$want" ] && ok || bad "concurrent settlements differ from the replay in commit order: $got // $want"
capped=$(sqlite3 "$YIBAO_DB" "SELECT sum(hifp_pay) FROM settlements")
[ "$capped" = 10000000 ] && ok || bad "pool paid $capped fen in the year, want the cap 10000000"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
