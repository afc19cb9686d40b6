/*
 * staff.h — staff accounts, passwords and sessions (service/staff.c; table users and sessions of
 * schema version 5; docs/staff.md).
 *
 * Every officer of the agency has a login and exactly one role:
 *
 *   clerk        经办      business processing (reversals, registry questions)
 *   underwriter  核保      underwriting
 *   auditor      稽核财务  finance and audit
 *   admin        信息      IT administration: manages users, approves and processes nothing
 *   service      客服      customer service
 *   regulator    监管      read-only regulator
 *
 * Passwords are kept only as argon2id hashes (libsodium crypto_pwhash_str, interactive limits);
 * a password is never logged, never put in an error and never taken from argv. Logging in fails
 * with ONE generic error whether the login is unknown, the password wrong, the account disabled
 * or locked, and costs one argon2id verification in every case, so neither the message nor the
 * time tells which. Five wrong passwords in a row lock the account for 15 minutes (a correct
 * password during the lock fails like a wrong one); a successful login, a new password or
 * enabling the account clears the count.
 *
 * A session is 32 random bytes given to the client once, as 64 hex digits; the database keeps
 * only their SHA-256. It expires at an absolute time (default 8 hours after login, no sliding),
 * ends at logout, and is refused while its user is disabled; it carries the user's CURRENT role,
 * so a role change applies to sessions already open. Disabling a user or setting a new password
 * ends the user's open sessions.
 *
 * Every write — user added, password set, role changed, disabled, enabled, login, failed login,
 * logout — appends an audit-log entry inside the same transaction (actions staff.*, object the
 * login). The actor is yb_db_actor(db) (the command line's "local user NAME", the API's
 * "staff LOGIN"); a successful login and a logout are by "staff LOGIN" themselves. The staff
 * member's name and the password never go into an entry. Clocks are explicit (`now`, Unix
 * seconds) so that expiry and lockout are testable.
 */
#ifndef YIBAO_STAFF_H
#define YIBAO_STAFF_H

#include <stddef.h>
#include <stdint.h>

#include "yibao/rc.h"
#include "yibao/store.h"

typedef enum yb_role {
    YB_ROLE_CLERK = 0,
    YB_ROLE_UNDERWRITER = 1,
    YB_ROLE_AUDITOR = 2,
    YB_ROLE_ADMIN = 3,
    YB_ROLE_SERVICE = 4,
    YB_ROLE_REGULATOR = 5,
    YB_ROLE_COUNT_ = 6
} yb_role;

/* ASCII code ("clerk") and Chinese name ("经办") of a role; "" for a value out of range. */
const char *yb_role_code(yb_role r);
const char *yb_role_name(yb_role r);
/* The role of a code; -1 when it is not one. */
int yb_role_parse(const char *code);

#define YB_LOGIN_MAX 32          /* bytes; letters, digits, '.', '_', '-', starting with a letter or digit */
#define YB_STAFF_NAME_MAX 64     /* bytes of UTF-8, no control characters */
#define YB_PASSWORD_MIN 10       /* characters (UTF-8 code points) */
#define YB_PASSWORD_MAX 256      /* bytes */
#define YB_LOCK_AFTER 5          /* wrong passwords in a row */
#define YB_LOCK_SECONDS (15 * 60)
#define YB_SESSION_TTL_DEFAULT (8 * 3600)
#define YB_SESSION_TTL_MAX (7 * 24 * 3600)
#define YB_TOKEN_HEX 64          /* a session token as given to the client */

typedef struct yb_staff_user {
    char login[YB_LOGIN_MAX + 1];
    char name[YB_STAFF_NAME_MAX + 1];
    yb_role role;
    int disabled;
    int failed;                  /* wrong passwords in a row */
    int64_t locked_until;        /* 0 when not locked (or the lock lies in the past) */
    int64_t created_at, updated_at;
} yb_staff_user;

/* Check a password against the rules (length); YB_E_INVALID naming field "password", never its value. */
yb_rc yb_staff_check_password(const char *password, yb_err *err);

/* Add a user. YB_E_DUPLICATE for a login that exists, YB_E_INVALID for a bad login, name, role or
 * password. */
yb_rc yb_staff_add(yb_db *db, const char *login, const char *name, yb_role role, const char *password, int64_t now,
                   yb_err *err);
/* Set a new password: clears failed attempts and the lock, ends the user's open sessions. */
yb_rc yb_staff_set_password(yb_db *db, const char *login, const char *password, int64_t now, yb_err *err);
/* `by` is the login of the staff member acting, NULL for the command line. Nobody changes their
 * own role or disables themselves (YB_E_PERM): an administrator cannot grant themselves a business
 * role, and the last administrator cannot shut everybody out by mistake. */
yb_rc yb_staff_set_role(yb_db *db, const char *by, const char *login, yb_role role, int64_t now, yb_err *err);
/* disabled = 1 disables (and ends the user's sessions), 0 enables (and clears the lock). Setting
 * the state a user already has succeeds and is logged too. */
yb_rc yb_staff_set_disabled(yb_db *db, const char *by, const char *login, int disabled, int64_t now, yb_err *err);
/* One user; YB_E_NOTFOUND when unknown. */
yb_rc yb_staff_get(yb_db *db, const char *login, yb_staff_user *out, yb_err *err);
/* All users ordered by login (heap array, free()). */
yb_rc yb_staff_list(yb_db *db, yb_staff_user **out, size_t *n, yb_err *err);

typedef struct yb_staff_session_info {
    char token[YB_TOKEN_HEX + 1];   /* the secret given to the client (login only; "" otherwise) */
    int64_t expires_at;
    yb_staff_user user;
} yb_staff_session_info;

/* Log in and open a session of ttl seconds (0 = YB_SESSION_TTL_DEFAULT; at most YB_SESSION_TTL_MAX).
 * Any refusal is YB_E_PERM with the same message; it is logged (staff.login_failed) with what
 * really happened. */
yb_rc yb_staff_login(yb_db *db, const char *login, const char *password, int64_t now, int64_t ttl,
                     yb_staff_session_info *out, yb_err *err);
/* The session of a token: YB_E_PERM (one message) when the token is unknown or malformed, the
 * session expired or ended, or its user is disabled. Reads only. out->token stays "". */
yb_rc yb_staff_session(yb_db *db, const char *token, int64_t now, yb_staff_session_info *out, yb_err *err);
/* End the session of a token (it must be valid, as for yb_staff_session). */
yb_rc yb_staff_logout(yb_db *db, const char *token, int64_t now, yb_err *err);

#endif
