#!/usr/bin/env bash
# rules_cli.sh — `yibao rules list|show`: the shipped rule sets list with their row counts, a rule
# is explained with its source rows, a broken rule set is refused with file:line:column and a
# non-zero exit, and usage errors exit 1. $1 = the yibao binary.
set -u
Y=${1:?usage: rules_cli.sh path/to/yibao}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
pass=0 fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*" >&2; }
expect() { case "$2" in *"$3"*) ok ;; *) bad "$1: no '$3' in: ${2:0:600}" ;; esac; }

out=$("$Y" rules list 2>&1); rc=$?
[ $rc -eq 0 ] && ok || bad "rules list exit $rc"
expect "list total" "$out" "32 rules, 17159 rows, 16304 codes indexed, from data/rules/nhsa"
expect "list YB09" "$out" "YB09     gender             deny     1       6472  超性别对象限定用药"
expect "list YB18.2" "$out" "YB18.2   cycle              deny     1         14  超频次限定诊疗"

out=$("$Y" rules list --rules data/rules/medimodel 2>&1)
expect "medimodel total" "$out" "32 rules, 5433 rows"

out=$("$Y" rules show YB18 2>&1); rc=$?
[ $rc -eq 0 ] && ok || bad "rules show exit $rc"
expect "show frequency" "$out" "YB18  超频次限定诊疗  (kind frequency)"
expect "show cycle too" "$out" "YB18.2  超频次限定诊疗  (kind cycle)"
expect "show English" "$out" "Frequency: per person, item and day"
expect "show source row" "$out" "line 3: 序号=2 项目名称=住院诊查费 限制数量=1 数量单位=日 项目编码=001102000050000"

out=$("$Y" rules show YB09 2>&1)
expect "show join" "$out" "b1_drug_gender_codes.csv rows take their restriction from b1_drug_gender_names.csv through the column 药品通用名"

out=$("$Y" rules show YB99 2>&1); rc=$?
[ $rc -ne 0 ] && ok || bad "unknown rule must fail"
expect "unknown rule" "$out" "field 'id' value 'YB99': no rule with this id in data/rules/nhsa (notfound)"

# a broken rule set: unknown kind, named with file, line and column
printf 'id,kind,name,effect,sev_deg,vola_bhvr_type,evid,file,names_file,join,columns,where,params,version,effective,source\nYB18,frobnicate,x,deny,1,02,e,f.csv,,,code=c,,,v,2020-01-01,s\n' > "$D/manifest.csv"
out=$("$Y" rules list --rules "$D" 2>&1); rc=$?
[ $rc -ne 0 ] && ok || bad "broken set must fail"
expect "broken set" "$out" "$D/manifest.csv:2: field 'kind' value 'frobnicate': column 2: unknown rule kind (invalid)"

out=$("$Y" rules 2>&1); rc=$?
[ $rc -eq 1 ] && ok || bad "usage exit $rc"
out=$("$Y" rules list extra 2>&1); rc=$?
[ $rc -eq 1 ] && ok || bad "usage (extra) exit $rc"

echo "rules_cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
