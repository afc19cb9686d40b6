/*
 * test_api.c — the staff REST API's dispatcher (http/api.c) called directly, without HTTP, on an
 * in-memory database: route matching (exact paths, one segment per '*', trailing slashes), the
 * order of the checks (404/405 before 401 before 403 before 400), the Bearer header, the query
 * string (percent-decoding, only ?unmasked and only where allowed), body members (missing, unknown,
 * wrong type, named in the reply; a password never echoed), the 64 KiB bound, the session clock
 * taken from the `now` argument, and the actor of the writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "yibao/api.h"
#include "yibao/staff.h"
#include "yibao/store.h"

#define T0 ((int64_t)1750000000)
#define PW "api-test-password"

typedef struct fx {
    yb_db *db;
    char clerk[80], admin[80], auditor[80];  /* "Bearer TOKEN" */
} fx;

static void bearer_of(yb_db *db, const char *login, char *out, size_t cap) {
    yb_staff_session_info s;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_staff_login(db, login, PW, T0, 3600, &s, &e), YB_OK);
    snprintf(out, cap, "Bearer %s", s.token);
}

static int setup(void **state) {
    fx *f = calloc(1, sizeof *f);
    yb_err e;
    yb_err_clear(&e);
    if (!f || yb_db_open(":memory:", 1, &f->db, &e)) return -1;
    yb_db_set_actor(f->db, "local user tester");
    if (yb_staff_add(f->db, "clerk1", "", YB_ROLE_CLERK, PW, T0, &e) ||
        yb_staff_add(f->db, "admin1", "", YB_ROLE_ADMIN, PW, T0, &e) ||
        yb_staff_add(f->db, "auditor1", "", YB_ROLE_AUDITOR, PW, T0, &e))
        return -1;
    bearer_of(f->db, "clerk1", f->clerk, sizeof f->clerk);
    bearer_of(f->db, "admin1", f->admin, sizeof f->admin);
    bearer_of(f->db, "auditor1", f->auditor, sizeof f->auditor);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fx *f = *state;
    yb_db_close(f->db);
    free(f);
    return 0;
}

static char reply[4096];

/* Call the API; the reply is left in `reply`. */
static int call(fx *f, const char *method, const char *path, const char *body, const char *auth) {
    char *r = NULL;
    int st = yb_api_handle(f->db, method, path, body, body ? strlen(body) : 0, auth, T0 + 10, &r);
    assert_non_null(r);
    snprintf(reply, sizeof reply, "%s", r);
    free(r);
    return st;
}

#define HAS(s) assert_non_null(strstr(reply, (s)))
#define HASNT(s) assert_null(strstr(reply, (s)))

static void test_routes(void **state) {
    fx *f = *state;
    assert_int_equal(call(f, "GET", "/api/me", NULL, f->clerk), 200);
    HAS("\"login\":\"clerk1\"");
    /* unknown paths: 404 even without a session; a known path under another method: 405 */
    assert_int_equal(call(f, "GET", "/api/nothing", NULL, NULL), 404);
    HAS("\"error\":\"no such route\"");
    assert_int_equal(call(f, "GET", "/api/me/", NULL, f->clerk), 404);
    assert_int_equal(call(f, "GET", "/api/persons/", NULL, f->clerk), 404);
    assert_int_equal(call(f, "GET", "/api/persons/a/b", NULL, f->clerk), 404);
    assert_int_equal(call(f, "GET", "/api/userss", NULL, f->admin), 404);
    assert_int_equal(call(f, "GET", "/api", NULL, f->admin), 404);
    assert_int_equal(call(f, "PUT", "/api/me", NULL, NULL), 405);
    assert_int_equal(call(f, "GET", "/api/login", NULL, NULL), 405);
    assert_int_equal(call(f, "GET", "/api/users/clerk1/role", NULL, f->admin), 405);
    /* 401 before 403 before 400 */
    assert_int_equal(call(f, "POST", "/api/reversals", "not json", NULL), 401);
    assert_int_equal(call(f, "POST", "/api/reversals", "not json", f->auditor), 403);
    assert_int_equal(call(f, "POST", "/api/reversals", "not json", f->clerk), 400);
    /* an id in the path: letters, digits, . _ - */
    assert_int_equal(call(f, "GET", "/api/persons/P%20X", NULL, f->clerk), 400);
    assert_int_equal(call(f, "GET", "/api/persons/P X", NULL, f->clerk), 400);
    HAS("\"field\":\"path\"");
    assert_int_equal(call(f, "GET", "/api/persons/NOBODY", NULL, f->clerk), 404);
    HAS("no such person");
    assert_int_equal(call(f, "GET", "/api/persons/NOBODY", NULL, f->admin), 403);
    assert_int_equal(call(f, "GET", "/api/settlements/S1", NULL, f->auditor), 404);
    assert_int_equal(call(f, "GET", "/api/visits/M1", NULL, f->auditor), 404);
}

static void test_bearer(void **state) {
    fx *f = *state;
    char h[128];
    const char *tok = f->clerk + 7;
    snprintf(h, sizeof h, "bearer %s", tok);
    assert_int_equal(call(f, "GET", "/api/me", NULL, h), 200);
    snprintf(h, sizeof h, "  BEARER   %s  ", tok);
    assert_int_equal(call(f, "GET", "/api/me", NULL, h), 200);
    snprintf(h, sizeof h, "Basic %s", tok);
    assert_int_equal(call(f, "GET", "/api/me", NULL, h), 401);
    assert_int_equal(call(f, "GET", "/api/me", NULL, "Bearer"), 401);
    assert_int_equal(call(f, "GET", "/api/me", NULL, "Bearer "), 401);
    assert_int_equal(call(f, "GET", "/api/me", NULL, tok), 401);
    snprintf(h, sizeof h, "Bearer %sx", tok);
    assert_int_equal(call(f, "GET", "/api/me", NULL, h), 401);
    HAS("no valid session");
    /* the session's clock is the now argument: one hour from T0 */
    char *r = NULL;
    assert_int_equal(yb_api_handle(f->db, "GET", "/api/me", NULL, 0, f->clerk, T0 + 3599, &r), 200);
    free(r);
    assert_int_equal(yb_api_handle(f->db, "GET", "/api/me", NULL, 0, f->clerk, T0 + 3600, &r), 401);
    free(r);
}

static void test_query(void **state) {
    fx *f = *state;
    /* parsed, and decoded, before the handler: NOBODY gives 404 only when the query is right */
    assert_int_equal(call(f, "GET", "/api/persons/NOBODY?unmasked=1", NULL, f->clerk), 404);
    assert_int_equal(call(f, "GET", "/api/persons/NOBODY?unmasked=0", NULL, f->auditor), 404);
    assert_int_equal(call(f, "GET", "/api/persons/NOBODY?unmasked=%31", NULL, f->clerk), 404);
    assert_int_equal(call(f, "GET", "/api/persons/NOBODY?unmasked=true", NULL, f->clerk), 404);
    assert_int_equal(call(f, "GET", "/api/persons/NOBODY?", NULL, f->clerk), 404);
    assert_int_equal(call(f, "GET", "/api/persons/NOBODY?unmasked=1", NULL, f->auditor), 403);
    HAS("may not read personal data in the clear");
    assert_int_equal(call(f, "GET", "/api/persons/NOBODY?unmasked=%3", NULL, f->clerk), 400);
    assert_int_equal(call(f, "GET", "/api/persons/NOBODY?unmasked=%zz", NULL, f->clerk), 400);
    assert_int_equal(call(f, "GET", "/api/persons/NOBODY?unmasked=%00", NULL, f->clerk), 400);
    assert_int_equal(call(f, "GET", "/api/persons/NOBODY?unmasked=2", NULL, f->clerk), 400);
    assert_int_equal(call(f, "GET", "/api/persons/NOBODY?unmasked", NULL, f->clerk), 400);
    assert_int_equal(call(f, "GET", "/api/persons/NOBODY?limit=5", NULL, f->clerk), 400);
    HAS("unknown query parameter");
    HAS("\"value\":\"limit\"");
    assert_int_equal(call(f, "GET", "/api/me?unmasked=1", NULL, f->clerk), 400);
    assert_int_equal(call(f, "GET", "/api/persons/NOBODY?unmasked=0&unmasked=1", NULL, f->auditor), 403);
}

static void test_bodies(void **state) {
    fx *f = *state;
    assert_int_equal(call(f, "POST", "/api/login", NULL, NULL), 400);
    HAS("a JSON object expected");
    assert_int_equal(call(f, "POST", "/api/login", "{\"login\":\"clerk1\"}", NULL), 400);
    HAS("\"error\":\"password: missing\"");
    HAS("\"field\":\"password\"");
    assert_int_equal(call(f, "POST", "/api/login", "{\"login\":\"clerk1\",\"password\":\"" PW "\",\"otp\":1}", NULL), 400);
    HAS("\"field\":\"otp\"");
    assert_int_equal(call(f, "POST", "/api/login", "{\"login\":\"clerk1\",\"password\":12345678901}", NULL), 400);
    HAS("a string expected");
    HASNT("12345678901");
    assert_int_equal(call(f, "POST", "/api/login", "{\"login\":\"clerk1\",\"login\":\"admin1\",\"password\":\"x\"}", NULL), 400);
    assert_int_equal(call(f, "POST", "/api/login", "[1]", NULL), 400);
    assert_int_equal(call(f, "POST", "/api/login", "{\"login\":\"clerk1\",\"password\":\"wrong-password\"}", NULL), 401);
    HAS("login failed");
    HASNT("wrong-password");
    assert_int_equal(call(f, "POST", "/api/login", "{\"login\":\"clerk1\",\"password\":\"" PW "\"}", NULL), 200);
    HAS("\"role\":\"clerk\",\"role_name\":\"经办\"");
    /* a route without members takes no body, or an empty object, or white space */
    assert_int_equal(call(f, "GET", "/api/me", "{}", f->clerk), 200);
    assert_int_equal(call(f, "GET", "/api/me", " \n", f->clerk), 200);
    assert_int_equal(call(f, "GET", "/api/me", "{\"x\":1}", f->clerk), 400);
    HAS("this route takes no body");
    /* a weak password is named, never shown */
    assert_int_equal(call(f, "POST", "/api/users", "{\"login\":\"n1\",\"role\":\"clerk\",\"password\":\"tiny-pw\"}", f->admin), 400);
    HAS("\"field\":\"password\"");
    HASNT("tiny-pw");
    assert_int_equal(call(f, "POST", "/api/users", "{\"login\":\"n1\",\"role\":\"chief\",\"password\":\"" PW "\"}", f->admin), 400);
    HAS("\"value\":\"chief\"");
    assert_int_equal(call(f, "POST", "/api/users", "{\"login\":\"n 1\",\"role\":\"clerk\",\"password\":\"" PW "\"}", f->admin), 400);
    HAS("\"field\":\"login\"");
    assert_int_equal(call(f, "POST", "/api/users", "{\"login\":\"n1\",\"role\":\"clerk\",\"name\":null,\"password\":\"" PW "\"}", f->admin), 201);
    HAS("\"login\":\"n1\",\"name\":\"\",\"role\":\"clerk\"");
    HASNT("argon2");
    /* the 64 KiB bound */
    char *big = malloc(YB_API_MAX_BODY + 2);
    assert_non_null(big);
    memset(big, ' ', YB_API_MAX_BODY + 1);
    big[YB_API_MAX_BODY + 1] = '\0';
    assert_int_equal(call(f, "GET", "/api/me", big, f->clerk), 413);
    free(big);
}

static void test_admin_and_actor(void **state) {
    fx *f = *state;
    assert_int_equal(call(f, "POST", "/api/users/clerk1/role", "{\"role\":\"auditor\"}", f->admin), 200);
    HAS("\"role\":\"auditor\"");
    /* the clerk's session now carries the auditor role */
    assert_int_equal(call(f, "POST", "/api/reversals", "{\"setl_id\":\"S1\",\"reason\":\"r\"}", f->clerk), 403);
    assert_int_equal(call(f, "POST", "/api/users/admin1/role", "{\"role\":\"clerk\"}", f->admin), 403);
    assert_int_equal(call(f, "POST", "/api/users/admin1/disable", NULL, f->admin), 403);
    assert_int_equal(call(f, "POST", "/api/users/admin1/enable", NULL, f->admin), 200);
    assert_int_equal(call(f, "POST", "/api/users/nobody/enable", NULL, f->admin), 404);
    assert_int_equal(call(f, "POST", "/api/users/auditor1/disable", NULL, f->admin), 200);
    HAS("\"disabled\":true");
    assert_int_equal(call(f, "GET", "/api/me", NULL, f->auditor), 401);
    assert_int_equal(call(f, "GET", "/api/users", NULL, f->admin), 200);
    HAS("{\"users\":[{\"login\":\"admin1\"");
    /* writes are by "staff LOGIN"; the handle's own actor is back afterwards */
    assert_string_equal(yb_db_actor(f->db), "local user tester");
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(yb_db_sql(f->db),
                                        "SELECT count(*) FROM audit_log WHERE actor='staff admin1' AND action IN"
                                        " ('staff.role', 'staff.enable', 'staff.disable')",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 3);
    sqlite3_finalize(st);
    /* the reversal of a settlement that does not exist: 404, and nothing logged */
    assert_int_equal(call(f, "POST", "/api/users/clerk1/role", "{\"role\":\"clerk\"}", f->admin), 200);
    assert_int_equal(call(f, "POST", "/api/reversals", "{\"setl_id\":\"S9\",\"reason\":\"r\"}", f->clerk), 404);
    assert_int_equal(call(f, "POST", "/api/reversals", "{\"setl_id\":\"S9\",\"reason\":\"a\\nb\"}", f->clerk), 400);
    HAS("\"field\":\"reason\"");
    /* logout ends the session of the token sent, and only it */
    assert_int_equal(call(f, "POST", "/api/logout", NULL, f->clerk), 200);
    assert_int_equal(call(f, "GET", "/api/me", NULL, f->clerk), 401);
    assert_int_equal(call(f, "POST", "/api/logout", NULL, f->clerk), 401);
    assert_int_equal(call(f, "GET", "/api/me", NULL, f->admin), 200);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bearer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_and_actor, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
