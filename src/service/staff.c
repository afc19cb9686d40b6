/*
 * staff.c — staff accounts, passwords and sessions (see include/yibao/staff.h).
 *
 * The slow part of every password operation (argon2id hashing or verification, about 0.1 s and
 * 64 MiB at libsodium's interactive limits) runs BEFORE the write transaction opens, so the
 * database's write lock is never held while hashing. What the transaction then writes does not
 * depend on anything read before it except the verification's outcome: counters move in SQL
 * (failed = failed + 1 ... RETURNING), so two logins racing on one account count both.
 *
 * Login always verifies exactly one hash: the user's, or for an unknown login a fixed dummy hash
 * made once per process, so an unknown login takes as long as a wrong password.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yibao/alog.h"
#include "yibao/staff.h"

/* ------------------------------------------------------------------ roles */

static const struct {
    const char *code, *name;
} roles[YB_ROLE_COUNT_] = {
    [YB_ROLE_CLERK] = {"clerk", "经办"},         [YB_ROLE_UNDERWRITER] = {"underwriter", "核保"},
    [YB_ROLE_AUDITOR] = {"auditor", "稽核财务"}, [YB_ROLE_ADMIN] = {"admin", "信息"},
    [YB_ROLE_SERVICE] = {"service", "客服"},     [YB_ROLE_REGULATOR] = {"regulator", "监管"},
};

const char *yb_role_code(yb_role r) { return (int)r >= 0 && r < YB_ROLE_COUNT_ ? roles[r].code : ""; }
const char *yb_role_name(yb_role r) { return (int)r >= 0 && r < YB_ROLE_COUNT_ ? roles[r].name : ""; }

int yb_role_parse(const char *code) {
    if (!code) return -1;
    for (int i = 0; i < YB_ROLE_COUNT_; i++)
        if (!strcmp(code, roles[i].code)) return i;
    return -1;
}

/* ------------------------------------------------------------------ checks */

#define LOGIN_FAILED_MSG "login failed: unknown login, wrong password, or the account is disabled or locked"
#define SESSION_MSG "no valid session: the token is unknown, expired or ended, or its user is disabled"

static int valid_login(const char *login) {
    if (!login) return 0;
    size_t n = strlen(login);
    if (n < 1 || n > YB_LOGIN_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = login[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return 0;
    }
    return 1;
}

static yb_rc check_login(const char *login, yb_err *err) {
    if (valid_login(login)) return YB_OK;
    return yb_err_set(err, YB_E_INVALID, "login", login,
                      "a login is 1..%d letters, digits, '.', '_' or '-', starting with a letter or digit", YB_LOGIN_MAX);
}

/* The staff member's own name is theirs: it is checked, never echoed into an error. */
static yb_rc check_name(const char *name, yb_err *err) {
    if (!name) return YB_OK;
    size_t n = strlen(name);
    if (n > YB_STAFF_NAME_MAX) return yb_err_set(err, YB_E_LIMIT, "name", NULL, "longer than %d bytes", YB_STAFF_NAME_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return yb_err_set(err, YB_E_INVALID, "name", NULL, "control character in the name");
    return YB_OK;
}

yb_rc yb_staff_check_password(const char *password, yb_err *err) {
    if (!password) return yb_err_set(err, YB_E_INVALID, "password", NULL, "missing");
    size_t n = strlen(password), chars = 0;
    if (n > YB_PASSWORD_MAX) return yb_err_set(err, YB_E_LIMIT, "password", NULL, "longer than %d bytes", YB_PASSWORD_MAX);
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)password[i] & 0xC0) != 0x80) chars++;
    if (chars < YB_PASSWORD_MIN)
        return yb_err_set(err, YB_E_INVALID, "password", NULL, "shorter than %d characters", YB_PASSWORD_MIN);
    return YB_OK;
}

static yb_rc check_role(yb_role role, yb_err *err) {
    if ((int)role >= 0 && role < YB_ROLE_COUNT_) return YB_OK;
    return yb_err_set(err, YB_E_INVALID, "role", NULL,
                      "not a role (clerk, underwriter, auditor, admin, service, regulator)");
}

static yb_rc hash_password(const char *password, char out[crypto_pwhash_STRBYTES], yb_err *err) {
    if (sodium_init() < 0) return yb_err_set(err, YB_E_INTERNAL, NULL, NULL, "libsodium failed to start");
    if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory hashing the password");
    return YB_OK;
}

/* ------------------------------------------------------------------ small SQL helpers */

static const char *col(sqlite3_stmt *st, int i) {
    const unsigned char *p = sqlite3_column_text(st, i);
    return p ? (const char *)p : "";
}

/* Run one write with up to three text and two integer parameters (?1..?3 text, ?4..?5 int). */
static yb_rc exec_w(yb_db *db, const char *sql, const char *t1, const char *t2, const char *t3, int64_t i4, int64_t i5,
                    int *changes, yb_err *err) {
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(db, sql, &st, err);
    if (rc) return rc;
    const char *t[3] = {t1, t2, t3};
    for (int i = 0; i < 3; i++)
        if (t[i]) sqlite3_bind_text(st, i + 1, t[i], -1, SQLITE_STATIC);
    if (sqlite3_bind_parameter_count(st) >= 4) sqlite3_bind_int64(st, 4, i4);
    if (sqlite3_bind_parameter_count(st) >= 5) sqlite3_bind_int64(st, 5, i5);
    rc = yb_db_step_done(db, st, err);
    yb_db_done(st);
    if (!rc && changes) *changes = sqlite3_changes(yb_db_sql(db));
    return rc;
}

#define USER_COLS "login, name, role, disabled, failed, ifnull(locked_until, 0), created_at, updated_at"

static void read_user(sqlite3_stmt *st, int at, yb_staff_user *u) {
    memset(u, 0, sizeof *u);
    snprintf(u->login, sizeof u->login, "%s", col(st, at));
    snprintf(u->name, sizeof u->name, "%s", col(st, at + 1));
    int r = yb_role_parse(col(st, at + 2));
    u->role = r < 0 ? YB_ROLE_REGULATOR : (yb_role)r;   /* the CHECK constraint makes r >= 0 */
    u->disabled = sqlite3_column_int(st, at + 3);
    u->failed = sqlite3_column_int(st, at + 4);
    u->locked_until = sqlite3_column_int64(st, at + 5);
    u->created_at = sqlite3_column_int64(st, at + 6);
    u->updated_at = sqlite3_column_int64(st, at + 7);
}

yb_rc yb_staff_get(yb_db *db, const char *login, yb_staff_user *out, yb_err *err) {
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(db, "SELECT " USER_COLS " FROM users WHERE login=?1", &st, err);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, login ? login : "", -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) read_user(st, 0, out);
    else rc = yb_err_set(err, YB_E_NOTFOUND, "login", login, "no such user");
    yb_db_done(st);
    return rc;
}

yb_rc yb_staff_list(yb_db *db, yb_staff_user **out, size_t *n, yb_err *err) {
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(db, "SELECT " USER_COLS " FROM users ORDER BY login", &st, err);
    if (rc) return rc;
    yb_staff_user *v = NULL;
    size_t cap = 0, k = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (k == cap) {
            size_t nc = cap ? cap * 2 : 16;
            yb_staff_user *p = realloc(v, nc * sizeof *v);
            if (!p) {
                rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
                break;
            }
            v = p;
            cap = nc;
        }
        read_user(st, 0, &v[k++]);
    }
    yb_db_done(st);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return YB_OK;
}

static void iso_time(int64_t t, char out[24]) {
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ------------------------------------------------------------------ user changes */

yb_rc yb_staff_add(yb_db *db, const char *login, const char *name, yb_role role, const char *password, int64_t now,
                   yb_err *err) {
    yb_rc rc = check_login(login, err);
    if (!rc) rc = check_name(name, err);
    if (!rc) rc = check_role(role, err);
    if (!rc) rc = yb_staff_check_password(password, err);
    char hash[crypto_pwhash_STRBYTES];
    if (!rc) rc = hash_password(password, hash, err);
    if (rc) return rc;
    rc = yb_db_begin(db, err);
    if (rc) return rc;
    sqlite3_stmt *st;
    rc = yb_db_prepare(db,
                       "INSERT INTO users(login, name, role, pw_hash, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
                       " ON CONFLICT(login) DO NOTHING",
                       &st, err);
    if (!rc) {
        sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, name ? name : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, yb_role_code(role), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, now);
        rc = yb_db_step_done(db, st, err);
        yb_db_done(st);
    }
    if (!rc && sqlite3_changes(yb_db_sql(db)) == 0) rc = yb_err_set(err, YB_E_DUPLICATE, "login", login, "the user exists");
    char detail[64];
    snprintf(detail, sizeof detail, "role %s", yb_role_code(role));
    if (!rc) rc = yb_alog_append(db, yb_db_actor(db), "staff.add", login, detail, err);
    if (!rc) rc = yb_db_commit(db, err);
    if (rc) yb_db_rollback(db);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

/* End the open sessions of a user; *n = how many. */
static yb_rc end_sessions(yb_db *db, const char *login, int64_t now, int *n, yb_err *err) {
    return exec_w(db, "UPDATE sessions SET ended_at=?4 WHERE login=?1 AND ended_at IS NULL AND expires_at > ?4", login, NULL,
                  NULL, now, 0, n, err);
}

yb_rc yb_staff_set_password(yb_db *db, const char *login, const char *password, int64_t now, yb_err *err) {
    yb_rc rc = check_login(login, err);
    if (!rc) rc = yb_staff_check_password(password, err);
    char hash[crypto_pwhash_STRBYTES];
    if (!rc) rc = hash_password(password, hash, err);
    if (rc) return rc;
    rc = yb_db_begin(db, err);
    if (rc) return rc;
    int n = 0, ended = 0;
    rc = exec_w(db, "UPDATE users SET pw_hash=?2, failed=0, locked_until=NULL, updated_at=?4 WHERE login=?1", login, hash,
                NULL, now, 0, &n, err);
    if (!rc && !n) rc = yb_err_set(err, YB_E_NOTFOUND, "login", login, "no such user");
    if (!rc) rc = end_sessions(db, login, now, &ended, err);
    char detail[64];
    snprintf(detail, sizeof detail, "%d session(s) ended", ended);
    if (!rc) rc = yb_alog_append(db, yb_db_actor(db), "staff.passwd", login, detail, err);
    if (!rc) rc = yb_db_commit(db, err);
    if (rc) yb_db_rollback(db);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

static yb_rc not_self(const char *by, const char *login, const char *what, yb_err *err) {
    if (by && !strcmp(by, login)) return yb_err_set(err, YB_E_PERM, "login", login, "nobody may %s their own account", what);
    return YB_OK;
}

yb_rc yb_staff_set_role(yb_db *db, const char *by, const char *login, yb_role role, int64_t now, yb_err *err) {
    yb_rc rc = check_login(login, err);
    if (!rc) rc = check_role(role, err);
    if (!rc) rc = not_self(by, login, "change the role of", err);
    if (rc) return rc;
    rc = yb_db_begin(db, err);
    if (rc) return rc;
    yb_staff_user u;
    memset(&u, 0, sizeof u);
    rc = yb_staff_get(db, login, &u, err);
    int n = 0;
    if (!rc) rc = exec_w(db, "UPDATE users SET role=?2, updated_at=?4 WHERE login=?1", login, yb_role_code(role), NULL, now, 0,
                         &n, err);
    char detail[64];
    snprintf(detail, sizeof detail, "%s -> %s", yb_role_code(u.role), yb_role_code(role));
    if (!rc) rc = yb_alog_append(db, yb_db_actor(db), "staff.role", login, detail, err);
    if (!rc) rc = yb_db_commit(db, err);
    if (rc) yb_db_rollback(db);
    return rc;
}

yb_rc yb_staff_set_disabled(yb_db *db, const char *by, const char *login, int disabled, int64_t now, yb_err *err) {
    yb_rc rc = check_login(login, err);
    if (!rc && disabled) rc = not_self(by, login, "disable", err);
    if (rc) return rc;
    rc = yb_db_begin(db, err);
    if (rc) return rc;
    int n = 0, ended = 0;
    rc = exec_w(db,
                disabled ? "UPDATE users SET disabled=1, updated_at=?4 WHERE login=?1"
                         : "UPDATE users SET disabled=0, failed=0, locked_until=NULL, updated_at=?4 WHERE login=?1",
                login, NULL, NULL, now, 0, &n, err);
    if (!rc && !n) rc = yb_err_set(err, YB_E_NOTFOUND, "login", login, "no such user");
    if (!rc && disabled) rc = end_sessions(db, login, now, &ended, err);
    char detail[64] = "";
    if (disabled) snprintf(detail, sizeof detail, "%d session(s) ended", ended);
    if (!rc) rc = yb_alog_append(db, yb_db_actor(db), disabled ? "staff.disable" : "staff.enable", login, detail, err);
    if (!rc) rc = yb_db_commit(db, err);
    if (rc) yb_db_rollback(db);
    return rc;
}

/* ------------------------------------------------------------------ login and sessions */

static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

/* A hash of a random password nobody knows, verified against for unknown logins. */
static void make_dummy(void) {
    unsigned char pw[24];
    randombytes_buf(pw, sizeof pw);
    if (crypto_pwhash_str(dummy_hash, (const char *)pw, sizeof pw, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        dummy_hash[0] = '\0';
    sodium_memzero(pw, sizeof pw);
}

/* SHA-256 (hex) of the 32 bytes a token's 64 hex digits stand for; -1 when it is not such a token. */
static int token_hash(const char *token, char out[65]) {
    unsigned char raw[32], h[crypto_hash_sha256_BYTES];
    size_t n = 0;
    if (!token || strlen(token) != YB_TOKEN_HEX) return -1;
    if (sodium_hex2bin(raw, sizeof raw, token, YB_TOKEN_HEX, NULL, &n, NULL) != 0 || n != sizeof raw) return -1;
    crypto_hash_sha256(h, raw, sizeof raw);
    sodium_bin2hex(out, 65, h, sizeof h);
    sodium_memzero(raw, sizeof raw);
    return 0;
}

/* A session's name in the audit log: the first 16 hex digits of its token hash (not a secret). */
static void session_ref(const char *hash, char out[17]) { snprintf(out, 17, "%.16s", hash); }

enum outcome { OK_LOGIN, UNKNOWN, LOCKED, DISABLED, WRONG };

yb_rc yb_staff_login(yb_db *db, const char *login, const char *password, int64_t now, int64_t ttl,
                     yb_staff_session_info *out, yb_err *err) {
    memset(out, 0, sizeof *out);
    if (ttl <= 0) ttl = YB_SESSION_TTL_DEFAULT;
    if (ttl > YB_SESSION_TTL_MAX) ttl = YB_SESSION_TTL_MAX;
    if (sodium_init() < 0) return yb_err_set(err, YB_E_INTERNAL, NULL, NULL, "libsodium failed to start");
    pthread_once(&dummy_once, make_dummy);

    /* 1. who (outside any transaction: nothing is written yet) */
    yb_staff_user u;
    memset(&u, 0, sizeof u);
    char stored[crypto_pwhash_STRBYTES] = "";
    int known = 0;
    if (valid_login(login)) {
        sqlite3_stmt *st;
        yb_rc rc = yb_db_prepare(db, "SELECT " USER_COLS ", pw_hash FROM users WHERE login=?1", &st, err);
        if (rc) return rc;
        sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            read_user(st, 0, &u);
            snprintf(stored, sizeof stored, "%s", col(st, 8));
            known = 1;
        }
        yb_db_done(st);
    }
    /* 2. exactly one verification, whatever the case */
    size_t pwlen = password ? strlen(password) : 0;
    int match = password && pwlen <= YB_PASSWORD_MAX &&
                crypto_pwhash_str_verify(known ? stored : dummy_hash, password, pwlen) == 0;
    enum outcome o = !known ? UNKNOWN
                     : u.locked_until > now ? LOCKED
                     : u.disabled ? DISABLED
                     : !match ? WRONG
                              : OK_LOGIN;
    /* a hash made under older limits is replaced while the password is at hand */
    char rehash[crypto_pwhash_STRBYTES] = "";
    if (o == OK_LOGIN &&
        crypto_pwhash_str_needs_rehash(stored, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        if (hash_password(password, rehash, NULL)) rehash[0] = '\0';
    sodium_memzero(stored, sizeof stored);

    /* 3. record the outcome */
    yb_rc rc = yb_db_begin(db, err);
    if (rc) return rc;
    char detail[96], actor[64], hash[65] = "", ref[17];
    if (o == OK_LOGIN) {
        unsigned char raw[32];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(out->token, sizeof out->token, raw, sizeof raw);
        sodium_memzero(raw, sizeof raw);
        if (token_hash(out->token, hash)) rc = yb_err_set(err, YB_E_INTERNAL, NULL, NULL, "token");
        if (!rc)
            rc = exec_w(db, "INSERT INTO sessions(token_hash, login, created_at, expires_at) VALUES (?1, ?2, ?4, ?5)", hash,
                        login, NULL, now, now + ttl, NULL, err);
        if (!rc)
            rc = exec_w(db, "UPDATE users SET failed=0, locked_until=NULL WHERE login=?1", login, NULL, NULL, 0, 0, NULL, err);
        if (!rc && rehash[0])
            rc = exec_w(db, "UPDATE users SET pw_hash=?2 WHERE login=?1", login, rehash, NULL, 0, 0, NULL, err);
        char until[24];
        iso_time(now + ttl, until);
        session_ref(hash, ref);
        snprintf(detail, sizeof detail, "session %s until %s", ref, until);
        snprintf(actor, sizeof actor, "staff %s", login);
        if (!rc) rc = yb_alog_append(db, actor, "staff.login", login, detail, err);
    } else if (o == WRONG) {
        sqlite3_stmt *st;
        rc = yb_db_prepare(db,
                           "UPDATE users SET failed = CASE WHEN failed + 1 >= ?2 THEN 0 ELSE failed + 1 END,"
                           " locked_until = CASE WHEN failed + 1 >= ?2 THEN ?3 ELSE locked_until END"
                           " WHERE login=?1 RETURNING failed, ifnull(locked_until, 0)",
                           &st, err);
        int failed = 0;
        int64_t until_t = 0;
        if (!rc) {
            sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 2, YB_LOCK_AFTER);
            sqlite3_bind_int64(st, 3, now + YB_LOCK_SECONDS);
            if (sqlite3_step(st) == SQLITE_ROW) {
                failed = sqlite3_column_int(st, 0);
                until_t = sqlite3_column_int64(st, 1);
            }
            yb_db_done(st);
        }
        if (failed == 0 && until_t > now) {
            char until[24];
            iso_time(until_t, until);
            snprintf(detail, sizeof detail, "wrong password, %d in a row: locked until %s", YB_LOCK_AFTER, until);
        } else {
            snprintf(detail, sizeof detail, "wrong password, %d in a row", failed);
        }
    } else {
        snprintf(detail, sizeof detail, "%s", o == UNKNOWN ? "unknown login" : o == LOCKED ? "account locked" : "account disabled");
    }
    /* an unknown login's text is not recorded: it may be a password typed into the wrong field */
    if (!rc && o != OK_LOGIN)
        rc = yb_alog_append(db, yb_db_actor(db), "staff.login_failed", o == UNKNOWN ? "" : login, detail, err);
    if (!rc) rc = yb_db_commit(db, err);
    sodium_memzero(rehash, sizeof rehash);
    if (rc) {
        yb_db_rollback(db);
        sodium_memzero(out, sizeof *out);
        return rc;
    }
    if (o != OK_LOGIN) {
        sodium_memzero(out, sizeof *out);
        return yb_err_set(err, YB_E_PERM, NULL, NULL, LOGIN_FAILED_MSG);
    }
    out->expires_at = now + ttl;
    /* the user as it is now (failed count and lock cleared) */
    u.failed = 0;
    u.locked_until = 0;
    out->user = u;
    return YB_OK;
}

/* The valid session of a token; hash (65) receives the token's hash. */
static yb_rc find_session(yb_db *db, const char *token, int64_t now, yb_staff_session_info *out, char *hash, yb_err *err) {
    memset(out, 0, sizeof *out);
    if (token_hash(token, hash)) return yb_err_set(err, YB_E_PERM, NULL, NULL, SESSION_MSG);
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(db,
                             "SELECT s.expires_at, s.ended_at IS NOT NULL, u.login, u.name, u.role, u.disabled, u.failed,"
                             " ifnull(u.locked_until, 0), u.created_at, u.updated_at"
                             " FROM sessions s JOIN users u ON u.login = s.login WHERE s.token_hash=?1",
                             &st, err);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        out->expires_at = sqlite3_column_int64(st, 0);
        int ended = sqlite3_column_int(st, 1);
        read_user(st, 2, &out->user);
        if (ended || now >= out->expires_at || out->user.disabled) found = 0;
    }
    yb_db_done(st);
    if (!found) {
        memset(out, 0, sizeof *out);
        return yb_err_set(err, YB_E_PERM, NULL, NULL, SESSION_MSG);
    }
    return YB_OK;
}

yb_rc yb_staff_session(yb_db *db, const char *token, int64_t now, yb_staff_session_info *out, yb_err *err) {
    char hash[65];
    return find_session(db, token, now, out, hash, err);
}

yb_rc yb_staff_logout(yb_db *db, const char *token, int64_t now, yb_err *err) {
    yb_rc rc = yb_db_begin(db, err);
    if (rc) return rc;
    char hash[65], ref[17], actor[64];
    yb_staff_session_info s;
    rc = find_session(db, token, now, &s, hash, err);
    if (!rc) rc = exec_w(db, "UPDATE sessions SET ended_at=?4 WHERE token_hash=?1", hash, NULL, NULL, now, 0, NULL, err);
    session_ref(hash, ref);
    char detail[64];
    snprintf(detail, sizeof detail, "session %s", ref);
    snprintf(actor, sizeof actor, "staff %s", s.user.login);
    if (!rc) rc = yb_alog_append(db, actor, "staff.logout", s.user.login, detail, err);
    if (!rc) rc = yb_db_commit(db, err);
    if (rc) yb_db_rollback(db);
    return rc;
}
