/*
 * testdb.h — a query helper shared by the unit tests that look into a yb_db (include after
 * cmocka.h and yibao/store.h).
 */
#ifndef YIBAO_TESTDB_H
#define YIBAO_TESTDB_H

/* The first column of the first row of sql as an integer, -999 when there is no row. */
static inline long long q_int(yb_db *db, const char *sql) {
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(yb_db_sql(db), sql, -1, &st, NULL), SQLITE_OK);
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -999;
    sqlite3_finalize(st);
    return v;
}

#endif
