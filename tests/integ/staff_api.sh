#!/usr/bin/env bash
# staff_api.sh — staff accounts and the REST API over real HTTP: `yibao user` makes one user per
# role (password on standard input), `yibao serve` runs on a loopback port with a private database,
# and every route is called with every role, anonymously, and with an expired session, a logged-out
# session and a disabled user's session; each status is checked against the MATRIX below, written
# out by hand from docs/staff.md (not asked of the server). Then: unmasked person reads are in the
# audit log and masked ones are not, the reversal and its reason are logged by the clerk, no
# password reaches the database, the access log or an error, the lock after five wrong passwords,
# and `yibao verify-log` holds at the end. $1 = yibao binary.
set -u
Y=${1:?usage: staff_api.sh path/to/yibao}
G=$(cd "$(dirname "$0")/../golden" && pwd)
D=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
export YIBAO_DB=$D/y.db
unset YIBAO_KEY_FILE YIBAO_SESSION_TTL
. "$(dirname "$0")/lib/serve.sh"
absent() { case "$2" in *"$3"*) bad "$1: '$3' should not be in: ${2:0:500}" ;; *) ok ;; esac; }
q() { sqlite3 "$YIBAO_DB" "$1"; }

# ---- data: persons (one with phone and address), a policy, the catalogue, two settled visits
cat > "$D/persons.csv" <<'CSV'
psn_no,certno,psn_name,gend,brdy,insutype,psn_type,cvlserv_flag,sp_psn_type,insu_admdvs,balc,tel,addr
P390A,11010519491231002X,测试甲,2,1949-12-31,390,1501,0,,360100,0,13912345678,江西省南昌市东湖区八一大道1号
P310C,,测试乙,1,1960-03-01,310,1201,0,,360100,1000.00,,
CSV
{ "$Y" init && "$Y" load policy data/demo/policy.json && "$Y" load catalog "$G/catalog_small.csv" &&
  "$Y" load persons "$D/persons.csv" && "$Y" settle-json "$G/visit_A.json" && "$Y" settle-json "$G/visit_B.json"; } \
  > "$D/setup.log" 2>&1 && ok || bad "set-up: $(cat "$D/setup.log")"
[ "$(q "SELECT group_concat(setl_id || ':' || mdtrt_id) FROM settlements")" = "S000000000001:M2025A,S000000000002:M2025B" ] \
  && ok || bad "settlements: $(q "SELECT group_concat(setl_id || ':' || mdtrt_id) FROM settlements")"

# ---- users: one per role, and the ones the special columns and the admin routes act on
ROLES="clerk underwriter auditor admin service regulator"
pw() { echo "pw-$1-0123456789"; }   # every test password is at least 10 characters
adduser() { # adduser LOGIN ROLE
  local out; out=$(pw "$1" | "$Y" user add "$1" --role "$2" --name "Officer $1" 2>&1) \
    && ok || bad "user add $1: $out"
}
for r in $ROLES; do adduser "${r}1" "$r"; done
adduser target1 service      # changed by the admin routes
adduser exp1 clerk           # its session is made to expire
adduser end1 admin           # its session is logged out
adduser dis1 service         # disabled while its session is open
adduser lock1 clerk          # locked by wrong passwords

# the command line: refusals, and no password on argv
out=$(echo "short" | "$Y" user add shorty --role clerk 2>&1) && bad "short password taken" || ok
expect "short password refused" "$out" "field 'password' value '': shorter than 10 characters"
absent "short password not echoed" "$out" "'short'"
out=$("$Y" user add nopw --role clerk < /dev/null 2>&1) && bad "user add without a password" || ok
expect "no password on stdin" "$out" "no password on standard input"
out=$("$Y" user add argv1 --role clerk --password pw-argv-0123456789 < /dev/null 2>&1) && bad "--password accepted" || ok
expect "--password is not an option" "$out" "unknown option '--password'"
out=$(pw x | "$Y" user add clerk1 --role clerk 2>&1) && bad "duplicate user" || ok
expect "duplicate user" "$out" "the user exists"
out=$(pw x | "$Y" user add newbie --role boss 2>&1) && bad "role boss" || ok
expect "unknown role" "$out" "'boss' is not a role"
out=$("$Y" user role nobody clerk 2>&1) && bad "role of an unknown user" || ok
expect "unknown user" "$out" "no such user"
out=$("$Y" user list 2>&1)
expect "list clerk" "$out" "clerk1"; expect "list role name" "$out" "稽核财务"
[ "$(q "SELECT count(*) FROM users")" = 11 ] && ok || bad "users: $(q "SELECT count(*) FROM users")"

# ---- the server
start_serve
URL=http://127.0.0.1:$PORT

# req METHOD PATH TOKEN [BODY]: prints the status; the reply is in $D/body
req() {
  local a=(-s -o "$D/body" -w '%{http_code}' -X "$1")
  [ -n "$3" ] && a+=(-H "Authorization: Bearer $3")
  [ -n "${4:-}" ] && a+=(-H 'Content-Type: application/json' --data-binary "$4")
  curl "${a[@]}" "$URL$2"
}
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$D/body" "$1" 2>/dev/null; }
login() { # login LOGIN -> token on stdout
  local s; s=$(req POST /api/login "" "{\"login\":\"$1\",\"password\":\"$(pw "$1")\"}")
  [ "$s" = 200 ] && field token || echo "LOGIN-FAILED-$s"
}

declare -A TOK
for r in $ROLES; do TOK[$r]=$(login "${r}1"); done
for r in $ROLES; do [ ${#TOK[$r]} = 64 ] && ok || bad "login ${r}1: ${TOK[$r]}"; done
out=$(req GET /api/me "${TOK[auditor]}"); [ "$out" = 200 ] && ok || bad "me $out"
expect "me role" "$(cat "$D/body")" '"role":"auditor","role_name":"稽核财务"'

# the special sessions
TOK[expired]=$(login exp1)
TOK[ended]=$(login end1)
TOK[disabled]=$(login dis1)
# exp1's session moved 8 hours and a second into the past: it expired a second ago
q "UPDATE sessions SET created_at = created_at - 28801, expires_at = expires_at - 28801 WHERE login='exp1'"
[ "$(q "SELECT expires_at < strftime('%s','now') FROM sessions WHERE login='exp1'")" = 1 ] && ok || bad "exp1 not expired"
s=$(req POST /api/logout "${TOK[ended]}"); [ "$s" = 200 ] && ok || bad "logout end1: $s"
s=$(req POST /api/users/dis1/disable "${TOK[admin]}"); [ "$s" = 200 ] && ok || bad "disable dis1: $s"

# ---- the matrix: expected status of every route for anonymous, each role, and the three dead sessions.
# login is called with the column's own credentials (anonymous: an unknown login); "-" = not applicable.
# route     method path                                 anon clerk undw audit admin serv  regu  expired ended disabled
MATRIX='
login       POST /api/login                             401  200   200  200   200   200   200   -       -     -
me          GET  /api/me                                401  200   200  200   200   200   200   401     401   401
person      GET  /api/persons/P390A                     401  200   200  200   403   200   200   401     401   401
clear       GET  /api/persons/P390A?unmasked=1          401  200   403  403   403   200   403   401     401   401
visit       GET  /api/visits/M2025A                     401  200   200  200   403   200   200   401     401   401
setl        GET  /api/settlements/S000000000002         401  200   200  200   403   200   200   401     401   401
reversal    POST /api/reversals                         401  200   403  403   403   403   403   401     401   401
users       GET  /api/users                             401  403   403  403   200   403   403   401     401   401
useradd     POST /api/users                             401  403   403  403   201   403   403   401     401   401
role        POST /api/users/target1/role                401  403   403  403   200   403   403   401     401   401
disable     POST /api/users/target1/disable             401  403   403  403   200   403   403   401     401   401
enable      POST /api/users/target1/enable              401  403   403  403   200   403   403   401     401   401
logout      POST /api/logout                            401  200   200  200   200   200   200   401     401   401
'
COLS="anon clerk underwriter auditor admin service regulator expired ended disabled"
body_for() { # body_for ROUTE COLUMN
  case "$1" in
    login) if [ "$2" = anon ]; then echo '{"login":"nobody","password":"pw-nobody-0123456789"}'
           else echo "{\"login\":\"${2}1\",\"password\":\"$(pw "${2}1")\"}"; fi ;;
    reversal) echo '{"setl_id":"S000000000001","reason":"double entry at the counter"}' ;;
    useradd) echo "{\"login\":\"made-by-$2\",\"role\":\"regulator\",\"name\":\"New\",\"password\":\"pw-made-0123456789\"}" ;;
    role) echo '{"role":"regulator"}' ;;
    *) echo "" ;;
  esac
}
calls=0
while read -r route method path want_anon rest; do
  [ -z "$route" ] && continue
  set -- $want_anon $rest
  for col in $COLS; do
    want=$1; shift
    [ "$want" = - ] && continue
    tok=""
    case "$col" in
      anon) tok="" ;;
      expired|ended|disabled) tok=${TOK[$col]} ;;
      *) tok=${TOK[$col]}
         # logging out ends the session: use a fresh one, so the others stay for the later rows
         [ "$route" = logout ] && tok=$(login "${col}1")
         [ "$route" = login ] && tok="" ;;
    esac
    got=$(req "$method" "$path" "$tok" "$(body_for "$route" "$col")")
    calls=$((calls+1))
    cp "$D/body" "$D/out.$route.$col"
    [ "$got" = "$want" ] && ok || bad "$method $path as $col: $got, want $want: $(head -c 300 "$D/body")"
  done
done <<< "$MATRIX"
[ "$calls" = 127 ] && ok || bad "matrix made $calls calls, want 127"

# what the allowed calls did
expect "unmasked for the clerk" "$(cat "$D/out.clear.clerk")" '"certno":"11010519491231002X"'
expect "unmasked address" "$(cat "$D/out.clear.service")" '"addr":"江西省南昌市东湖区八一大道1号"'
expect "unmasked flag" "$(cat "$D/out.clear.clerk")" '"masked":false'
for col in clerk underwriter auditor service regulator; do
  out=$(cat "$D/out.person.$col")
  expect "masked for $col" "$out" '"certno":"110************2X"'
  expect "masked tel for $col" "$out" '"tel":"139******78"'
  absent "no plain ID number for $col" "$out" "11010519491231002X"
  absent "no plain name for $col" "$out" "测试甲"
done
# the clear view is the masked view with the four personal fields replaced, amounts unchanged to the digit
same=$(python3 - "$D/out.person.clerk" "$D/out.clear.clerk" <<'PY'
import json, sys
m, c = (json.load(open(f), parse_float=str) for f in sys.argv[1:3])
for k in ("certno", "psn_name", "tel", "addr"): m["person"].pop(k); c["person"].pop(k)
print("same" if m["person"] == c["person"] and open(sys.argv[2]).read().count('"value":29760.00') == 1 else "differ")
PY
)
[ "$same" = same ] && ok || bad "the unmasked view differs from the masked one beyond the personal fields"
expect "403 names the role" "$(cat "$D/out.clear.auditor")" "may not read personal data in the clear"
absent "a refused unmasked read shows nothing" "$(cat "$D/out.clear.auditor")" "1101051949"
expect "visit" "$(cat "$D/out.visit.auditor")" '"mdtrt_id":"M2025A","psn_no":"P390A"'
expect "visit lines" "$(cat "$D/out.visit.auditor")" '"feedetail":[{"feedetl_sn"'
expect "settlement" "$(cat "$D/out.setl.regulator")" '"setl_id":"S000000000002"'
expect "settlement funds" "$(cat "$D/out.setl.regulator")" '"setldetail":[{"fund_pay_type"'
expect "settlement amount" "$(cat "$D/out.setl.regulator")" '"hifp_pay":23640.00'
expect "reversal" "$(cat "$D/out.reversal.clerk")" '"reversal_setl_id":"S000000000003"'
expect "reversal refused for the admin" "$(cat "$D/out.reversal.admin")" "role admin (信息) may not use POST /api/reversals"
[ "$(q "SELECT reversed_by FROM settlements WHERE setl_id='S000000000001'")" = S000000000003 ] && ok || bad "not reversed"
[ "$(q "SELECT role || disabled FROM users WHERE login='target1'")" = regulator0 ] && ok || bad "target1: $(q "SELECT role || disabled FROM users WHERE login='target1'")"
[ "$(q "SELECT group_concat(login) FROM users WHERE login LIKE 'made-by-%'")" = made-by-admin ] && ok || bad "users made: $(q "SELECT group_concat(login) FROM users WHERE login LIKE 'made-by-%'")"
expect "users list" "$(cat "$D/out.users.admin")" '"login":"clerk1","name":"Officer clerk1","role":"clerk","role_name":"经办"'
absent "users list has no hashes" "$(cat "$D/out.users.admin")" "argon2"

# ---- the audit log: unmasked reads by who made them, masked ones not at all; every write by its actor
out=$(q "SELECT group_concat(actor || ' ' || object, ', ') FROM (SELECT * FROM audit_log WHERE action='person.read_unmasked' ORDER BY seq)")
[ "$out" = "staff clerk1 P390A, staff service1 P390A" ] && ok || bad "unmasked reads logged: '$out'"
[ "$(q "SELECT actor || '|' || detail FROM audit_log WHERE action='reverse.reason'")" = "staff clerk1|double entry at the counter" ] \
  && ok || bad "reason: $(q "SELECT actor || '|' || detail FROM audit_log WHERE action='reverse.reason'")"
[ "$(q "SELECT actor FROM audit_log WHERE action='reverse'")" = "staff clerk1" ] && ok || bad "reverse actor"
for a in "staff admin1|staff.role|target1|service -> regulator" "staff admin1|staff.disable|target1|0 session(s) ended" \
         "staff admin1|staff.enable|target1|" "staff admin1|staff.add|made-by-admin|role regulator" \
         "staff admin1|staff.disable|dis1|1 session(s) ended" "api client|staff.login_failed||unknown login"; do
  n=$(q "SELECT count(*) FROM audit_log WHERE actor || '|' || action || '|' || object || '|' || detail = '$a'")
  [ "$n" -ge 1 ] && ok || bad "no log entry '$a'"
done
n=$(q "SELECT count(*) FROM audit_log WHERE action='staff.login' AND actor = 'staff ' || object")
[ "$n" = 21 ] && ok || bad "logins logged: $n, want 21"
n=$(q "SELECT count(*) FROM audit_log WHERE action='staff.logout'")
[ "$n" = 7 ] && ok || bad "logouts logged: $n, want 7"

# ---- malformed requests, unknown routes and resources
s=$(req GET /api/nothing "${TOK[clerk]}"); [ "$s" = 404 ] && ok || bad "unknown route: $s"
s=$(req GET /api "${TOK[clerk]}"); [ "$s" = 404 ] && ok || bad "/api: $s"
s=$(req DELETE /api/users "${TOK[admin]}"); [ "$s" = 405 ] && ok || bad "DELETE /api/users: $s"
s=$(req GET /api/persons/NOBODY "${TOK[clerk]}"); [ "$s" = 404 ] && ok || bad "unknown person: $s"
expect "unknown person named" "$(cat "$D/body")" '"value":"NOBODY"'
s=$(req GET /api/persons/NOBODY?unmasked=1 "${TOK[clerk]}"); [ "$s" = 404 ] && ok || bad "unknown person unmasked: $s"
s=$(req GET /api/settlements/S999 "${TOK[clerk]}"); [ "$s" = 404 ] && ok || bad "unknown settlement: $s"
s=$(req GET /api/visits/M0 "${TOK[clerk]}"); [ "$s" = 404 ] && ok || bad "unknown visit: $s"
s=$(req GET "/api/persons/P390A?unmasked=2" "${TOK[clerk]}"); [ "$s" = 400 ] && ok || bad "unmasked=2: $s"
s=$(req GET "/api/visits/M2025A?unmasked=1" "${TOK[clerk]}"); [ "$s" = 400 ] && ok || bad "unmasked on visits: $s"
s=$(req POST /api/reversals "${TOK[clerk]}" '{"setl_id":"S000000000001","reason":"again"}'); [ "$s" = 409 ] && ok || bad "reversed twice: $s"
expect "reversed twice says why" "$(cat "$D/body")" "already reversed"
s=$(req POST /api/reversals "${TOK[clerk]}" '{"setl_id":"S000000000002"}'); [ "$s" = 400 ] && ok || bad "no reason: $s"
expect "missing member named" "$(cat "$D/body")" '"field":"reason"'
s=$(req POST /api/reversals "${TOK[clerk]}" '{"setl_id":"S000000000002","reason":"x","why":1}'); [ "$s" = 400 ] && ok || bad "unknown member: $s"
expect "unknown member named" "$(cat "$D/body")" '"field":"why"'
s=$(req POST /api/reversals "${TOK[clerk]}" '{"setl_id":'); [ "$s" = 400 ] && ok || bad "bad JSON: $s"
expect "bad JSON" "$(cat "$D/body")" "JSON syntax error at line 1"
s=$(req POST /api/reversals "${TOK[clerk]}" '["S000000000002"]'); [ "$s" = 400 ] && ok || bad "array body: $s"
s=$(req POST /api/users/target1/role "${TOK[admin]}" '{"role":"boss"}'); [ "$s" = 400 ] && ok || bad "bad role: $s"
expect "bad role named" "$(cat "$D/body")" '"field":"role","value":"boss"'
s=$(req POST /api/users/admin1/role "${TOK[admin]}" '{"role":"clerk"}'); [ "$s" = 403 ] && ok || bad "admin's own role: $s"
expect "own role" "$(cat "$D/body")" "nobody may change the role of their own account"
s=$(req POST /api/users/admin1/disable "${TOK[admin]}"); [ "$s" = 403 ] && ok || bad "admin disables self: $s"
s=$(req POST /api/users/ghost/disable "${TOK[admin]}"); [ "$s" = 404 ] && ok || bad "unknown user: $s"
s=$(req POST /api/users "${TOK[admin]}" '{"login":"clerk1","role":"clerk","password":"pw-dup-0123456789"}'); [ "$s" = 409 ] && ok || bad "duplicate: $s"
s=$(req POST /api/users "${TOK[admin]}" '{"login":"weak1","role":"clerk","password":"tiny-pw"}'); [ "$s" = 400 ] && ok || bad "weak password: $s"
out=$(cat "$D/body"); expect "weak password named" "$out" '"field":"password"'; absent "weak password not echoed" "$out" "tiny-pw"
s=$(req POST /api/users "${TOK[admin]}" '{"login":"num1","role":"clerk","password":1234567890123}'); [ "$s" = 400 ] && ok || bad "numeric password: $s"
absent "numeric password not echoed" "$(cat "$D/body")" "1234567890123"
s=$(req GET /api/me "not-a-token"); [ "$s" = 401 ] && ok || bad "garbage token: $s"
s=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Basic ${TOK[clerk]}" "$URL/api/me"); [ "$s" = 401 ] && ok || bad "Basic: $s"
s=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: bearer ${TOK[clerk]}" "$URL/api/me"); [ "$s" = 200 ] && ok || bad "lower-case scheme: $s"
h=$(curl -s -i "$URL/api/me"); expect "401 asks for a bearer token" "$h" "WWW-Authenticate: Bearer"
expect "no caching" "$h" "Cache-Control: no-store"
s=$(req POST /api/login "" '{"login":"clerk1"}'); [ "$s" = 400 ] && ok || bad "login without password: $s"
expect "missing password named" "$(cat "$D/body")" '"field":"password"'
head -c 70000 /dev/zero | tr '\0' ' ' > "$D/big"
s=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer ${TOK[clerk]}" --data-binary @"$D/big" "$URL/api/reversals")
[ "$s" = 413 ] && ok || bad "64 KiB body: $s"

# ---- login: one message for every failure, lock after five wrong passwords in a row
s=$(req POST /api/login "" '{"login":"lock1","password":"wrong-password-1"}'); m1=$(cat "$D/body")
s2=$(req POST /api/login "" '{"login":"nobody","password":"wrong-password-1"}'); m2=$(cat "$D/body")
s3=$(req POST /api/login "" "{\"login\":\"dis1\",\"password\":\"$(pw dis1)\"}"); m3=$(cat "$D/body")
[ "$s$s2$s3" = 401401401 ] && ok || bad "failed logins: $s $s2 $s3"
[ "$m1" = "$m2" ] && [ "$m1" = "$m3" ] && ok || bad "failed logins differ: $m1 / $m2 / $m3"
absent "no hint" "$m1" "lock1"
for i in 2 3 4 5; do req POST /api/login "" '{"login":"lock1","password":"wrong-password-1"}' > /dev/null; done
s=$(req POST /api/login "" "{\"login\":\"lock1\",\"password\":\"$(pw lock1)\"}"); [ "$s" = 401 ] && ok || bad "locked login: $s"
[ "$(cat "$D/body")" = "$m1" ] && ok || bad "locked login says something else: $(cat "$D/body")"
n=$(q "SELECT locked_until - strftime('%s','now') BETWEEN 880 AND 900 FROM users WHERE login='lock1'")
[ "$n" = 1 ] && ok || bad "lock1 not locked for 15 minutes"
out=$("$Y" user list 2>&1); expect "list shows the lock" "$(printf '%s\n' "$out" | grep lock1)" "locked until"
"$Y" user enable lock1 > /dev/null 2>&1 && ok || bad "enable lock1"
s=$(req POST /api/login "" "{\"login\":\"lock1\",\"password\":\"$(pw lock1)\"}"); [ "$s" = 200 ] && ok || bad "login after enable: $s"
# a new password from the command line ends open sessions
t=$(login regulator1)
pw regulator1-new | "$Y" user passwd regulator1 > /dev/null 2>&1 && ok || bad "user passwd"
s=$(req GET /api/me "$t"); [ "$s" = 401 ] && ok || bad "session after a new password: $s"
s=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary "{\"login\":\"regulator1\",\"password\":\"$(pw regulator1-new)\"}" "$URL/api/login")
[ "$s" = 200 ] && ok || bad "login with the new password: $s"
# an expired session's user logs in again
s=$(req POST /api/login "" "{\"login\":\"exp1\",\"password\":\"$(pw exp1)\"}"); [ "$s" = 200 ] && ok || bad "exp1 again: $s"

kill -TERM "$PID"; wait "$PID"; rc=$?; PID=
[ "$rc" = 0 ] && ok || bad "server exit $rc after SIGTERM"

# ---- no password and no plain personal data anywhere it should not be
sqlite3 "$YIBAO_DB" "PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null
for s in "$(pw clerk1)" "$(pw admin1)" pw-made-0123456789 wrong-password-1 "${TOK[clerk]}"; do
  if grep -a -q -- "$s" "$YIBAO_DB" "$D/server.log" 2>/dev/null; then bad "'$s' is in the database or the access log"; else ok; fi
done
for s in 11010519491231002X 测试甲 13912345678; do
  grep -a -q -- "$s" "$D/server.log" "$YIBAO_DB" && bad "'$s' in the clear" || ok
done
out=$("$Y" verify-log 2>&1); rc=$?
[ $rc -eq 0 ] && ok || bad "verify-log exit $rc: $out"
expect "verify-log" "$out" "chain holds"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
