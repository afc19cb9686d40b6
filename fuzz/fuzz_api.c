/*
 * fuzz_api.c — libFuzzer target for the staff REST API (http/api.c): any method, path, query,
 * Authorization header and body get a status from 200 to 599 and a reply that is valid JSON, and
 * nothing crashes or leaks. The store is an in-memory database with a clerk and an administrator;
 * the input chooses a valid session of either, a malformed one or none.
 *
 * Input: byte 0 the method, byte 1 the session, then the path up to the first newline (given
 * "/api/" in front when byte 0 is even), then the body.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/api.h"
#include "yibao/staff.h"

static yb_db *db;
static char auth[3][128];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!db) {
        if (yb_db_open(":memory:", 1, &db, NULL)) abort();
        yb_staff_session_info s;
        if (yb_staff_add(db, "clerk1", "fuzz", yb_role_parse("clerk"), "clerk-password-1", 1000, NULL) ||
            yb_staff_add(db, "admin1", "fuzz", yb_role_parse("admin"), "admin-password-1", 1000, NULL))
            abort();
        if (yb_staff_login(db, "clerk1", "clerk-password-1", 1000, 0, &s, NULL)) abort();
        snprintf(auth[0], sizeof auth[0], "Bearer %s", s.token);
        if (yb_staff_login(db, "admin1", "admin-password-1", 1000, 0, &s, NULL)) abort();
        snprintf(auth[1], sizeof auth[1], "Bearer %s", s.token);
        snprintf(auth[2], sizeof auth[2], "Bearer 00ff");
    }
    if (size < 2) return 0;
    static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "", "get"};
    const char *method = methods[data[0] % 8];
    const char *a = data[1] % 4 == 3 ? NULL : auth[data[1] % 4];
    const char *p = (const char *)data + 2;
    size_t n = size - 2;
    const char *nl = memchr(p, '\n', n);
    size_t pl = nl ? (size_t)(nl - p) : n;
    char *path = malloc(pl + 6);
    if (!path) return 0;
    size_t off = 0;
    if (!(data[0] & 1)) {
        memcpy(path, "/api/", 5);
        off = 5;
    }
    memcpy(path + off, p, pl);
    path[off + pl] = '\0';
    const char *body = nl ? nl + 1 : "";
    size_t bl = nl ? n - pl - 1 : 0;
    char *reply = NULL;
    int status = yb_api_handle(db, method, path, body, bl, a, 2000, &reply);
    if (status < 200 || status > 599 || !reply) abort();
    json_object *o = json_tokener_parse(reply);
    if (!o) abort();
    json_object_put(o);
    free(reply);
    free(path);
    return 0;
}
