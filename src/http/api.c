/*
 * api.c — the staff REST API (see include/yibao/api.h and docs/staff.md).
 *
 * Who may call what is data: the table `routes` below lists every route with the roles allowed on
 * it and the roles that may read personal data in the clear through it. A request goes through
 * the same steps in the same order whatever the route:
 *
 *   1. route      the method and path match an entry (404 no path, 405 path under another method)
 *   2. session    Authorization: Bearer TOKEN names a valid session (401), unless the route is open
 *   3. role       the session's role is in the entry's roles (403)
 *   4. query      only ?unmasked=0|1, only where the entry has clear roles, and then by one of them
 *   5. body       a JSON object with only the entry's members (400 naming the member)
 *   6. handler    calls one service; its yb_rc becomes the status
 *
 * Handlers are thin: parse, call a service (service/, staff.c), format. The password of a login or
 * a new user is read from the parsed body and never copied into an error or the audit log.
 */
#include <ctype.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "yibao/alog.h"
#include "yibao/api.h"
#include "yibao/json_num.h"
#include "yibao/service.h"
#include "yibao/staff.h"

#define PARAM_MAX 64
#define REASON_MAX 200

typedef struct api_req {
    yb_db *db;
    int64_t now;
    char params[2][PARAM_MAX + 1];  /* the path's '*' segments, in order */
    int unmasked;                   /* ?unmasked=1 */
    json_object *body;              /* the parsed body, NULL when the route takes none */
    const char *token;              /* the bearer token (points into the Authorization header) */
    yb_staff_session_info s;        /* the caller's session, on routes that need one */
    int status;                     /* success status of the handler (200 unless set) */
    yb_err err;
} api_req;

typedef yb_rc (*handler)(api_req *r, yb_jw *w);

/* ------------------------------------------------------------------ helpers */

static yb_rc bad(api_req *r, const char *field, const char *fmt, const char *what) {
    return yb_err_set(&r->err, YB_E_INVALID, field, NULL, fmt, what);
}

/* A member of the body as a string (JSON string only), 1..cap-1 bytes; absent is "" when optional.
 * The value is never echoed: it may be a password or a name. */
static yb_rc str_member(api_req *r, const char *key, int required, char *out, size_t cap) {
    out[0] = '\0';
    json_object *v = NULL;
    if (!r->body || !json_object_object_get_ex(r->body, key, &v) || json_object_get_type(v) == json_type_null) {
        if (required) return bad(r, key, "%s", "missing");
        return YB_OK;
    }
    if (json_object_get_type(v) != json_type_string) return bad(r, key, "%s", "a string expected");
    size_t n = (size_t)json_object_get_string_len(v);
    const char *s = json_object_get_string(v);
    if (memchr(s, '\0', n)) return bad(r, key, "%s", "a NUL character in the string");
    if (n >= cap) return yb_err_set(&r->err, YB_E_LIMIT, key, NULL, "longer than %zu bytes", cap - 1);
    if (required && n == 0) return bad(r, key, "%s", "empty");
    memcpy(out, s, n + 1);
    return YB_OK;
}

/* Wipe the password member of the body in place before the body is freed. */
static void wipe_member(api_req *r, const char *key) {
    json_object *v = NULL;
    if (r->body && json_object_object_get_ex(r->body, key, &v) && json_object_get_type(v) == json_type_string)
        sodium_memzero((char *)json_object_get_string(v), (size_t)json_object_get_string_len(v));
}

static void put_user(yb_jw *w, const yb_staff_user *u, int64_t now) {
    yb_jw_open(w, '{');
    yb_jw_key(w, "login");
    yb_jw_str(w, u->login);
    yb_jw_key(w, "name");
    yb_jw_str(w, u->name);
    yb_jw_key(w, "role");
    yb_jw_str(w, yb_role_code(u->role));
    yb_jw_key(w, "role_name");
    yb_jw_str(w, yb_role_name(u->role));
    yb_jw_key(w, "disabled");
    yb_jw_bool(w, u->disabled);
    yb_jw_key(w, "locked_until");
    if (u->locked_until > now) yb_jw_int(w, u->locked_until);
    else yb_jw_null(w);
    yb_jw_key(w, "created_at");
    yb_jw_int(w, u->created_at);
    yb_jw_key(w, "updated_at");
    yb_jw_int(w, u->updated_at);
    yb_jw_close(w, '}');
}

static int64_t session_ttl(void) {
    const char *e = getenv("YIBAO_SESSION_TTL");
    if (!e || !*e) return YB_SESSION_TTL_DEFAULT;
    char *end;
    long long v = strtoll(e, &end, 10);
    if (*end || v < 60 || v > YB_SESSION_TTL_MAX) return YB_SESSION_TTL_DEFAULT;
    return v;
}

static yb_rc role_member(api_req *r, yb_role *out) {
    char code[32];
    yb_rc rc = str_member(r, "role", 1, code, sizeof code);
    if (rc) return rc;
    int role = yb_role_parse(code);
    if (role < 0)
        return yb_err_set(&r->err, YB_E_INVALID, "role", code,
                          "not a role (clerk, underwriter, auditor, admin, service, regulator)");
    *out = (yb_role)role;
    return YB_OK;
}

/* ------------------------------------------------------------------ handlers */

static yb_rc h_login(api_req *r, yb_jw *w) {
    char login[YB_LOGIN_MAX + 8], pw[YB_PASSWORD_MAX + 1];
    yb_rc rc = str_member(r, "login", 1, login, sizeof login);
    if (!rc) rc = str_member(r, "password", 1, pw, sizeof pw);
    wipe_member(r, "password");
    if (rc) {
        sodium_memzero(pw, sizeof pw);
        return rc;
    }
    yb_staff_session_info s;
    rc = yb_staff_login(r->db, login, pw, r->now, session_ttl(), &s, &r->err);
    sodium_memzero(pw, sizeof pw);
    if (rc) return rc;
    char iso[24];
    time_t t = (time_t)s.expires_at;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    yb_jw_open(w, '{');
    yb_jw_key(w, "token");
    yb_jw_str(w, s.token);
    yb_jw_key(w, "expires_at");
    yb_jw_int(w, s.expires_at);
    yb_jw_key(w, "expires");
    yb_jw_str(w, iso);
    yb_jw_key(w, "login");
    yb_jw_str(w, s.user.login);
    yb_jw_key(w, "role");
    yb_jw_str(w, yb_role_code(s.user.role));
    yb_jw_key(w, "role_name");
    yb_jw_str(w, yb_role_name(s.user.role));
    yb_jw_close(w, '}');
    sodium_memzero(&s, sizeof s);
    return YB_OK;
}

static yb_rc h_logout(api_req *r, yb_jw *w) {
    yb_rc rc = yb_staff_logout(r->db, r->token, r->now, &r->err);
    if (rc) return rc;
    yb_jw_open(w, '{');
    yb_jw_key(w, "ended");
    yb_jw_bool(w, 1);
    yb_jw_close(w, '}');
    return YB_OK;
}

static yb_rc h_me(api_req *r, yb_jw *w) {
    yb_jw_open(w, '{');
    yb_jw_key(w, "login");
    yb_jw_str(w, r->s.user.login);
    yb_jw_key(w, "name");
    yb_jw_str(w, r->s.user.name);
    yb_jw_key(w, "role");
    yb_jw_str(w, yb_role_code(r->s.user.role));
    yb_jw_key(w, "role_name");
    yb_jw_str(w, yb_role_name(r->s.user.role));
    yb_jw_key(w, "expires_at");
    yb_jw_int(w, r->s.expires_at);
    yb_jw_close(w, '}');
    return YB_OK;
}

/* The person view (service.h), masked; with ?unmasked=1 the four personal fields in the clear,
 * after yb_svc_person_unmasked has written the read to the audit log. */
static yb_rc h_person(api_req *r, yb_jw *w) {
    const char *psn = r->params[0];
    yb_person_pdata pd;
    int clear = r->unmasked;
    if (clear) {
        char why[160];
        snprintf(why, sizeof why, "GET /api/persons/%s?unmasked=1", psn);
        yb_rc rc = yb_svc_person_unmasked(r->db, psn, yb_db_actor(r->db), why, &pd, &r->err);
        if (rc) return rc;
    }
    char *view = NULL;
    yb_rc rc = yb_svc_show_person(r->db, psn, &view, &r->err);
    json_object *o = NULL;
    if (!rc && clear) {
        /* replace the masked members; json-c keeps every number's text, so amounts are unchanged */
        rc = yb_json_parse(view, strlen(view), "person view", &o, &r->err);
        const char *keys[] = {"certno", "psn_name", "tel", "addr"};
        const char *vals[] = {pd.certno, pd.psn_name, pd.tel, pd.addr};
        for (int i = 0; i < 4 && !rc; i++)
            json_object_object_add(o, keys[i], vals[i][0] ? json_object_new_string(vals[i]) : NULL);
        if (!rc) {
            free(view);
            view = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
            if (!view) rc = yb_err_set(&r->err, YB_E_NOMEM, NULL, NULL, "out of memory");
        }
        json_object_put(o);
    }
    if (clear) sodium_memzero(&pd, sizeof pd);
    if (!rc) {
        yb_jw_open(w, '{');
        yb_jw_key(w, "masked");
        yb_jw_bool(w, !clear);
        yb_jw_key(w, "person");
        yb_jw_raw(w, view);
        yb_jw_close(w, '}');
    }
    if (view) sodium_memzero(view, strlen(view));
    free(view);
    return rc;
}

static yb_rc raw_reply(api_req *r, yb_jw *w, yb_rc (*get)(yb_db *, const char *, char **, yb_err *)) {
    char *json = NULL;
    yb_rc rc = get(r->db, r->params[0], &json, &r->err);
    if (!rc) yb_jw_raw(w, json);
    free(json);
    return rc;
}

static yb_rc h_visit(api_req *r, yb_jw *w) { return raw_reply(r, w, yb_svc_visit_json); }
static yb_rc h_settlement(api_req *r, yb_jw *w) { return raw_reply(r, w, yb_svc_settlement_json); }

/* The reversal and the reason for it go into the audit log in one transaction with it. */
static yb_rc h_reversal(api_req *r, yb_jw *w) {
    char setl[40] = "", reason[REASON_MAX + 1] = "";
    yb_rc rc = str_member(r, "setl_id", 1, setl, sizeof setl);
    if (!rc) rc = str_member(r, "reason", 1, reason, sizeof reason);
    for (const unsigned char *p = (const unsigned char *)reason; !rc && *p; p++)
        if (*p < 0x20 || *p == 0x7f) rc = bad(r, "reason", "%s", "a control character in the reason");
    if (rc) return rc;
    rc = yb_db_begin(r->db, &r->err);
    if (rc) return rc;
    yb_settle_result res;
    rc = yb_svc_reverse(r->db, setl, NULL, &res, &r->err);
    if (!rc) rc = yb_alog_append(r->db, yb_db_actor(r->db), "reverse.reason", setl, reason, &r->err);
    if (!rc) rc = yb_db_commit(r->db, &r->err);
    if (rc) {
        yb_db_rollback(r->db);
        yb_settle_result_release(&res);
        return rc;
    }
    yb_jw_open(w, '{');
    yb_jw_key(w, "setl_id");
    yb_jw_str(w, setl);
    yb_jw_key(w, "reversal_setl_id");
    yb_jw_str(w, res.setl_id);
    yb_jw_key(w, "result");
    yb_jw_raw(w, res.reply);
    yb_jw_close(w, '}');
    yb_settle_result_release(&res);
    return YB_OK;
}

static yb_rc h_users(api_req *r, yb_jw *w) {
    yb_staff_user *u = NULL;
    size_t n = 0;
    yb_rc rc = yb_staff_list(r->db, &u, &n, &r->err);
    if (rc) return rc;
    yb_jw_open(w, '{');
    yb_jw_key(w, "users");
    yb_jw_open(w, '[');
    for (size_t i = 0; i < n; i++) put_user(w, &u[i], r->now);
    yb_jw_close(w, ']');
    yb_jw_close(w, '}');
    free(u);
    return YB_OK;
}

static yb_rc h_user_add(api_req *r, yb_jw *w) {
    char login[YB_LOGIN_MAX + 8], name[YB_STAFF_NAME_MAX + 1], pw[YB_PASSWORD_MAX + 1];
    yb_role role = YB_ROLE_REGULATOR;
    yb_rc rc = str_member(r, "login", 1, login, sizeof login);
    if (!rc) rc = role_member(r, &role);
    if (!rc) rc = str_member(r, "name", 0, name, sizeof name);
    if (!rc) rc = str_member(r, "password", 1, pw, sizeof pw);
    wipe_member(r, "password");
    if (!rc) rc = yb_staff_add(r->db, login, name, role, pw, r->now, &r->err);
    sodium_memzero(pw, sizeof pw);
    yb_staff_user u;
    if (!rc) rc = yb_staff_get(r->db, login, &u, &r->err);
    if (rc) return rc;
    r->status = 201;
    put_user(w, &u, r->now);
    return YB_OK;
}

static yb_rc user_reply(api_req *r, yb_jw *w) {
    yb_staff_user u;
    yb_rc rc = yb_staff_get(r->db, r->params[0], &u, &r->err);
    if (!rc) put_user(w, &u, r->now);
    return rc;
}

static yb_rc h_user_role(api_req *r, yb_jw *w) {
    yb_role role = YB_ROLE_REGULATOR;
    yb_rc rc = role_member(r, &role);
    if (!rc) rc = yb_staff_set_role(r->db, r->s.user.login, r->params[0], role, r->now, &r->err);
    return rc ? rc : user_reply(r, w);
}

static yb_rc h_user_disable(api_req *r, yb_jw *w) {
    yb_rc rc = yb_staff_set_disabled(r->db, r->s.user.login, r->params[0], 1, r->now, &r->err);
    return rc ? rc : user_reply(r, w);
}

static yb_rc h_user_enable(api_req *r, yb_jw *w) {
    yb_rc rc = yb_staff_set_disabled(r->db, r->s.user.login, r->params[0], 0, r->now, &r->err);
    return rc ? rc : user_reply(r, w);
}

/* ------------------------------------------------------------------ the rules */

#define R(x) (1u << YB_ROLE_##x)
#define OPEN 0u                                       /* no session needed */
#define STAFF (R(CLERK) | R(UNDERWRITER) | R(AUDITOR) | R(ADMIN) | R(SERVICE) | R(REGULATOR))
#define READERS (STAFF & ~R(ADMIN))                   /* an administrator reads no business records */

static const struct route {
    const char *method;
    const char *pattern;   /* '*' is one path segment, handed to the handler in params */
    unsigned roles;        /* who may call it (bit per yb_role); OPEN: anyone, no session */
    unsigned clear_roles;  /* who may add ?unmasked=1 (personal data in the clear); 0: no query taken */
    const char *members;   /* JSON body members, space-separated; "": no body (or an empty object) */
    handler fn;
} routes[] = {
    {"POST", "/api/login", OPEN, 0, "login password", h_login},
    {"POST", "/api/logout", STAFF, 0, "", h_logout},
    {"GET", "/api/me", STAFF, 0, "", h_me},
    {"GET", "/api/persons/*", READERS, R(CLERK) | R(SERVICE), "", h_person},
    {"GET", "/api/visits/*", READERS, 0, "", h_visit},
    {"GET", "/api/settlements/*", READERS, 0, "", h_settlement},
    {"POST", "/api/reversals", R(CLERK), 0, "setl_id reason", h_reversal},
    {"GET", "/api/users", R(ADMIN), 0, "", h_users},
    {"POST", "/api/users", R(ADMIN), 0, "login role name password", h_user_add},
    {"POST", "/api/users/*/role", R(ADMIN), 0, "role", h_user_role},
    {"POST", "/api/users/*/disable", R(ADMIN), 0, "", h_user_disable},
    {"POST", "/api/users/*/enable", R(ADMIN), 0, "", h_user_enable},
};
#define N_ROUTES (sizeof routes / sizeof routes[0])

/* ------------------------------------------------------------------ dispatch */

static int valid_param(const char *s, size_t n) {
    if (n < 1 || n > PARAM_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-') return 0;
    return 1;
}

/* Does path (without query) match pattern? Fills r->params; 1 match, 0 not, -1 matched with a
 * '*' segment that is not an id. */
static int match(const char *pattern, const char *path, size_t plen, api_req *r) {
    const char *p = pattern, *s = path, *end = path + plen;
    int k = 0, badp = 0;
    while (*p && s < end) {
        if (*p == '*') {
            const char *e = memchr(s, '/', (size_t)(end - s));
            if (!e) e = end;
            if (e == s) return 0;
            if (k < 2) {
                if (!valid_param(s, (size_t)(e - s))) badp = 1;
                else snprintf(r->params[k], sizeof r->params[k], "%.*s", (int)(e - s), s);
                k++;
            }
            s = e;
            p++;
        } else if (*p == *s) {
            p++;
            s++;
        } else {
            return 0;
        }
    }
    if (*p || s != end) return 0;
    return badp ? -1 : 1;
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode s[0..n) ('+' is a space) into out; -1 when malformed or too long. */
static int pct_decode(const char *s, size_t n, char *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') c = ' ';
        else if (c == '%') {
            if (i + 2 >= n) return -1;
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0) return -1;
            c = h * 16 + l;
            i += 2;
        }
        if (o + 1 >= cap || c == 0) return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

/* ?unmasked=0|1, only on a route with clear roles. */
static yb_rc parse_query(api_req *r, const struct route *rt, const char *q) {
    while (q && *q) {
        const char *amp = strchr(q, '&');
        size_t n = amp ? (size_t)(amp - q) : strlen(q);
        const char *eq = memchr(q, '=', n);
        char key[32], val[32];
        if (pct_decode(q, eq ? (size_t)(eq - q) : n, key, sizeof key) ||
            pct_decode(eq ? eq + 1 : q + n, eq ? n - (size_t)(eq - q) - 1 : 0, val, sizeof val))
            return yb_err_set(&r->err, YB_E_INVALID, "query", NULL, "malformed query string");
        if (n) {
            if (strcmp(key, "unmasked") || !rt->clear_roles)
                return yb_err_set(&r->err, YB_E_INVALID, "query", key, "unknown query parameter");
            if (!strcmp(val, "1") || !strcmp(val, "true")) r->unmasked = 1;
            else if (!strcmp(val, "0") || !strcmp(val, "false")) r->unmasked = 0;
            else return yb_err_set(&r->err, YB_E_INVALID, "unmasked", val, "0 or 1 expected");
        }
        q = amp ? amp + 1 : NULL;
    }
    return YB_OK;
}

/* Is key one of the space-separated words of list? */
static int listed(const char *list, const char *key) {
    size_t n = strlen(key);
    for (const char *p = list; (p = strstr(p, key)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
    return 0;
}

static yb_rc parse_body(api_req *r, const struct route *rt, const char *body, size_t len) {
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) i++;
    if (i == len) {
        if (rt->members[0]) return yb_err_set(&r->err, YB_E_INVALID, "body", NULL, "a JSON object expected, the body is empty");
        return YB_OK;
    }
    yb_rc rc = yb_json_parse(body, len, "body", &r->body, &r->err);
    if (rc == YB_E_DUPLICATE) {
        /* a member written twice is a malformed request (400), not a conflict with the store (409) */
        r->err.rc = YB_E_INVALID;
        return YB_E_INVALID;
    }
    if (rc) return rc;
    if (json_object_get_type(r->body) != json_type_object)
        return yb_err_set(&r->err, YB_E_INVALID, "body", NULL, "a JSON object expected");
    json_object_object_foreach(r->body, key, val) {
        (void)val;
        if (!listed(rt->members, key))
            return yb_err_set(&r->err, YB_E_INVALID, key, NULL, rt->members[0] ? "unknown member (expected: %s)" : "%s",
                              rt->members[0] ? rt->members : "this route takes no body");
    }
    return YB_OK;
}

static int http_status(yb_rc rc) {
    switch (rc) {
    case YB_OK: return 200;
    case YB_E_NOTFOUND: return 404;
    case YB_E_STATE:
    case YB_E_DUPLICATE: return 409;
    case YB_E_PERM: return 403;
    case YB_E_LIMIT:
    case YB_E_INVALID:
    case YB_E_OVERFLOW:
    case YB_E_PRECISION:
    case YB_E_MISMATCH:
    case YB_E_POLICY:
    case YB_E_USAGE: return 400;
    default: return 500;
    }
}

static char *error_reply(const yb_err *e, const char *fallback) {
    yb_jw w;
    yb_jw_init(&w);
    char msg[400];
    if (e->rc && e->field[0]) snprintf(msg, sizeof msg, "%s: %s", e->field, e->msg);
    else snprintf(msg, sizeof msg, "%s", e->rc && e->msg[0] ? e->msg : fallback);
    yb_jw_open(&w, '{');
    yb_jw_key(&w, "error");
    yb_jw_str(&w, msg);
    yb_jw_key(&w, "code");
    yb_jw_str(&w, yb_rc_str(e->rc ? e->rc : YB_E_INVALID));
    if (e->rc && e->field[0]) {
        yb_jw_key(&w, "field");
        yb_jw_str(&w, e->field);
    }
    if (e->rc && e->value[0]) {
        yb_jw_key(&w, "value");
        yb_jw_str(&w, e->value);
    }
    yb_jw_close(&w, '}');
    return yb_jw_finish(&w);
}

static int refuse(char **reply, int status, yb_rc rc, const char *msg) {
    yb_err e;
    yb_err_clear(&e);
    yb_err_set(&e, rc, NULL, NULL, "%s", msg);
    *reply = error_reply(&e, msg);
    return status;
}

/* "Bearer TOKEN" (the scheme in any case, blanks around the token) -> the token, NULL if none. */
static const char *bearer(const char *h, char *buf, size_t cap) {
    if (!h) return NULL;
    while (*h == ' ') h++;
    if (strncasecmp(h, "Bearer ", 7)) return NULL;
    h += 7;
    while (*h == ' ') h++;
    size_t n = strcspn(h, " \t");
    if (!n || n >= cap) return NULL;
    memcpy(buf, h, n);
    buf[n] = '\0';
    return buf;
}

int yb_api_handle(yb_db *db, const char *method, const char *path, const char *body, size_t len,
                  const char *authorization, int64_t now, char **reply) {
    *reply = NULL;
    if (!method || !path) return refuse(reply, 400, YB_E_INVALID, "no method or path");
    const char *q = strchr(path, '?');
    size_t plen = q ? (size_t)(q - path) : strlen(path);
    api_req r;
    memset(&r, 0, sizeof r);
    r.db = db;
    r.now = now;
    r.status = 200;

    /* 1. route */
    const struct route *rt = NULL;
    int path_known = 0, badp = 0;
    for (size_t i = 0; i < N_ROUTES && !rt; i++) {
        int m = match(routes[i].pattern, path, plen, &r);
        if (!m) continue;
        path_known = 1;
        if (strcmp(routes[i].method, method)) continue;
        if (m < 0) badp = 1;
        rt = &routes[i];
    }
    if (!rt) return path_known ? refuse(reply, 405, YB_E_INVALID, "method not allowed on this route")
                               : refuse(reply, 404, YB_E_NOTFOUND, "no such route");
    if (len > YB_API_MAX_BODY) return refuse(reply, 413, YB_E_LIMIT, "request body larger than 64 KiB");

    /* 2. session; 3. role */
    char tokbuf[YB_TOKEN_HEX + 8];
    char saved_actor[64];
    snprintf(saved_actor, sizeof saved_actor, "%s", yb_db_actor(db));
    if (rt->roles != OPEN) {
        r.token = bearer(authorization, tokbuf, sizeof tokbuf);
        if (!r.token || yb_staff_session(db, r.token, now, &r.s, &r.err)) {
            yb_err_clear(&r.err);
            return refuse(reply, 401, YB_E_PERM, "no valid session: log in (POST /api/login) and send Authorization: Bearer TOKEN");
        }
        if (!(rt->roles & (1u << r.s.user.role))) {
            char msg[160];
            snprintf(msg, sizeof msg, "role %s (%s) may not use %s %.*s", yb_role_code(r.s.user.role),
                     yb_role_name(r.s.user.role), rt->method, 40, rt->pattern);
            return refuse(reply, 403, YB_E_PERM, msg);
        }
        char actor[64];
        snprintf(actor, sizeof actor, "staff %s", r.s.user.login);
        yb_db_set_actor(db, actor);
    } else {
        yb_db_set_actor(db, "api client");
    }

    /* 4. query; 5. body; 6. handler */
    yb_jw w;
    yb_jw_init(&w);
    yb_rc rc = badp ? yb_err_set(&r.err, YB_E_INVALID, "path", NULL, "an id in the path is 1..64 letters, digits, '.', '_', '-'")
                    : YB_OK;
    if (!rc) rc = parse_query(&r, rt, q ? q + 1 : NULL);
    int status;
    if (!rc && r.unmasked && !(rt->clear_roles & (1u << r.s.user.role))) {
        char msg[160];
        snprintf(msg, sizeof msg, "role %s (%s) may not read personal data in the clear", yb_role_code(r.s.user.role),
                 yb_role_name(r.s.user.role));
        free(yb_jw_finish(&w));
        yb_db_set_actor(db, saved_actor);
        return refuse(reply, 403, YB_E_PERM, msg);
    }
    if (!rc) rc = parse_body(&r, rt, body ? body : "", body ? len : 0);
    if (!rc) rc = rt->fn(&r, &w);
    if (r.body) {
        wipe_member(&r, "password");
        json_object_put(r.body);
    }
    yb_db_set_actor(db, saved_actor);
    sodium_memzero(tokbuf, sizeof tokbuf);
    char *out = yb_jw_finish(&w);
    if (rc) {
        free(out);
        /* a failed login is an authentication failure, whatever the service's code */
        status = rt->fn == h_login && rc == YB_E_PERM ? 401 : http_status(rc);
        *reply = error_reply(&r.err, "error");
        return status;
    }
    if (!out) return refuse(reply, 500, YB_E_NOMEM, "out of memory");
    *reply = out;
    return r.status;
}
