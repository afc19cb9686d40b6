#!/usr/bin/env bash
# settle_audit.sh — `yibao settle --rules DIR`: each visit goes through the audit rules before it is
# settled and the violating part of every `deny` hit is settled as 全自费; hand-computed amounts
# with and without the rules, the audit line of the summary, and a visit whose denied part cannot
# get its "-D" serial number rejected with the field named. $1 = the yibao binary.
set -u
Y=${1:?usage: settle_audit.sh path/to/yibao}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
pass=0 fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*" >&2; }
expect() { case "$2" in *"$3"*) ok ;; *) bad "$1: no '$3' in: ${2:0:900}" ;; esac; }

# Area 360100, employees (310) outpatient (med_type 11): deductible 100.00 a year, then 50 %,
# annual cap 150.00. Every code of the catalogue is 甲 (no pre-self-pay, no price cap).
cat > "$D/policy.json" <<'EOF'
{"admdvs":"360100","version":"t1","effective_from":"2025-01-01",
 "insutypes":{"310":{"account":true,"blocks":[{"name":"otp","med_types":["11"],
   "deductible":{"per":"year","by_class":{"1":"100","2":"100","3":"100"}},
   "ratio":{"1":"0.50","2":"0.50","3":"0.50"},"cap_group":"otp","annual_cap":{"all":"150"}}]}}}
EOF
cat > "$D/catalog.csv" <<'EOF'
med_list_codg,name,list_type,chrgitm_lv,selfpay_prop,pric_uplmt_amt_lv1,pric_uplmt_amt_lv2,pric_uplmt_amt_lv3,begndate,enddate,admdvs
001102000050000,住院诊查费,201,01,,,,,2020-01-01,,
002503020030000,糖化血红蛋白测定,201,01,,,,,2020-01-01,,
XL02BBA326A001010102180,阿帕他胺片,101,01,,,,,2020-01-01,,
EOF
H="mdtrt_id,psn_no,insutype,psn_type,cvlserv_flag,sp_psn_type,insu_admdvs,gend,brdy,hosp_lv,fix_blng_admdvs,rloc_type,med_type,begntime,endtime,fixmedins_code,fixmedins_name"
cat > "$D/md.csv" <<EOF
$H
V2,P1,310,1101,0,,360100,2,1980-01-01,01,360100,,11,2025-03-10 09:00:00,2025-03-10 10:00:00,H1,示例医院
V1,P1,310,1101,0,,360100,2,1980-01-01,01,360100,,11,2025-03-02 08:00:00,2025-03-02 11:00:00,H1,示例医院
EOF
F="bkkp_sn,mdtrt_id,psn_no,fee_ocur_time,med_list_codg,cnt,pric,det_item_fee_sumamt"
cat > "$D/fee.csv" <<EOF
$F
L4,V2,P1,2025-03-10 09:30:00,002503020030000,1,30,30.00
L1,V1,P1,2025-03-02 09:00:00,001102000050000,2,20,40.00
L2,V1,P1,2025-03-02 10:00:00,XL02BBA326A001010102180,1,100,100.00
L3,V1,P1,2025-03-02 10:00:00,002503020030000,1,30,30.00
EOF

col() { # col FILE MDTRT COLUMN
  python3 -c 'import csv,sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    if r["mdtrt_id"] == sys.argv[2]: print(r[sys.argv[3]])' "$1" "$2" "$3"
}
check() { v=$(col "$1" "$2" "$3"); [ "$v" = "$4" ] && ok || bad "$(basename "$1") $2.$3 = '$v', want $4"; }

# Without rules. V1: 170.00 all in scope; deductible 100.00; (170 - 100) x 50 % = 35.00 fund.
# V2: 30.00, deductible met: 15.00 fund (Σ 50.00 under the cap of 150).
out=$("$Y" settle --policy "$D/policy.json" --catalog "$D/catalog.csv" --mdtrt "$D/md.csv" --fee "$D/fee.csv" \
      --out "$D/plain.csv" 2>&1); rc=$?
[ $rc -eq 0 ] && ok || bad "plain settle exit $rc: $out"
check "$D/plain.csv" V1 medfee_sumamt 170.00; check "$D/plain.csv" V1 fulamt_ownpay_amt 0.00
check "$D/plain.csv" V1 hifp_pay 35.00;      check "$D/plain.csv" V2 hifp_pay 15.00
case "$out" in *"audit (rules"*) bad "audit line without --rules" ;; *) ok ;; esac

# With the national rules: three deny hits (see tests/integ/audit_cli.sh for the same lines):
#   YB18   L1 住院诊查费 2 on one day, limit 1 -> 1 unit denied: L1 becomes 20.00 paid + L1-D 20.00 denied
#   YB09   L2 阿帕他胺片 for a woman -> the whole 100.00 denied
#   YB18.2 L4 糖化血红蛋白 9 days after L3, cycle 15 days -> the whole 30.00 denied
# V1: medfee 170.00, 全自费 20.00 + 100.00 = 120.00, in scope 50.00 < deductible 100.00 -> fund 0.00
# V2: medfee 30.00, all 全自费 -> in scope 0.00, fund 0.00
out=$("$Y" settle --policy "$D/policy.json" --catalog "$D/catalog.csv" --mdtrt "$D/md.csv" --fee "$D/fee.csv" \
      --out "$D/aud.csv" --rules data/rules/nhsa 2>&1); rc=$?
[ $rc -eq 0 ] && ok || bad "settle --rules exit $rc: $out"
check "$D/aud.csv" V1 medfee_sumamt 170.00; check "$D/aud.csv" V1 fulamt_ownpay_amt 120.00
check "$D/aud.csv" V1 inscp_amt 50.00;      check "$D/aud.csv" V1 hifp_pay 0.00
check "$D/aud.csv" V1 psn_pay 170.00
check "$D/aud.csv" V2 medfee_sumamt 30.00;  check "$D/aud.csv" V2 fulamt_ownpay_amt 30.00
check "$D/aud.csv" V2 hifp_pay 0.00
expect "audit summary" "$out" "audit (rules data/rules/nhsa): 3 hits, 3 deny; 3 lines denied for 150.00 (settled as 全自费); 0 visits to review"
expect "reconciles" "$out" "reconciliation: medfee 200.00 = fund 0.00 + person 200.00"
expect "settled both" "$out" "settled 2, rejected 0"

# A partly denied line whose bkkp_sn leaves no room for "-D" (38 characters, at most 37): the
# visit is rejected naming the field; the other visit settles.
L=LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL1
sed "s/^L1,/$L,/" "$D/fee.csv" > "$D/fee_long.csv"
out=$("$Y" settle --policy "$D/policy.json" --catalog "$D/catalog.csv" --mdtrt "$D/md.csv" --fee "$D/fee_long.csv" \
      --out "$D/long.csv" --rejects "$D/rej.csv" --rules data/rules/nhsa 2>&1); rc=$?
[ $rc -eq 0 ] && ok || bad "settle long exit $rc: $out"
expect "long rejected" "$out" "settled 1, rejected 1"
expect "long field" "$(cat "$D/rej.csv")" "V1,P1,feedetl_sn,$L,limit,no room for the -D suffix of a denied part (at most 37 characters)"

# a rule set that does not load: refused before anything is written
out=$("$Y" settle --policy "$D/policy.json" --catalog "$D/catalog.csv" --mdtrt "$D/md.csv" --fee "$D/fee.csv" \
      --out "$D/none.csv" --rules "$D/nope" 2>&1); rc=$?
[ $rc -ne 0 ] && ok || bad "missing rule set accepted"
[ ! -e "$D/none.csv" ] && ok || bad "output written without a rule set"

echo "settle_audit: $pass passed, $fail failed"
[ $fail -eq 0 ]
