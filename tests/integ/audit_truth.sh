#!/usr/bin/env bash
# audit_truth.sh — the engine against an independent ground truth: tools/gen_audit writes extract
# tables of about 10,000 fee lines (real codes of data/rules/nhsa, every rule injected in a
# violating and a clean look-alike variant, rows shuffled) and the hits it expects; `yibao audit`
# must find exactly those hits — same rule, visit, violating lines and amount — for every rule:
# precision and recall 100 % per rule. Two seeds, and once with the sort spilled to disk.
# $1 = the yibao binary; gen_audit is found in $YB_BIN_DIR (the build directory).
set -u
Y=${1:?usage: audit_truth.sh path/to/yibao}
G=${YB_BIN_DIR:-$(dirname "$Y")}/gen_audit
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
pass=0 fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*" >&2; }
[ -x "$G" ] || { echo "FAIL: no gen_audit at $G" >&2; exit 1; }

# compare VIOLATIONS TRUTH: per rule, hits found / expected, false positives, false negatives
compare() {
    python3 - "$1" "$2" <<'PY'
import csv, sys, collections
def key(r):
    sns = '|'.join(sorted(x for x in r['feedetl_sn'].split('|') if x))
    return (r['id'], r['mdtrt_id'], r['psn_no'], sns, r['vola_amt'])
out = collections.Counter(key(r) for r in csv.DictReader(open(sys.argv[1], encoding='utf-8')))
tru = collections.Counter(key(r) for r in csv.DictReader(open(sys.argv[2], encoding='utf-8')))
fp, fn = out - tru, tru - out
ids = sorted(set(k[0] for k in out) | set(k[0] for k in tru))
bad = 0
for i in ids:
    o = sum(v for k, v in out.items() if k[0] == i)
    t = sum(v for k, v in tru.items() if k[0] == i)
    f1 = sum(v for k, v in fp.items() if k[0] == i)
    f2 = sum(v for k, v in fn.items() if k[0] == i)
    prec = 100.0 * (o - f1) / o if o else 100.0
    rec = 100.0 * (t - f2) / t if t else 100.0
    print(f"  {i:7} found {o:5} expected {t:5}  precision {prec:6.2f} %  recall {rec:6.2f} %")
    bad += f1 + f2
for k in list(fp)[:10]: print('  false positive', k)
for k in list(fn)[:10]: print('  false negative', k)
print(f"  rules {len(ids)}, hits {sum(out.values())}, expected {sum(tru.values())}, differences {bad}")
sys.exit(1 if bad else 0)
PY
}

for seed in 1 7; do
    "$G" --out "$D/s$seed" --lines 10000 --seed $seed --rate 40 >/dev/null || bad "gen_audit seed $seed"
    # every rule of the set is injected, with violations and clean cases
    n=$(tail -n +2 "$D/s$seed/truth_summary.csv" | awk -F, '$3 > 0' | wc -l)
    [ "$n" -eq 32 ] && ok || bad "seed $seed: $n of 32 rules injected"
    lines=$(($(wc -l < "$D/s$seed/fee_list_d.csv") - 1))
    [ "$lines" -ge 10000 ] && ok || bad "seed $seed: only $lines lines"
    "$Y" audit --rules data/rules/nhsa --mdtrt "$D/s$seed/mdtrt_d.csv" --fee "$D/s$seed/fee_list_d.csv" \
        --diag "$D/s$seed/setl_list_diag_d.csv" --out "$D/s$seed/v.csv" > "$D/s$seed/summary.txt" 2>&1 \
        && ok || bad "seed $seed: audit failed: $(cat "$D/s$seed/summary.txt")"
    echo "seed $seed ($lines lines):"
    if compare "$D/s$seed/v.csv" "$D/s$seed/truth.csv"; then ok; else bad "seed $seed: hits differ from the ground truth"; fi
done

# deterministic: the same seed gives the same bytes
"$G" --out "$D/again" --lines 10000 --seed 1 --rate 40 >/dev/null
for f in mdtrt_d fee_list_d setl_list_diag_d truth; do
    cmp -s "$D/s1/$f.csv" "$D/again/$f.csv" && ok || bad "gen_audit is not deterministic ($f)"
done

# spilled to disk in small runs: the same violations, byte for byte
out=$("$Y" audit --rules data/rules/nhsa --mdtrt "$D/s1/mdtrt_d.csv" --fee "$D/s1/fee_list_d.csv" \
    --diag "$D/s1/setl_list_diag_d.csv" --out "$D/v_spill.csv" --run-bytes 65536 2>&1)
case "$out" in *"sorted on disk"*) ok ;; *) bad "not spilled: $out" ;; esac
cmp -s "$D/s1/v.csv" "$D/v_spill.csv" && ok || bad "spilling changed the violations"

# every fee line sorted (--keep-all-lines, no line filter): the same violations, byte for byte
"$Y" audit --rules data/rules/nhsa --mdtrt "$D/s1/mdtrt_d.csv" --fee "$D/s1/fee_list_d.csv" \
    --diag "$D/s1/setl_list_diag_d.csv" --out "$D/v_all.csv" --keep-all-lines >/dev/null 2>&1 \
    && cmp -s "$D/s1/v.csv" "$D/v_all.csv" && ok || bad "the line filter changed the violations"

# the fee file read in two parts on two threads (cut at any size here), spilled or not: the same
# violations byte for byte, the same rejects with the same line numbers
for rb in 0 65536; do
  extra=(); [ $rb -gt 0 ] && extra=(--run-bytes $rb)
  out=$("$Y" audit --rules data/rules/nhsa --mdtrt "$D/s1/mdtrt_d.csv" --fee "$D/s1/fee_list_d.csv" \
      --diag "$D/s1/setl_list_diag_d.csv" --out "$D/v_split$rb.csv" --split-bytes 4096 "${extra[@]}" 2>&1) \
      && ok || bad "split audit failed (run bytes $rb)"
  case "$out" in *"read in 2 parts"*) ok ;; *) bad "not read in two parts: ${out: -300}" ;; esac
  cmp -s "$D/s1/v.csv" "$D/v_split$rb.csv" && ok || bad "reading in two parts changed the violations (run bytes $rb)"
done
# a bad line in the second part: rejected with its own line number, as a single reader does
BADLINE=$(python3 - "$D/s1/fee_list_d.csv" "$D/bad_fee.csv" <<'PY'
import sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
n = len(lines) - 2
k = n - 3                       # a line in the second half
f = lines[k].split(',')
h = lines[0].split(',')
f[h.index('cnt')] = 'x'
lines[k] = ','.join(f)
open(sys.argv[2], 'w', encoding='utf-8').write('\n'.join(lines))
print(k + 1)
PY
)
for sb in 1099511627776 4096; do
  "$Y" audit --rules data/rules/nhsa --mdtrt "$D/s1/mdtrt_d.csv" --fee "$D/bad_fee.csv"       --diag "$D/s1/setl_list_diag_d.csv" --out "$D/vb$sb.csv" --rejects "$D/rb$sb.csv" --split-bytes $sb > /dev/null 2>&1
done
cmp -s "$D/rb1099511627776.csv" "$D/rb4096.csv" && ok || bad "split rejects differ: $(diff "$D/rb1099511627776.csv" "$D/rb4096.csv" | head -5)"
grep -q ",$BADLINE,.*,cnt,x," "$D/rb4096.csv" && ok || bad "line $BADLINE was not rejected by number: $(cat "$D/rb4096.csv")"

# quoted fields with a line break: the file is still cut (no whole-file scan for quotes first);
# one across the cut makes the first part end inside the quote, and the file is read again as
# one part. Both give the single reader's violations and rejects, line numbers included.
for where in cut early; do
  python3 - "$D/bad_fee.csv" "$D/q_$where.csv" "$where" <<'PY'
import sys
src, dst, where = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(src, encoding='utf-8').read().split('\n')
h = lines[0].split(',')
m = h.index('memo')
def build(k):
    out = list(lines)
    f = out[k].split(',')
    f[m] = '"memo\nsecond line"'
    out[k] = ','.join(f)
    return '\n'.join(out)
if where == 'early':
    open(dst, 'w', encoding='utf-8').write(build(5))
    sys.exit(0)
for k in range(1, len(lines) - 1):
    t = build(k).encode('utf-8')
    cut = t.index(b'\n', len(t) // 2) + 1       # as find_cut: the first line start after the middle
    start = len('\n'.join(lines[:k]).encode('utf-8')) + 1
    inner = t.index(b'"memo\n', start) + 5         # the line break inside the quotes
    if inner + 1 == cut:
        open(dst, 'w', encoding='utf-8').write(t.decode('utf-8'))
        sys.exit(0)
sys.exit('no line puts the quoted line break at the cut')
PY
  for sb in 1099511627776 4096; do
    out=$("$Y" audit --rules data/rules/nhsa --mdtrt "$D/s1/mdtrt_d.csv" --fee "$D/q_$where.csv" \
        --diag "$D/s1/setl_list_diag_d.csv" --out "$D/vq$where$sb.csv" --rejects "$D/rq$where$sb.csv" --split-bytes $sb 2>&1) \
        && ok || bad "audit with a quoted line break ($where, split bytes $sb) failed: ${out: -300}"
  done
  case "$out" in
    *"read in 2 parts"*) [ $where = early ] && ok || bad "a quote across the cut was read in two parts" ;;
    *) [ $where = cut ] && ok || bad "a quote before the cut stopped the file being cut: ${out: -300}" ;;
  esac
  cmp -s "$D/vq${where}1099511627776.csv" "$D/vq${where}4096.csv" && ok || bad "quoted line break ($where): the violations differ"
  cmp -s "$D/rq${where}1099511627776.csv" "$D/rq${where}4096.csv" && ok \
    || bad "quoted line break ($where): rejects differ: $(diff "$D/rq${where}1099511627776.csv" "$D/rq${where}4096.csv" | head -5)"
  grep -q ",$((BADLINE + 1)),.*,cnt,x," "$D/rq${where}4096.csv" && ok || bad "quoted line break ($where): line $((BADLINE + 1)) not rejected by number"
done
# rules that read no diagnoses: the diagnosis file is not read (a broken one makes no rejects), and
# their hits are those of the full run; a rule that reads diagnoses (YB40 readmission, YB20 a
# course per disease episode) has them read
python3 - "$D/s1/setl_list_diag_d.csv" "$D/bad_diag.csv" <<'PY'
import sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
h = lines[0].split(',')
f = lines[3].split(',')
f[h.index('diag_code')] = 'X' * 40
lines[3] = ','.join(f)
open(sys.argv[2], 'w', encoding='utf-8').write('\n'.join(lines))
PY
SOME=YB03,YB05,YB09,YB10,YB11,YB12,YB18,YB25
out=$("$Y" audit --rules data/rules/nhsa --rule-ids $SOME --mdtrt "$D/s1/mdtrt_d.csv" --fee "$D/s1/fee_list_d.csv" \
    --diag "$D/bad_diag.csv" --out "$D/v_some.csv" --rejects "$D/r_some.csv" 2>&1) && ok || bad "audit of $SOME failed: ${out: -300}"
case "$out" in *"diagnoses not read"*) ok ;; *) bad "the diagnoses were read for rules that do not read them: ${out: -300}" ;; esac
[ "$(wc -l < "$D/r_some.csv")" -eq 1 ] && ok || bad "rejects from a diagnosis file not read: $(head -3 "$D/r_some.csv")"
python3 - "$D/s1/v.csv" "$D/v_some.csv" "$SOME" <<'PY' && ok || bad "the hits of $SOME differ from the full run's"
import csv, sys
ids = sys.argv[3].split(',')
def rows(p, keep):
    return sorted(tuple(v for k, v in r.items() if k != 'jr_id')
                  for r in csv.DictReader(open(p, encoding='utf-8')) if keep(r['id']))
full = rows(sys.argv[1], lambda i: i.split('.')[0] in ids)
some = rows(sys.argv[2], lambda i: True)
sys.exit(0 if full == some and some else 1)
PY
for rid in YB40 YB20; do
  out=$("$Y" audit --rules data/rules/nhsa --rule-ids $rid --mdtrt "$D/s1/mdtrt_d.csv" --fee "$D/s1/fee_list_d.csv" \
      --diag "$D/bad_diag.csv" --out "$D/v_rid.csv" --rejects "$D/r_rid.csv" 2>&1) && ok || bad "audit of $rid failed"
  case "$out" in *"diagnoses read "[1-9]*) ok ;; *) bad "$rid: the diagnoses were not read: ${out: -300}" ;; esac
done
grep -q ",diag_code," "$D/r_rid.csv" && ok || bad "the broken diagnosis was not rejected when read: $(cat "$D/r_rid.csv")"

# a broken record in the second part stops the audit naming its true line
python3 - "$D/s1/fee_list_d.csv" "$D/broken_fee.csv" <<'PY'
import sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
lines[len(lines) - 5] += ',extra'
open(sys.argv[2], 'w', encoding='utf-8').write('\n'.join(lines))
PY
NB=$(($(wc -l < "$D/broken_fee.csv") - 3))
for sb in 1099511627776 4096; do
  "$Y" audit --rules data/rules/nhsa --mdtrt "$D/s1/mdtrt_d.csv" --fee "$D/broken_fee.csv" \
      --diag "$D/s1/setl_list_diag_d.csv" --out "$D/vbroken.csv" --split-bytes $sb > "$D/broken$sb.out" 2>&1 \
      && bad "a record with an extra field was accepted (split bytes $sb)" || ok
  grep -q "broken_fee.csv:$NB: " "$D/broken$sb.out" && ok || bad "broken record (split bytes $sb): line $NB not named: $(cat "$D/broken$sb.out")"
done

echo "audit_truth: $pass passed, $fail failed"
[ $fail -eq 0 ]
