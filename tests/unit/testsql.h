/*
 * testsql.h — helpers shared by the unit tests that drive a plain sqlite3 handle (include after
 * cmocka.h and sqlite3.h).
 */
#ifndef YIBAO_TESTSQL_H
#define YIBAO_TESTSQL_H

#include <stdio.h>

/* sql (one or more statements) must succeed; its error is printed when it does not. */
static inline void sql_exec(sqlite3 *h, const char *sql) {
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
}

/* The first column of the one row sql must give, as an integer. */
static inline long long sql_int(sqlite3 *h, const char *sql) {
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* PRAGMA integrity_check must say "ok". */
static inline void sql_integrity_ok(sqlite3 *h) {
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
}

#endif
