#!/usr/bin/env bash
# audit_cli.sh — `yibao audit` end to end on small hand-written extract tables: the exact violation
# rows (national rows: 住院诊查费 001102000050000 twice on one day, 阿帕他胺片 for a woman, 糖化血红蛋白
# 测定 twice within 15 days across two visits), rejected visits and orphan lines with their
# reports, a missing column refused before anything is written, identical output whatever the row
# order and the sort memory, diagnoses from setl_list_diag_d, and --compare of two rule sets with
# the hits and amounts gained and lost. $1 = the yibao binary.
set -u
Y=${1:?usage: audit_cli.sh path/to/yibao}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
pass=0 fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*" >&2; }
expect() { case "$2" in *"$3"*) ok ;; *) bad "$1: no '$3' in: ${2:0:800}" ;; esac; }
same() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2' want '$3'"; fi; }
R=data/rules/nhsa

# Person P1 (woman, born 1980): an admission V1 (03-01..03-05) and an outpatient visit V2 (03-10).
# P2: V3 has a bad cnt (rejected); V9 has a line but no mdtrt_d row (orphan).
cat > "$D/md.csv" <<'EOF'
mdtrt_id,psn_no,gend,brdy,insutype,med_type,hosp_lv,fixmedins_code,begntime,endtime,dscg_maindiag_code
V2,P1,2,1980-01-01,310,11,01,H1,2024-03-10 09:00:00,2024-03-10 10:00:00,
V1,P1,2,1980-01-01,310,21,01,H1,2024-03-01 08:00:00,2024-03-05 10:00:00,E11.900
V3,P2,1,1970-05-05,310,11,01,H1,2024-04-01 08:00:00,,
EOF
cat > "$D/fee.csv" <<'EOF'
bkkp_sn,mdtrt_id,psn_no,fee_ocur_time,med_list_codg,hilist_name,cnt,pric,det_item_fee_sumamt
L4,V2,P1,2024-03-10 09:30:00,002503020030000,糖化血红蛋白测定,1,30,30.00
L1,V1,P1,2024-03-02 09:00:00,001102000050000,住院诊查费,2,20,40.00
L2,V1,P1,2024-03-02 10:00:00,XL02BBA326A001010102180,阿帕他胺片,1,100,100.00
L3,V1,P1,2024-03-01 10:00:00,002503020030000,糖化血红蛋白测定,1,30,30.00
L5,V3,P2,2024-04-01 09:00:00,001102000050000,住院诊查费,x,20,20.00
L6,V9,P2,2024-04-01 09:00:00,001102000050000,住院诊查费,1,20,20.00
EOF

out=$("$Y" audit --rules $R --mdtrt "$D/md.csv" --fee "$D/fee.csv" --out "$D/v.csv" --rejects "$D/rej.csv" 2>&1); rc=$?
same "audit exit" "$rc" 0
# YB18: 2 units on 03-02, limit 1/day -> 1 unit x 20.00 = 20.00
# YB09: 阿帕他胺片 is 男 only, P1 is a woman -> the whole line, 1 x 100.00
# YB18.2: 15-day cycle, L3 paid on 03-01, L4 on 03-10 (9 days later) -> L4 whole, 30.00; L3 involved
# total 20.00 + 100.00 + 30.00 = 150.00
cat > "$D/want.csv" <<'EOF'
jr_id,rule_id,id,rule_name,vola_cont,vola_amt,vola_amt_stas,sev_deg,vola_evid,vola_bhvr_type,effect,mdtrt_id,psn_no,feedetl_sn,vola_lines,involved
J1,YB09,YB09,超性别对象限定用药,阿帕他胺片限男性使用，参保人性别为女,100.00,1,1,两库第一批 限定性别对象 XL02BBA326A001010102180 男,03,deny,V1,P1,L2,L2:1:100.00,
J2,YB18,YB18,超频次限定诊疗,住院诊查费当日计费2次，超过限定频次1次/日,20.00,1,1,两库第八批-1 限定频次 001102000050000 1/日,02,deny,V1,P1,L1,L1:1:20.00,
J3,YB18,YB18.2,超频次限定诊疗,糖化血红蛋白测定15天内计费2次，超过限定周期15天1次,30.00,1,1,两库第八批-4 限定周期 002503020030000 1次/15天,02,deny,V2,P1,L4,L4:1:30.00,V1:L3
EOF
if cmp -s "$D/v.csv" "$D/want.csv"; then ok; else bad "violations differ: $(diff "$D/v.csv" "$D/want.csv")"; fi
cat > "$D/wantrej.csv" <<'EOF'
file,line,mdtrt_id,psn_no,field,value,rc,message
EOF
echo "$D/fee.csv,6,V3,P2,cnt,x,invalid,not a decimal" >> "$D/wantrej.csv"
echo "$D/fee.csv,7,V9,P2,mdtrt_id,V9,notfound,1 fee line(s) of a visit that is not in mdtrt_d for this person" >> "$D/wantrej.csv"
if cmp -s "$D/rej.csv" "$D/wantrej.csv"; then ok; else bad "rejects differ: $(diff "$D/rej.csv" "$D/wantrej.csv")"; fi
expect "summary counts" "$out" "visits read 3, fee lines read 6, diagnoses read 0, persons 2"
expect "summary audited" "$out" "visits audited 2, rejected 2"
expect "summary YB18" "$out" "YB18     超频次限定诊疗              deny          1        1        1         20.00"
expect "summary YB09" "$out" "YB09     超性别对象限定用药          deny          1        1        1        100.00"
expect "summary total" "$out" "3                            150.00"

# the same rows plus 80 lines of a code no rule names, in another order, sorted on disk with tiny
# runs: the same bytes
{ cat "$D/fee.csv"; for i in $(seq 10 89); do echo "F$i,V1,P1,2024-03-03 09:00:00,X000000000000$i,x,1,1,1.00"; done; } > "$D/feeb.csv"
{ head -1 "$D/feeb.csv"; tail -n +2 "$D/feeb.csv" | sort -r; } > "$D/fee2.csv"
{ head -1 "$D/md.csv"; tail -n +2 "$D/md.csv" | sort; } > "$D/md2.csv"
# (--keep-all-lines: the 80 lines no rule needs are sorted too, so the runs spill)
out=$("$Y" audit --rules $R --mdtrt "$D/md2.csv" --fee "$D/fee2.csv" --out "$D/v2.csv" --run-bytes 4096 --keep-all-lines 2>&1)
if cmp -s "$D/v.csv" "$D/v2.csv"; then ok; else bad "order/spill changed the output: $(diff "$D/v.csv" "$D/v2.csv")"; fi
expect "spilled" "$out" "sorted on disk"
expect "all lines kept" "$out" "fee lines some rule needs 86 of 86"
# the line filter: the 80 lines are counted, not sorted, and the output is the same
out=$("$Y" audit --rules $R --mdtrt "$D/md2.csv" --fee "$D/fee2.csv" --out "$D/v3.csv" --run-bytes 4096 2>&1)
if cmp -s "$D/v.csv" "$D/v3.csv"; then ok; else bad "the line filter changed the output: $(diff "$D/v.csv" "$D/v3.csv")"; fi
expect "filtered" "$out" "fee lines some rule needs 6 of 86"

# --rule-ids limits the rules; an unknown id is refused
"$Y" audit --rules $R --mdtrt "$D/md.csv" --fee "$D/fee.csv" --out "$D/v3.csv" --rule-ids YB18 >/dev/null 2>&1
same "rule-ids rows" "$(tail -n +2 "$D/v3.csv" | cut -d, -f3 | tr '\n' ' ')" "YB18 YB18.2 "
out=$("$Y" audit --rules $R --mdtrt "$D/md.csv" --fee "$D/fee.csv" --out "$D/v4.csv" --rule-ids YB99 2>&1); rc=$?
[ $rc -ne 0 ] && ok || bad "unknown rule id accepted"
[ ! -e "$D/v4.csv" ] && ok || bad "output written despite the error"

# a missing required column: refused, nothing written
cut -d, -f1-8 "$D/fee.csv" > "$D/fee_nosum.csv"
out=$("$Y" audit --rules $R --mdtrt "$D/md.csv" --fee "$D/fee_nosum.csv" --out "$D/v5.csv" 2>&1); rc=$?
[ $rc -ne 0 ] && ok || bad "missing column accepted"
expect "missing column" "$out" "missing column 'det_item_fee_sumamt'"
[ ! -e "$D/v5.csv" ] && ok || bad "output written despite a missing column"
out=$("$Y" audit --mdtrt "$D/md.csv" 2>&1); rc=$?
same "usage exit" "$rc" 1

# readmission (YB40) needs the main diagnosis: from setl_list_diag_d. P3 is discharged from H1 on
# 05-10 and admitted again on 05-20 (10 days <= 15) with the same 3-character diagnosis I63.
cat > "$D/md3.csv" <<'EOF'
mdtrt_id,psn_no,gend,brdy,insutype,med_type,hosp_lv,fixmedins_code,begntime,endtime
W2,P3,1,1960-01-01,310,21,01,H1,2024-05-20 08:00:00,2024-05-25 08:00:00
W1,P3,1,1960-01-01,310,21,01,H1,2024-05-01 08:00:00,2024-05-10 08:00:00
EOF
cat > "$D/fee3.csv" <<'EOF'
bkkp_sn,mdtrt_id,psn_no,fee_ocur_time,med_list_codg,cnt,pric,det_item_fee_sumamt
A1,W1,P3,2024-05-02 09:00:00,XN02BEA001A001010100001,1,10,10.00
A2,W2,P3,2024-05-21 09:00:00,XN02BEA001A001010100001,1,10,10.00
EOF
cat > "$D/diag3.csv" <<'EOF'
mdtrt_id,psn_no,diag_code,maindiag_flag,diag_name
W2,P3,I10.x00,0,高血压
W2,P3,I63.900,1,脑梗死
W1,P3,I63.000,1,脑梗死
EOF
"$Y" audit --rules $R --mdtrt "$D/md3.csv" --fee "$D/fee3.csv" --diag "$D/diag3.csv" --out "$D/v6.csv" >/dev/null 2>&1
same "readmission" "$(tail -n +2 "$D/v6.csv" | cut -d, -f3,6,12,16)" "YB40,0.00,W2,"
"$Y" audit --rules $R --mdtrt "$D/md3.csv" --fee "$D/fee3.csv" --out "$D/v7.csv" >/dev/null 2>&1
same "no diagnoses, no readmission" "$(tail -n +2 "$D/v7.csv" | wc -l)" 0

# --compare: B = a copy of the national set without YB09 and with 住院诊查费 allowed twice a day
mkdir -p "$D/rules"
cp -r data/rules/nhsa data/rules/medimodel "$D/rules/"
grep -v '^YB09,' data/rules/nhsa/manifest.csv > "$D/rules/nhsa/manifest.csv"
sed -i 's/^2,住院诊查费,1,日,001102000050000/2,住院诊查费,2,日,001102000050000/' "$D/rules/nhsa/b8_item_frequency.csv"
out=$("$Y" audit --compare $R "$D/rules/nhsa" --mdtrt "$D/md.csv" --fee "$D/fee.csv" --out "$D/cmp.csv" 2>&1); rc=$?
same "compare exit" "$rc" 0
# A: 3 hits 150.00; B: only YB18.2 (30.00). Lost: YB18 1 (20.00) and YB09 1 (100.00, a rule B lacks)
expect "compare YB18" "$out" "YB18     超频次限定诊疗                    1        0       0       1       0        20.00         0.00        0.00       20.00"
expect "compare YB18.2" "$out" "YB18.2   超频次限定诊疗                    1        1       0       0       0        30.00        30.00        0.00        0.00"
expect "compare YB09 dropped" "$out" "YB09     超性别对象限定用药                1        0       0       1       0       100.00         0.00        0.00      100.00"
expect "compare total" "$out" "total                                      3        1       0       2       0       150.00        30.00        0.00      120.00"
same "compare rows" "$(tail -n +2 "$D/cmp.csv" | cut -d, -f1,4,13 | sort | tr '\n' ' ')" "lost,YB09,V1 lost,YB18,V1 "
# the other way round: the same two hits are gained
# the line filter and rows without a visit: V8 is not in mdtrt_d; two of its three lines carry a
# code no rule names (left out of the sort, only counted), one a rule's code; V7's lines carry only
# such codes. Every orphan line is counted, at its first line, with or without the filter.
{ cat "$D/fee.csv"
  echo "L7,V8,P2,2024-04-02 09:00:00,X00000000000001,x,1,1,1.00"
  echo "L8,V8,P2,2024-04-02 09:00:00,001102000050000,住院诊查费,1,20,20.00"
  echo "L9,V8,P2,2024-04-02 09:00:00,X00000000000002,x,1,1,1.00"
  echo "L10,V7,P1,2024-04-02 09:00:00,X00000000000003,x,1,1,1.00"
  echo "L11,V7,P1,2024-04-02 09:00:00,X00000000000003,x,2,1,2.00"; } > "$D/feeo.csv"
for k in "" --keep-all-lines; do
  out=$("$Y" audit --rules $R --mdtrt "$D/md.csv" --fee "$D/feeo.csv" --out "$D/vo$k.csv" --rejects "$D/ro$k.csv" $k 2>&1)
  grep -q ",8,V8,P2,mdtrt_id,V8,notfound,3 fee line(s) of a visit" "$D/ro$k.csv" && ok || bad "orphan V8 ($k): $(cat "$D/ro$k.csv")"
  grep -q ",11,V7,P1,mdtrt_id,V7,notfound,2 fee line(s) of a visit" "$D/ro$k.csv" && ok || bad "orphan V7 ($k): $(cat "$D/ro$k.csv")"
done
cmp -s "$D/vo.csv" "$D/vo--keep-all-lines.csv" && cmp -s "$D/ro.csv" "$D/ro--keep-all-lines.csv" && ok \
  || bad "the line filter changed the output or the rejects: $(diff "$D/ro.csv" "$D/ro--keep-all-lines.csv")"

# ids with a control character (in a long id, where the check goes 8 bytes at a time, and DEL at
# the end of a short one) reject their visits, naming the field; a long UTF-8 id is fine
{ cat "$D/fee.csv"
  printf 'L12,V1,P1,2024-03-02 09:00:00,X00000000000001,x,1,1,1.00\n'
  printf 'ABCDEFGHIJ\001KLMNOP,V2,P1,2024-03-10 09:00:00,X00000000000001,x,1,1,1.00\n'
  printf 'L13\177,V1,P1,2024-03-10 09:00:00,X00000000000001,x,1,1,1.00\n'
  printf 'L14一二三四五六七八,V1,P1,2024-03-02 09:00:00,X00000000000001,x,1,1,1.00\n'; } > "$D/feec.csv"
"$Y" audit --rules $R --mdtrt "$D/md.csv" --fee "$D/feec.csv" --rejects "$D/rc.csv" >/dev/null 2>&1
grep -q ',9,V2,P1,bkkp_sn,.*control character in an id' "$D/rc.csv" && ok || bad "control character in bkkp_sn: $(cat "$D/rc.csv")"
grep -q ',10,V1,P1,bkkp_sn,.*control character in an id' "$D/rc.csv" && ok || bad "DEL in bkkp_sn: $(cat "$D/rc.csv")"
if grep -q ',11,' "$D/rc.csv"; then bad "a UTF-8 id was refused: $(cat "$D/rc.csv")"; else ok; fi

# a bad hour on a date the reader has just seen (its day is remembered): still refused
{ cat "$D/fee.csv"; printf 'L15,V2,P1,2024-03-10 24:00:00,X00000000000001,x,1,1,1.00\n'; } > "$D/feet.csv"
"$Y" audit --rules $R --mdtrt "$D/md.csv" --fee "$D/feet.csv" --rejects "$D/rt.csv" >/dev/null 2>&1
grep -q ',8,V2,P1,fee_ocur_time,2024-03-10 24:00:00,invalid,not a time' "$D/rt.csv" && ok || bad "bad hour: $(cat "$D/rt.csv")"

out=$("$Y" audit --compare "$D/rules/nhsa" $R --mdtrt "$D/md.csv" --fee "$D/fee.csv" 2>&1)
expect "compare reversed" "$out" "total                                      1        3       2       0       0        30.00       150.00      120.00        0.00"

echo "audit_cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
