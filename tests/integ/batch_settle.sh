#!/usr/bin/env bash
# batch_settle.sh — `yibao settle` on small extract tables written here in scrambled order:
# the worked examples A, B (大病 across visits) and C (account) to the fen, rejected visits with
# file, line, field and value, identical output whatever the input order, and a missing column.
# $1 = the yibao binary.
set -u
Y=${1:?usage: batch_settle.sh path/to/yibao}
G=$(cd "$(dirname "$0")/../golden" && pwd)
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
pass=0 fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*" >&2; }
expect() { case "$2" in *"$3"*) ok ;; *) bad "$1: no '$3' in: ${2:0:600}" ;; esac; }

python3 - "$G" "$D" <<'PY'
import csv, random, sys
g, d = sys.argv[1], sys.argv[2]
mh = next(csv.reader(open(f"{g}/mdtrt_d.header.csv", encoding="utf-8"))) + ["acct_used_flag"]
fh = next(csv.reader(open(f"{g}/fee_list_d.header.csv", encoding="utf-8")))
def visit(mdtrt, psn, insutype, psn_type, hosp_lv, med_type, begin, end, acct="0", area="360100", rloc=""):
    r = dict.fromkeys(mh, "")
    r.update(mdtrt_id=mdtrt, psn_no=psn, insutype=insutype, psn_type=psn_type, cvlserv_flag="0", insu_admdvs="360100",
             fixmedins_code="H36010000001", fixmedins_name="示例医院", hosp_lv=hosp_lv, fix_blng_admdvs=area,
             begntime=begin, endtime=end, med_type=med_type, acct_used_flag=acct, rloc_type=rloc, psn_name="测试")
    return [r[h] for h in mh]
sn = [0]
def line(mdtrt, psn, code, cnt, pric, sumamt, t="2025-01-06 10:00:00"):
    sn[0] += 1
    r = dict.fromkeys(fh, "")
    r.update(bkkp_sn=f"L{sn[0]}", mdtrt_id=mdtrt, psn_no=psn, fee_ocur_time=t, med_list_codg=code, cnt=cnt, pric=pric,
             det_item_fee_sumamt=sumamt)
    return [r[h] for h in fh]
visits = [
    visit("VA", "P390A", "390", "1501", "03", "21", "2025-01-05 08:00:00", "2025-01-15 09:00:00"),
    visit("VB", "P390A", "390", "1501", "03", "21", "2025-02-20 08:00:00", "2025-03-01 09:00:00"),
    visit("VC", "P310C", "310", "1201", "05", "11", "2025-04-01 08:00:00", "2025-04-01 09:00:00", acct="1"),
    visit("VBAD", "P310C", "310", "1201", "05", "11", "2025-05-01 08:00:00", "2025-05-01 09:00:00"),
    visit("VMIS", "P310D", "310", "1101", "05", "11", "2025-05-01 08:00:00", "2025-05-01 09:00:00"),
]
lines = [
    line("VA", "P390A", "A", "1", "8000", "8000.00"), line("VA", "P390A", "B", "1", "2000", "2000.00"),
    line("VA", "P390A", "C", "1", "1000", "1000.00"), line("VA", "P390A", "D", "10", "120.000000", "1200.00"),
    line("VB", "P390A", "A", "4", "10000", "40000.00", "2025-02-21 10:00:00"),
    line("VC", "P310C", "A", "1", "500", "500.00", "2025-04-01 08:30:00"),
    line("VBAD", "P310C", "A", "1.00001", "500", "500.00", "2025-05-01 08:30:00"),
    line("VGONE", "P310C", "A", "1", "10", "10.00", "2025-05-01 08:30:00"),
]
for order in ("sorted", "scrambled"):
    v, l = list(visits), list(lines)
    if order == "scrambled":
        random.Random(7).shuffle(v); random.Random(11).shuffle(l)
    with open(f"{d}/mdtrt_{order}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n"); w.writerow(mh); w.writerows(v)
    with open(f"{d}/fee_{order}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n"); w.writerow(fh); w.writerows(l)
open(f"{d}/balances.csv", "w").write("psn_no,insutype,balc\nP310C,310,1000.00\n")
PY

"$Y" init --db "$D/y.db" >/dev/null && "$Y" load policy data/demo/policy.json --db "$D/y.db" >/dev/null &&
  "$Y" load catalog "$G/catalog_small.csv" --db "$D/y.db" >/dev/null || bad "set-up"
for order in sorted scrambled; do
  out=$("$Y" settle --db "$D/y.db" --mdtrt "$D/mdtrt_$order.csv" --fee "$D/fee_$order.csv" --acct "$D/balances.csv" \
        --out "$D/setl_$order.csv" --detail "$D/detail_$order.csv" --rejects "$D/rej_$order.csv" 2>&1)
  [ $? -eq 0 ] && ok || bad "settle $order failed: $out"
  expect "$order summary counts" "$out" "settled 3, rejected 3"
  expect "$order reconciles" "$out" "reconciliation: medfee 52700.00 = fund 32314.00 + person 20386.00 (account 370.00 + cash 20016.00): ok"
done
cmp -s "$D/setl_sorted.csv" "$D/setl_scrambled.csv" && ok || bad "output depends on input order"
cmp -s "$D/detail_sorted.csv" "$D/detail_scrambled.csv" && ok || bad "detail depends on input order"

col() { # col FILE MDTRT COLUMN
  python3 -c 'import csv,sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    if r["mdtrt_id"] == sys.argv[2]: print(r[sys.argv[3]])' "$1" "$2" "$3"
}
S=$D/setl_scrambled.csv
check() { v=$(col "$S" "$1" "$2"); [ "$v" = "$3" ] && ok || bad "$1.$2 = '$v', want $3"; }
check VA medfee_sumamt 12200.00; check VA fulamt_ownpay_amt 1000.00; check VA overlmt_selfpay 200.00
check VA preselfpay_amt 200.00; check VA inscp_amt 10800.00; check VA hifp_pay 6120.00; check VA hifmi_pay 0.00
check VA psn_pay 6080.00; check VA pool_prop_selfpay 0.6000; check VA year 2025; check VA begndate 2025-01-05
check VB hifp_pay 23640.00; check VB hifmi_pay 2424.00; check VB fund_pay_sumamt 26064.00; check VB psn_pay 13936.00
check VC hifp_pay 130.00; check VC acct_pay 370.00; check VC cash_payamt 0.00; check VC balc 630.00
check VC acct_used_flag 1; check VC psn_name 测试
[ "$(head -1 "$S" | tr ',' '\n' | wc -l)" = 100 ] && ok || bad "setl_d does not have the 100 national columns"
rej=$(cat "$D/rej_scrambled.csv")
expect "reject over-precise" "$rej" "fee_scrambled.csv"
expect "reject over-precise field" "$rej" "VBAD,P310C,cnt,1.00001,precision,more than 4 decimals"
expect "reject no lines" "$rej" "VMIS,P310D,mdtrt_id,VMIS,invalid,the visit has no fee lines"
expect "reject orphan lines" "$rej" "VGONE,P310C,mdtrt_id,VGONE,notfound"
d=$(grep '^VB,' "$D/detail_scrambled.csv" | grep 390200)
expect "detail 大病 row" "$d" "VB,SVB,P390A,390200,居民大病,16360.00,2424.00,297576.00,起付线17000.00 分段60% 累计基数21040.00 年度剩余限额297576.00"

# a missing column stops before anything is written
python3 -c 'import sys; l=open(sys.argv[1], encoding="utf-8").read().split("\n"); h=l[0].split(","); i=h.index("det_item_fee_sumamt"); print("\n".join(",".join(c for k,c in enumerate(r.split(",")) if k!=i) for r in l if r))' "$D/fee_sorted.csv" > "$D/fee_nocol.csv"
out=$("$Y" settle --db "$D/y.db" --mdtrt "$D/mdtrt_sorted.csv" --fee "$D/fee_nocol.csv" --out "$D/none.csv" 2>&1)
[ $? -ne 0 ] && ok || bad "missing column accepted"
expect "missing column" "$out" "fee_nocol.csv:1: field 'det_item_fee_sumamt' value '': missing column 'det_item_fee_sumamt'"
[ ! -e "$D/none.csv" ] && ok || bad "output written although the input was refused"

# spill to disk: a tiny sort run forces external merge, same result
out=$("$Y" settle --run-bytes 8192 --db "$D/y.db" --mdtrt "$D/mdtrt_scrambled.csv" --fee "$D/fee_scrambled.csv" \
      --acct "$D/balances.csv" --out "$D/setl_small_runs.csv" 2>&1)
cmp -s "$D/setl_scrambled.csv" "$D/setl_small_runs.csv" && ok || bad "external merge changed the result: $out"

# reference data from files instead of the database: the same result
out=$("$Y" settle --policy data/demo/policy.json --catalog "$G/catalog_small.csv" --mdtrt "$D/mdtrt_scrambled.csv" \
      --fee "$D/fee_scrambled.csv" --acct "$D/balances.csv" --out "$D/setl_files.csv" 2>&1)
cmp -s "$D/setl_scrambled.csv" "$D/setl_files.csv" && ok || bad "reference data from files differs: $out"
# the same policy as two versions (split at 2025-03-01): the same result; a version missing: rejected visits
python3 - "$D" <<'PY'
import json, sys
p = json.load(open("data/demo/policy.json", encoding="utf-8"))
a = dict(p, effective_to="2025-02-28"); b = dict(p, version="2025.split", effective_from="2025-03-01")
json.dump(a, open(f"{sys.argv[1]}/pa.json", "w", encoding="utf-8"), ensure_ascii=False)
json.dump(b, open(f"{sys.argv[1]}/pb.json", "w", encoding="utf-8"), ensure_ascii=False)
PY
out=$("$Y" settle --policy "$D/pa.json" --policy "$D/pb.json" --catalog "$G/catalog_small.csv" --mdtrt "$D/mdtrt_scrambled.csv" \
      --fee "$D/fee_scrambled.csv" --acct "$D/balances.csv" --out "$D/setl_two.csv" 2>&1)
cmp -s "$D/setl_scrambled.csv" "$D/setl_two.csv" && ok || bad "two policy versions differ from one: $out"
out=$("$Y" settle --policy "$D/pa.json" --catalog "$G/catalog_small.csv" --mdtrt "$D/mdtrt_scrambled.csv" \
      --fee "$D/fee_scrambled.csv" --acct "$D/balances.csv" --out "$D/setl_one.csv" 2>&1)
expect "no version in force" "$out" "no policy of this area is in force on 2025-03-01 (policy)"
out=$("$Y" settle --policy data/demo/nope.json --catalog "$G/catalog_small.csv" --mdtrt "$D/mdtrt_scrambled.csv" \
      --fee "$D/fee_scrambled.csv" --out "$D/setl_none.csv" 2>&1)
expect "missing policy file" "$out" "data/demo/nope.json: cannot open the file (io)"

# an output that is not a regular file is written in place, never replaced: a full device fails the
# batch naming it, /dev/stdout carries setl_d
if [ -c /dev/full ]; then
  out=$("$Y" settle --policy data/demo/policy.json --catalog "$G/catalog_small.csv" --mdtrt "$D/mdtrt_scrambled.csv" \
        --fee "$D/fee_scrambled.csv" --out /dev/full 2>&1)
  [ $? -ne 0 ] && ok || bad "writing to a full device succeeded"
  expect "full device" "$out" "/dev/full: write failed (disk full?) (io)"
  [ -c /dev/full ] && ok || bad "/dev/full was replaced"
fi
out=$("$Y" settle --policy data/demo/policy.json --catalog "$G/catalog_small.csv" --mdtrt "$D/mdtrt_scrambled.csv" \
      --fee "$D/fee_scrambled.csv" --acct "$D/balances.csv" --out /dev/stdout 2>&1)
expect "setl_d on stdout" "$out" "SVC,,,VC,"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
