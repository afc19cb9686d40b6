/*
 * test_pcache.c — the page cache of store/pcache.c: SQLite's default one, with the temporary page
 * number of a B-tree rebalance kept next to the database's end. Random keys into an index make
 * SQLite swap page numbers while it rebalances (each swap parks a page under the temporary
 * number); after every commit, the truncation SQLite makes of the cache must look at a few
 * buckets only (the default cache, given the temporary number, walks the whole cache: a span of
 * some 260,000 pages here). And the data must be right: every row committed is there, rows
 * rolled back (whole transactions and savepoints, after swaps) are not, integrity_check passes,
 * and a second connection reads the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "yibao/store.h"
#include "testsql.h"

static char dir[] = "/tmp/yb_pcache_XXXXXX";
static char path[256];

static unsigned long long rnd = 88172645463325252ull;
static unsigned long long next_rnd(void) {
    rnd ^= rnd << 13;
    rnd ^= rnd >> 7;
    rnd ^= rnd << 17;
    return rnd;
}

/* n rows with random 40-byte keys; the sum of their numbers goes to *sum */
static void put_random(sqlite3 *h, int n, long long *sum) {
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, "INSERT INTO t(k, n, pad) VALUES (?1, ?2, zeroblob(60))", -1, &st, NULL),
                     SQLITE_OK);
    for (int i = 0; i < n; i++) {
        char k[41];
        unsigned long long r = next_rnd();
        snprintf(k, sizeof k, "%016llx%024d", r, i);
        long long v = (long long)(r % 1000);
        sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, v);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
        *sum += v;
    }
    sqlite3_finalize(st);
}

static sqlite3 *open_db(void) {
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    sql_exec(h, "PRAGMA journal_mode=WAL; PRAGMA cache_size=-65536");
    return h;
}

static void test_swaps_near_end(void **state) {
    (void)state;
    sqlite3 *h = open_db(), *r = open_db();
    sql_exec(h, "CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT NOT NULL, n INTEGER NOT NULL, pad BLOB);"
            " CREATE INDEX t_k ON t(k)");
    unsigned long long parks, truncs;
    unsigned span;
    yb__pcache_stats(&parks, &truncs, &span);
    long long sum = 0, total_parks = 0;
    int rows = 0;
    for (int tx = 0; tx < 200; tx++) {
        sql_exec(h, "BEGIN");
        put_random(h, 150, &sum);
        sql_exec(h, "COMMIT");
        rows += 150;
        yb__pcache_stats(&parks, &truncs, &span);
        total_parks += (long long)parks;
        /* a commit's truncation: the highest cached page is near the database's end */
        if (span > 64) fail_msg("transaction %d: the cache was truncated %u pages below its highest page", tx, span);
    }
    /* the workload did make SQLite park pages under the temporary number */
    assert_true(total_parks > 100);

    /* whole transactions and savepoints rolled back after swaps leave nothing behind */
    long long dropped = 0;
    sql_exec(h, "BEGIN");
    put_random(h, 3000, &dropped);
    sql_exec(h, "ROLLBACK");
    sql_exec(h, "BEGIN");
    put_random(h, 500, &sum);
    rows += 500;
    sql_exec(h, "SAVEPOINT a");
    put_random(h, 3000, &dropped);
    sql_exec(h, "ROLLBACK TO a; RELEASE a");
    put_random(h, 500, &sum);
    rows += 500;
    sql_exec(h, "COMMIT");
    yb__pcache_stats(&parks, &truncs, &span);
    assert_true(parks > 0);
    /* a rollback drops the pages the transaction added (a few hundred), no more */
    if (span > 2000) fail_msg("rollbacks: the cache was truncated %u pages below its highest page", span);

    sql_integrity_ok(h);
    assert_int_equal(sql_int(h, "SELECT count(*) FROM t"), rows);
    assert_int_equal(sql_int(h, "SELECT sum(n) FROM t"), sum);
    /* the index agrees with the table, read through it */
    assert_int_equal(sql_int(h, "SELECT count(*) FROM t INDEXED BY t_k WHERE k > ''"), rows);
    /* another connection, with a cache of its own, reads the same */
    assert_int_equal(sql_int(r, "SELECT count(*) FROM t"), rows);
    assert_int_equal(sql_int(r, "SELECT sum(n) FROM t INDEXED BY t_k WHERE k > ''"), sum);
    sql_integrity_ok(r);
    sqlite3_close(r);
    sqlite3_close(h);
}

/* A connection that reopens the file sees every commit (nothing lived only in a cache). */
static void test_reopen(void **state) {
    (void)state;
    sqlite3 *h = open_db();
    long long before = sql_int(h, "SELECT count(*) FROM t"), sum = sql_int(h, "SELECT sum(n) FROM t");
    sql_exec(h, "BEGIN");
    put_random(h, 2000, &sum);
    sql_exec(h, "COMMIT");
    sql_exec(h, "DELETE FROM t WHERE id % 7 = 0");
    long long left = sql_int(h, "SELECT count(*) FROM t"), left_sum = sql_int(h, "SELECT sum(n) FROM t");
    assert_true(left < before + 2000);
    sqlite3_close(h);
    h = open_db();
    assert_int_equal(sql_int(h, "SELECT count(*) FROM t"), left);
    assert_int_equal(sql_int(h, "SELECT sum(n) FROM t INDEXED BY t_k WHERE k > ''"), left_sum);
    sql_integrity_ok(h);
    sqlite3_close(h);
}

int main(void) {
    yb__db_config(); /* installs the page cache, before SQLite is initialised */
    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/p.db", dir);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_swaps_near_end),
        cmocka_unit_test(test_reopen),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return 1;
    return rc;
}
