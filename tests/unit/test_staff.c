/*
 * test_staff.c — staff accounts and sessions (service/staff.c) on an in-memory database: the
 * argon2id round trip, one generic refusal for every kind of failed login, the lock after five
 * wrong passwords in a row and its end after 15 minutes, disabled users, absolute session expiry
 * and logout driven by the `now` argument, role changes seen by open sessions, the password rules,
 * and the audit-log entry of every write (and never a password in it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "yibao/alog.h"
#include "yibao/staff.h"
#include "yibao/store.h"
#include "testdb.h"

#define T0 ((int64_t)1750000000)   /* 2025-06-15T15:06:40Z */
#define PW "correct horse battery"
#define PW2 "another secret 2"

static int setup(void **state) {
    yb_db *db;
    yb_err e;
    yb_err_clear(&e);
    if (yb_db_open(":memory:", 1, &db, &e)) return -1;
    yb_db_set_actor(db, "local user tester");
    *state = db;
    return 0;
}

static int teardown(void **state) {
    yb_db_close(*state);
    return 0;
}

static const char *q_text(yb_db *db, const char *sql) {
    static char buf[2048];
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(yb_db_sql(db), sql, -1, &st, NULL), SQLITE_OK);
    buf[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return buf;
}

static void add(yb_db *db, const char *login, yb_role role) {
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_staff_add(db, login, "测试 Officer", role, PW, T0, &e), YB_OK);
}

/* Log in, expecting success; returns the session. */
static yb_staff_session_info login_ok(yb_db *db, const char *login, const char *pw, int64_t now) {
    yb_staff_session_info s;
    yb_err e;
    yb_err_clear(&e);
    yb_rc rc = yb_staff_login(db, login, pw, now, 0, &s, &e);
    if (rc) fail_msg("login %s: %s", login, e.msg);
    return s;
}

/* Log in, expecting the generic refusal; returns its message. */
static const char *login_refused(yb_db *db, const char *login, const char *pw, int64_t now) {
    static char msg[256];
    yb_staff_session_info s;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_staff_login(db, login, pw, now, 0, &s, &e), YB_E_PERM);
    assert_string_equal(s.token, "");
    assert_string_equal(e.field, "");
    assert_string_equal(e.value, "");
    snprintf(msg, sizeof msg, "%s", e.msg);
    return msg;
}

static yb_rc session(yb_db *db, const char *token, int64_t now, yb_staff_session_info *s) {
    yb_err e;
    yb_err_clear(&e);
    return yb_staff_session(db, token, now, s, &e);
}

static void test_roles(void **state) {
    (void)state;
    assert_string_equal(yb_role_code(YB_ROLE_CLERK), "clerk");
    assert_string_equal(yb_role_name(YB_ROLE_CLERK), "经办");
    assert_string_equal(yb_role_name(YB_ROLE_AUDITOR), "稽核财务");
    assert_string_equal(yb_role_name(YB_ROLE_ADMIN), "信息");
    for (int r = 0; r < YB_ROLE_COUNT_; r++) assert_int_equal(yb_role_parse(yb_role_code((yb_role)r)), r);
    assert_int_equal(yb_role_parse("Clerk"), -1);
    assert_int_equal(yb_role_parse("经办"), -1);
    assert_int_equal(yb_role_parse(""), -1);
    assert_string_equal(yb_role_code((yb_role)YB_ROLE_COUNT_), "");
}

static void test_hash_round_trip(void **state) {
    yb_db *db = *state;
    add(db, "alice", YB_ROLE_CLERK);
    /* only an argon2id hash is stored, with libsodium's interactive limits */
    const char *h = q_text(db, "SELECT pw_hash FROM users WHERE login='alice'");
    assert_true(!strncmp(h, "$argon2id$v=19$m=65536,t=2,p=1$", 31));
    assert_null(strstr(h, PW));
    yb_staff_session_info s = login_ok(db, "alice", PW, T0 + 10);
    assert_int_equal(strlen(s.token), YB_TOKEN_HEX);
    assert_int_equal(strspn(s.token, "0123456789abcdef"), YB_TOKEN_HEX);
    assert_int_equal(s.expires_at, T0 + 10 + YB_SESSION_TTL_DEFAULT);
    assert_string_equal(s.user.login, "alice");
    assert_int_equal(s.user.role, YB_ROLE_CLERK);
    /* the database has the token's SHA-256, never the token */
    assert_int_equal(q_int(db, "SELECT count(*) FROM sessions"), 1);
    assert_int_equal(q_int(db, "SELECT length(token_hash) FROM sessions"), 64);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sessions WHERE token_hash='%s'", s.token);
    assert_int_equal(q_int(db, sql), 0);
    yb_staff_session_info c;
    assert_int_equal(session(db, s.token, T0 + 20, &c), YB_OK);
    assert_string_equal(c.user.login, "alice");
    assert_string_equal(c.user.name, "测试 Officer");
    assert_string_equal(c.token, "");
    assert_int_equal(c.expires_at, s.expires_at);
    /* two logins, two different sessions */
    yb_staff_session_info s2 = login_ok(db, "alice", PW, T0 + 30);
    assert_string_not_equal(s.token, s2.token);
    /* a token that is not one, or one never given */
    assert_int_equal(session(db, "", T0, &c), YB_E_PERM);
    assert_int_equal(session(db, "abc", T0, &c), YB_E_PERM);
    char other[YB_TOKEN_HEX + 1];
    snprintf(other, sizeof other, "%s", s.token);
    other[0] = other[0] == '0' ? '1' : '0';
    assert_int_equal(session(db, other, T0 + 20, &c), YB_E_PERM);
    other[0] = 'g';
    assert_int_equal(session(db, other, T0 + 20, &c), YB_E_PERM);
    assert_int_equal(session(db, NULL, T0, &c), YB_E_PERM);
}

static void test_wrong_password_generic(void **state) {
    yb_db *db = *state;
    add(db, "bob", YB_ROLE_AUDITOR);
    add(db, "carol", YB_ROLE_SERVICE);
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_staff_set_disabled(db, NULL, "carol", 1, T0, &e), YB_OK);
    char wrong[256], unknown[256], disabled[256], bad_login[256], nopw[256];
    snprintf(wrong, sizeof wrong, "%s", login_refused(db, "bob", "not the password", T0));
    snprintf(unknown, sizeof unknown, "%s", login_refused(db, "nobody", PW, T0));
    snprintf(disabled, sizeof disabled, "%s", login_refused(db, "carol", PW, T0));
    snprintf(bad_login, sizeof bad_login, "%s", login_refused(db, "not a login!", PW, T0));
    snprintf(nopw, sizeof nopw, "%s", login_refused(db, "bob", "", T0));
    /* one message whatever happened */
    assert_string_equal(wrong, unknown);
    assert_string_equal(wrong, disabled);
    assert_string_equal(wrong, bad_login);
    assert_string_equal(wrong, nopw);
    assert_null(strstr(wrong, "bob"));
    /* the log knows what happened; an unknown login's text is not kept */
    assert_int_equal(q_int(db, "SELECT count(*) FROM audit_log WHERE action='staff.login_failed'"), 5);
    assert_int_equal(q_int(db, "SELECT count(*) FROM audit_log WHERE action='staff.login_failed' AND object='bob'"
                               " AND detail='wrong password, 1 in a row'"), 1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM audit_log WHERE action='staff.login_failed' AND object=''"
                               " AND detail='unknown login'"), 2);
    assert_int_equal(q_int(db, "SELECT count(*) FROM audit_log WHERE action='staff.login_failed' AND object='carol'"
                               " AND detail='account disabled'"), 1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM audit_log WHERE detail LIKE '%nobody%' OR object LIKE '%nobody%'"), 0);
    assert_int_equal(q_int(db, "SELECT failed FROM users WHERE login='bob'"), 2);
    /* a NULL password is a refusal too */
    yb_staff_session_info s;
    assert_int_equal(yb_staff_login(db, "bob", NULL, T0, 0, &s, NULL), YB_E_PERM);
}

static void test_lockout(void **state) {
    yb_db *db = *state;
    add(db, "dave", YB_ROLE_CLERK);
    /* four wrong, then the right one: the count starts again */
    for (int i = 0; i < 4; i++) login_refused(db, "dave", "wrong password!", T0 + i);
    assert_int_equal(q_int(db, "SELECT failed FROM users WHERE login='dave'"), 4);
    login_ok(db, "dave", PW, T0 + 5);
    assert_int_equal(q_int(db, "SELECT failed FROM users WHERE login='dave'"), 0);
    /* five wrong in a row: locked for 15 minutes from the fifth */
    int64_t t5 = T0 + 100;
    for (int i = 0; i < 5; i++) login_refused(db, "dave", "wrong password!", T0 + 96 + i);
    assert_int_equal(q_int(db, "SELECT locked_until FROM users WHERE login='dave'"), t5 + YB_LOCK_SECONDS);
    yb_staff_user u;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_staff_get(db, "dave", &u, &e), YB_OK);
    assert_int_equal(u.locked_until, t5 + YB_LOCK_SECONDS);
    assert_int_equal(q_int(db, "SELECT count(*) FROM audit_log WHERE action='staff.login_failed' AND object='dave'"
                               " AND detail LIKE 'wrong password, 5 in a row: locked until 2025-06-15T15:%'"), 1);
    /* the right password during the lock fails like a wrong one, and does not extend the lock */
    login_refused(db, "dave", PW, t5 + 1);
    login_refused(db, "dave", PW, t5 + YB_LOCK_SECONDS - 1);
    assert_int_equal(q_int(db, "SELECT locked_until FROM users WHERE login='dave'"), t5 + YB_LOCK_SECONDS);
    assert_int_equal(q_int(db, "SELECT count(*) FROM audit_log WHERE action='staff.login_failed' AND object='dave'"
                               " AND detail='account locked'"), 2);
    /* after it, the right password works and clears the lock */
    login_ok(db, "dave", PW, t5 + YB_LOCK_SECONDS);
    assert_int_equal(q_int(db, "SELECT locked_until IS NULL AND failed = 0 FROM users WHERE login='dave'"), 1);
    /* a new password lifts a lock at once */
    for (int i = 0; i < 5; i++) login_refused(db, "dave", "wrong password!", t5 + 2000 + i);
    login_refused(db, "dave", PW, t5 + 2010);
    assert_int_equal(yb_staff_set_password(db, "dave", PW2, t5 + 2020, &e), YB_OK);
    login_ok(db, "dave", PW2, t5 + 2030);
    login_refused(db, "dave", PW, t5 + 2040);
    /* and so does enabling the account */
    for (int i = 0; i < 5; i++) login_refused(db, "dave", "wrong password!", t5 + 3000 + i);
    assert_int_equal(yb_staff_set_disabled(db, NULL, "dave", 0, t5 + 3010, &e), YB_OK);
    login_ok(db, "dave", PW2, t5 + 3020);
}

static void test_disabled(void **state) {
    yb_db *db = *state;
    add(db, "erin", YB_ROLE_UNDERWRITER);
    yb_staff_session_info s = login_ok(db, "erin", PW, T0), c;
    assert_int_equal(session(db, s.token, T0 + 1, &c), YB_OK);
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_staff_set_disabled(db, NULL, "erin", 1, T0 + 2, &e), YB_OK);
    /* the open session is refused (and ended), the right password is refused */
    assert_int_equal(session(db, s.token, T0 + 3, &c), YB_E_PERM);
    assert_int_equal(q_int(db, "SELECT ended_at FROM sessions WHERE login='erin'"), T0 + 2);
    login_refused(db, "erin", PW, T0 + 4);
    yb_staff_user u;
    assert_int_equal(yb_staff_get(db, "erin", &u, &e), YB_OK);
    assert_int_equal(u.disabled, 1);
    /* enabled again: a new login works; the ended session stays ended */
    assert_int_equal(yb_staff_set_disabled(db, NULL, "erin", 0, T0 + 5, &e), YB_OK);
    yb_staff_session_info s2 = login_ok(db, "erin", PW, T0 + 6);
    assert_int_equal(session(db, s2.token, T0 + 7, &c), YB_OK);
    assert_int_equal(session(db, s.token, T0 + 7, &c), YB_E_PERM);
    /* a session is refused while its user is disabled even if it was not ended */
    assert_int_equal(sqlite3_exec(yb_db_sql(db), "UPDATE users SET disabled=1 WHERE login='erin'", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(session(db, s2.token, T0 + 8, &c), YB_E_PERM);
    /* nobody disables themselves; unknown users are named */
    yb_err_clear(&e);
    assert_int_equal(yb_staff_set_disabled(db, "erin", "erin", 1, T0, &e), YB_E_PERM);
    yb_err_clear(&e);
    assert_int_equal(yb_staff_set_disabled(db, NULL, "ghost", 1, T0, &e), YB_E_NOTFOUND);
    assert_string_equal(e.value, "ghost");
}

static void test_session_expiry(void **state) {
    yb_db *db = *state;
    add(db, "frank", YB_ROLE_REGULATOR);
    yb_staff_session_info s, c;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_staff_login(db, "frank", PW, T0, 3600, &s, &e), YB_OK);
    assert_int_equal(s.expires_at, T0 + 3600);
    assert_int_equal(session(db, s.token, T0, &c), YB_OK);
    assert_int_equal(session(db, s.token, T0 + 3599, &c), YB_OK);
    assert_int_equal(session(db, s.token, T0 + 3600, &c), YB_E_PERM);
    assert_int_equal(session(db, s.token, T0 + 99999, &c), YB_E_PERM);
    /* absolute: using the session does not extend it */
    yb_staff_session_info d = login_ok(db, "frank", PW, T0);
    for (int64_t t = T0; t < T0 + YB_SESSION_TTL_DEFAULT; t += 3600) assert_int_equal(session(db, d.token, t, &c), YB_OK);
    assert_int_equal(session(db, d.token, T0 + YB_SESSION_TTL_DEFAULT, &c), YB_E_PERM);
    /* an expired session cannot be logged out */
    assert_int_equal(yb_staff_logout(db, s.token, T0 + 3600, &e), YB_E_PERM);
    /* the ttl is bounded */
    assert_int_equal(yb_staff_login(db, "frank", PW, T0, (int64_t)1 << 40, &s, &e), YB_OK);
    assert_int_equal(s.expires_at, T0 + YB_SESSION_TTL_MAX);
}

static void test_logout(void **state) {
    yb_db *db = *state;
    add(db, "gina", YB_ROLE_SERVICE);
    yb_staff_session_info a = login_ok(db, "gina", PW, T0), b = login_ok(db, "gina", PW, T0), c;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_staff_logout(db, a.token, T0 + 60, &e), YB_OK);
    assert_int_equal(session(db, a.token, T0 + 61, &c), YB_E_PERM);
    /* the other session is untouched */
    assert_int_equal(session(db, b.token, T0 + 61, &c), YB_OK);
    /* ended once */
    yb_err_clear(&e);
    assert_int_equal(yb_staff_logout(db, a.token, T0 + 62, &e), YB_E_PERM);
    assert_int_equal(q_int(db, "SELECT count(*) FROM sessions WHERE ended_at = 1750000060"), 1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM audit_log WHERE action='staff.logout'"), 1);
    assert_string_equal(q_text(db, "SELECT actor FROM audit_log WHERE action='staff.logout'"), "staff gina");
    /* a new password ends every open session */
    assert_int_equal(yb_staff_set_password(db, "gina", PW2, T0 + 70, &e), YB_OK);
    assert_int_equal(session(db, b.token, T0 + 71, &c), YB_E_PERM);
    assert_string_equal(q_text(db, "SELECT detail FROM audit_log WHERE action='staff.passwd'"), "1 session(s) ended");
}

static void test_role_change(void **state) {
    yb_db *db = *state;
    add(db, "hank", YB_ROLE_CLERK);
    add(db, "root", YB_ROLE_ADMIN);
    yb_staff_session_info s = login_ok(db, "hank", PW, T0), c;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_staff_set_role(db, "root", "hank", YB_ROLE_AUDITOR, T0 + 5, &e), YB_OK);
    /* the open session carries the role as it is now */
    assert_int_equal(session(db, s.token, T0 + 6, &c), YB_OK);
    assert_int_equal(c.user.role, YB_ROLE_AUDITOR);
    assert_string_equal(q_text(db, "SELECT role FROM users WHERE login='hank'"), "auditor");
    assert_int_equal(q_int(db, "SELECT updated_at FROM users WHERE login='hank'"), T0 + 5);
    assert_string_equal(q_text(db, "SELECT detail FROM audit_log WHERE action='staff.role'"), "clerk -> auditor");
    /* an administrator cannot give themselves another role */
    yb_err_clear(&e);
    assert_int_equal(yb_staff_set_role(db, "root", "root", YB_ROLE_CLERK, T0, &e), YB_E_PERM);
    assert_string_equal(q_text(db, "SELECT role FROM users WHERE login='root'"), "admin");
    yb_err_clear(&e);
    assert_int_equal(yb_staff_set_role(db, NULL, "nobody", YB_ROLE_CLERK, T0, &e), YB_E_NOTFOUND);
    yb_err_clear(&e);
    assert_int_equal(yb_staff_set_role(db, NULL, "hank", (yb_role)9, T0, &e), YB_E_INVALID);
    assert_string_equal(e.field, "role");
    /* the database refuses a role that is not one, whoever writes it */
    assert_int_not_equal(sqlite3_exec(yb_db_sql(db), "UPDATE users SET role='boss' WHERE login='hank'", NULL, NULL, NULL),
                         SQLITE_OK);
}

static void test_add_rules(void **state) {
    yb_db *db = *state;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_staff_add(db, "ivy", "", YB_ROLE_CLERK, "pw-tiny9", T0, &e), YB_E_INVALID);
    assert_string_equal(e.field, "password");
    assert_string_equal(e.value, "");
    assert_null(strstr(e.msg, "tiny9"));
    /* characters, not bytes: 9 Chinese characters are 27 bytes and still too short; 10 will do */
    yb_err_clear(&e);
    assert_int_equal(yb_staff_add(db, "ivy", "", YB_ROLE_CLERK, "一二三四五六七八九", T0, &e), YB_E_INVALID);
    yb_err_clear(&e);
    assert_int_equal(yb_staff_add(db, "ivy", "", YB_ROLE_CLERK, "一二三四五六七八九十", T0, &e), YB_OK);
    login_ok(db, "ivy", "一二三四五六七八九十", T0);
    yb_err_clear(&e);
    assert_int_equal(yb_staff_add(db, "ivy", "", YB_ROLE_CLERK, PW, T0, &e), YB_E_DUPLICATE);
    static const char *const bad_logins[] = {"", "-ivy", "i vy", "ivy;drop", "李四", "abcdefghijklmnopqrstuvwxyz0123456"};
    for (size_t i = 0; i < sizeof bad_logins / sizeof bad_logins[0]; i++) {
        yb_err_clear(&e);
        assert_int_equal(yb_staff_add(db, bad_logins[i], "", YB_ROLE_CLERK, PW, T0, &e), YB_E_INVALID);
        assert_string_equal(e.field, "login");
    }
    yb_err_clear(&e);
    assert_int_equal(yb_staff_add(db, "j.doe-2_x", "", YB_ROLE_CLERK, PW, T0, &e), YB_OK);
    yb_err_clear(&e);
    assert_int_equal(yb_staff_add(db, "kim", "tab\there", YB_ROLE_CLERK, PW, T0, &e), YB_E_INVALID);
    assert_string_equal(e.field, "name");
    assert_string_equal(e.value, "");
    char longpw[YB_PASSWORD_MAX + 2];
    memset(longpw, 'x', sizeof longpw - 1);
    longpw[sizeof longpw - 1] = '\0';
    yb_err_clear(&e);
    assert_int_equal(yb_staff_add(db, "kim", "", YB_ROLE_CLERK, longpw, T0, &e), YB_E_LIMIT);
    /* list: ordered by login */
    yb_staff_user *u;
    size_t n;
    assert_int_equal(yb_staff_list(db, &u, &n, &e), YB_OK);
    assert_int_equal(n, 2);
    assert_string_equal(u[0].login, "ivy");
    assert_string_equal(u[1].login, "j.doe-2_x");
    assert_int_equal(u[0].created_at, T0);
    free(u);
}

/* Every write has its entry, by the right actor, in order; the chain holds; no password anywhere. */
static void test_audit_entries(void **state) {
    yb_db *db = *state;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_staff_add(db, "lee", "Lee", YB_ROLE_CLERK, PW, T0, &e), YB_OK);
    assert_int_equal(yb_staff_add(db, "root", "", YB_ROLE_ADMIN, PW, T0, &e), YB_OK);
    assert_int_equal(yb_staff_set_password(db, "lee", PW2, T0 + 1, &e), YB_OK);
    yb_db_set_actor(db, "staff root");
    assert_int_equal(yb_staff_set_role(db, "root", "lee", YB_ROLE_SERVICE, T0 + 2, &e), YB_OK);
    assert_int_equal(yb_staff_set_disabled(db, "root", "lee", 1, T0 + 3, &e), YB_OK);
    assert_int_equal(yb_staff_set_disabled(db, "root", "lee", 0, T0 + 4, &e), YB_OK);
    yb_db_set_actor(db, "api client");
    login_refused(db, "lee", PW, T0 + 5);
    yb_staff_session_info s = login_ok(db, "lee", PW2, T0 + 6);
    assert_int_equal(yb_staff_logout(db, s.token, T0 + 7, &e), YB_OK);
    /* a failed change writes nothing */
    long long before = q_int(db, "SELECT count(*) FROM audit_log");
    assert_int_equal(yb_staff_add(db, "lee", "", YB_ROLE_CLERK, PW, T0, &e), YB_E_DUPLICATE);
    assert_int_equal(q_int(db, "SELECT count(*) FROM audit_log"), before);
    const char *log = q_text(db, "SELECT group_concat(actor || '|' || action || '|' || object || '|' || detail, '\n')"
                                 " FROM (SELECT * FROM audit_log ORDER BY seq)");
    const char *want_prefix =
        "local user tester|staff.add|lee|role clerk\n"
        "local user tester|staff.add|root|role admin\n"
        "local user tester|staff.passwd|lee|0 session(s) ended\n"
        "staff root|staff.role|lee|clerk -> service\n"
        "staff root|staff.disable|lee|0 session(s) ended\n"
        "staff root|staff.enable|lee|\n"
        "api client|staff.login_failed|lee|wrong password, 1 in a row\n"
        "staff lee|staff.login|lee|session ";
    assert_true(!strncmp(log, want_prefix, strlen(want_prefix)));
    assert_non_null(strstr(log, " until 2025-06-15T23:06:46Z"));
    assert_non_null(strstr(log, "\nstaff lee|staff.logout|lee|session "));
    /* the login and the logout name the same session */
    char ref[17];
    const char *p = strstr(log, "staff.login|lee|session ") + strlen("staff.login|lee|session ");
    snprintf(ref, sizeof ref, "%.16s", p);
    char want[64];
    snprintf(want, sizeof want, "staff.logout|lee|session %s", ref);
    assert_non_null(strstr(log, want));
    /* no password, no staff name in the log */
    assert_int_equal(q_int(db, "SELECT count(*) FROM audit_log WHERE instr(detail, 'horse') OR instr(detail, 'secret')"
                               " OR instr(object, 'horse') OR instr(detail, 'Lee')"), 0);
    yb_alog_report r;
    assert_int_equal(yb_alog_verify(db, &r, &e), YB_OK);
    assert_int_equal(r.bad_seq, 0);
    assert_int_equal(r.entries, 9);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test_setup_teardown(test_hash_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_password_generic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disabled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_role_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_entries, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
