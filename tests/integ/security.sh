#!/usr/bin/env bash
# security.sh — personal data at rest and the audit log, through the real binary on SQLite:
# the key file beside the database (made 0600, refused when readable by others, missing or not
# this database's), no ID number, name, phone or address in the database file in the clear,
# masked by default, unmasked only on request and then logged; every write in the hash-chained
# log; `yibao verify-log` finds an edited, removed, reordered or cut-off entry. $1 = yibao binary.
set -u
Y=${1:?usage: security.sh path/to/yibao}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
pass=0 fail=0
ok() { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*" >&2; }
expect() { case "$2" in *"$3"*) ok ;; *) bad "$1: no '$3' in: ${2:0:600}" ;; esac; }
absent() { case "$2" in *"$3"*) bad "$1: '$3' should not be in: ${2:0:600}" ;; *) ok ;; esac; }
DB=$D/y.db
unset YIBAO_KEY_FILE

cat > "$D/persons.csv" <<'CSV'
psn_no,certno,psn_name,gend,brdy,insutype,psn_type,cvlserv_flag,sp_psn_type,insu_admdvs,balc,tel,addr
P390A,11010519491231002X,测试甲,2,1949-12-31,390,1501,0,,360100,0,13912345678,江西省南昌市东湖区八一大道1号
P310C,,测试乙,1,1960-03-01,310,1201,0,,360100,1000.00,,
CSV

"$Y" init --db "$DB" > /dev/null 2>&1 && ok || bad "init"
[ -f "$DB.key" ] && ok || bad "no key file beside the database"
[ "$(stat -c %a "$DB.key")" = 600 ] && ok || bad "key file mode $(stat -c %a "$DB.key")"
out=$("$Y" load persons "$D/persons.csv" --db "$DB" 2>&1); rc=$?
[ $rc -eq 0 ] && ok || bad "load persons: $out"

# nothing personal in the clear anywhere in the database files
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null
for s in 11010519491231002X 测试甲 测试乙 13912345678 八一大道; do
  if grep -a -q "$s" "$DB" "$DB-wal" 2>/dev/null; then bad "'$s' is in the database file in the clear"; else ok; fi
done
n=$(sqlite3 "$DB" "SELECT count(*) FROM persons WHERE certno IS NOT NULL OR psn_name IS NOT NULL")
[ "$n" = 0 ] && ok || bad "plaintext columns hold $n rows"
n=$(sqlite3 "$DB" "SELECT count(*) FROM persons WHERE certno_e IS NOT NULL AND length(certno_h) = 32")
[ "$n" = 1 ] && ok || bad "sealed ID numbers: $n"

# masked by default, in both forms
out=$("$Y" show person P390A --db "$DB" 2>&1)
expect "masked certno" "$out" "110************2X"
absent "no plain certno" "$out" "11010519491231002X"
out=$("$Y" show person P390A --json --db "$DB" 2>&1)
expect "masked json name" "$out" '"psn_name":"测**"'
expect "masked json tel" "$out" '"tel":"139******78"'
absent "no plain tel" "$out" "13912345678"
n0=$(sqlite3 "$DB" "SELECT count(*) FROM audit_log WHERE action='person.read_unmasked'")
[ "$n0" = 0 ] && ok || bad "masked reads were logged as unmasked"

# unmasked on request, and logged with who and what
out=$("$Y" show person P390A --unmasked --db "$DB" 2>&1); rc=$?
[ $rc -eq 0 ] && ok || bad "show --unmasked exit $rc"
expect "unmasked certno" "$out" "11010519491231002X"
expect "unmasked name" "$out" "测试甲"
expect "unmasked addr" "$out" "江西省南昌市东湖区八一大道1号"
row=$(sqlite3 "$DB" "SELECT actor || '|' || object FROM audit_log WHERE action='person.read_unmasked'")
expect "unmasked read logged" "$row" "local user"
expect "unmasked read names the person" "$row" "|P390A"
absent "log holds no personal data" "$(sqlite3 "$DB" "SELECT * FROM audit_log")" "测试甲"

# every write is in the log: init's loads below, a reload, the unmasked read
"$Y" load policy data/demo/policy.json --db "$DB" > /dev/null 2>&1 && ok || bad "load policy"
"$Y" load catalog tests/golden/catalog_small.csv --db "$DB" > /dev/null 2>&1 && ok || bad "load catalog"
acts=$(sqlite3 "$DB" "SELECT group_concat(action, ' ') FROM (SELECT action FROM audit_log ORDER BY seq)")
[ "$acts" = "load.persons person.read_unmasked load.policy load.catalog" ] && ok || bad "log actions: $acts"
# a load that fails writes nothing, to the log either
printf 'psn_no,certno,psn_name,gend,brdy,insutype,psn_type,cvlserv_flag,sp_psn_type,insu_admdvs,balc\nP1,123,x,1,,390,1501,0,,360100,0\n' > "$D/bad.csv"
"$Y" load persons "$D/bad.csv" --db "$DB" > "$D/err" 2>&1 && bad "bad persons loaded" || ok
absent "error masks the ID number" "$(cat "$D/err")" ",123,"
n=$(sqlite3 "$DB" "SELECT count(*) FROM audit_log")
[ "$n" = 4 ] && ok || bad "log has $n entries after a failed load"

out=$("$Y" verify-log --db "$DB" 2>&1); rc=$?
[ $rc -eq 0 ] && ok || bad "verify-log on a good log exit $rc: $out"
expect "verify-log count" "$out" "audit log: 4 entries, chain holds, head "

# tampering: each on a fresh copy
tamper() { # name, sql, expected message
  cp "$DB" "$D/t.db"; cp "$DB.key" "$D/t.db.key"
  sqlite3 "$D/t.db" "$2"
  out=$("$Y" verify-log --db "$D/t.db" 2>&1); rc=$?
  [ $rc -eq 1 ] && ok || bad "$1: verify-log exit $rc: $out"
  expect "$1" "$out" "$3"
  rm -f "$D/t.db" "$D/t.db-wal" "$D/t.db-shm" "$D/t.db.key"
}
tamper "edited detail" "UPDATE audit_log SET detail='rows 9' WHERE seq=1" "BROKEN at entry 1: entry 1 was changed"
tamper "edited actor" "UPDATE audit_log SET actor='someone else' WHERE seq=3" "entry 3 was changed"
tamper "removed entry" "DELETE FROM audit_log WHERE seq=2" "entry 2 is missing"
tamper "reordered" "UPDATE audit_log SET seq=seq+100 WHERE seq IN (2,3); UPDATE audit_log SET seq=3 WHERE seq=102; UPDATE audit_log SET seq=2 WHERE seq=103" "entry 2 does not follow entry 1"
tamper "cut off the end" "DELETE FROM audit_log WHERE seq=4" "the log ends at entry 3 but its head record says 4"
tamper "cut and head moved" "DELETE FROM audit_log WHERE seq=4; UPDATE meta SET value=3 WHERE key='alog_seq'" "the head record does not match entry 3"
tamper "rehashed without the key" "UPDATE audit_log SET detail='x', hash='$(printf '%064d' 0)' WHERE seq=4" "entry 4 was changed"

# the key: missing, readable by others, another database's
mv "$DB.key" "$D/k"
out=$("$Y" show person P390A --db "$DB" 2>&1) && bad "opened without the key file" || ok
expect "missing key named" "$out" "the key file of this database is missing"
[ ! -e "$DB.key" ] && ok || bad "a new key file was made for a database that has one"
mv "$D/k" "$DB.key"; chmod 644 "$DB.key"
out=$("$Y" show person P390A --db "$DB" 2>&1) && bad "opened with a world-readable key" || ok
expect "key mode named" "$out" "chmod 600"
chmod 600 "$DB.key"; cp "$DB.key" "$D/good.key"
"$Y" init --db "$D/other.db" > /dev/null 2>&1
cp "$D/other.db.key" "$DB.key"
out=$("$Y" show person P390A --db "$DB" 2>&1) && bad "opened with another database's key" || ok
expect "wrong key named" "$out" "the key file does not belong to this database"
cp "$D/good.key" "$DB.key"
YIBAO_KEY_FILE=$D/good.key "$Y" show person P390A --db "$DB" > /dev/null 2>&1 && ok || bad "YIBAO_KEY_FILE not used"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
