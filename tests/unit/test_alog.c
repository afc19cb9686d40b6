/*
 * test_alog.c — what a handle keeps while its transaction is open (store/sqlite.c): the audit
 * log's chain head (store/alog.c) across a group commit whose requests append in savepoints, one of
 * them rolled back; nested levels; appends outside any transaction; a group that fails; two
 * connections appending in turn to one file — after each, `verify` must hold and the head record
 * (meta alog_seq) must name the last entry. And the counters of yb_db_next_seq: never a number
 * twice in what is committed, across savepoints, failed groups and two connections. And
 * yb_db_group_run: a request refused before it changed anything costs no second pass; one that
 * rolls back rows it changed sends the group round again with savepoints, and only the other
 * requests' rows, entries and numbers are committed.
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

#include "yibao/alog.h"
#include "yibao/store.h"
#include "testdb.h"

/* The chain holds, has n entries, and the head record names the last one. */
static void holds(yb_db *db, long long n) {
    yb_err e;
    yb_err_clear(&e);
    yb_alog_report r;
    assert_int_equal(yb_alog_verify(db, &r, &e), YB_OK);
    if (r.bad_seq) fprintf(stderr, "verify: %s\n", r.problem);
    assert_int_equal(r.bad_seq, 0);
    assert_int_equal(r.entries, n);
    assert_int_equal(q_int(db, "SELECT count(*) FROM audit_log"), n);
    if (n) assert_int_equal(q_int(db, "SELECT value FROM meta WHERE key='alog_seq'"), n);
}

static void append(yb_db *db, const char *what) {
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_alog_append(db, "tester", "test", what, "", &e), YB_OK);
}

static int setup(void **state) {
    yb_db *db;
    yb_err e;
    yb_err_clear(&e);
    if (yb_db_open(":memory:", 1, &db, &e)) return -1;
    *state = db;
    return 0;
}

static int teardown(void **state) {
    yb_db_close(*state);
    return 0;
}

static void test_group_with_rollback(void **state) {
    yb_db *db = *state;
    yb_err e;
    yb_err_clear(&e);
    append(db, "before"); /* outside a transaction: committed with its head record */
    holds(db, 1);
    assert_int_equal(yb_db_group_begin(db, &e), YB_OK);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(yb_db_begin(db, &e), YB_OK);
        append(db, "request");
        if (i % 3 == 1) {
            append(db, "second entry of a refused request");
            yb_db_rollback(db); /* this request's entries go; the ones before stay */
        } else {
            assert_int_equal(yb_db_commit(db, &e), YB_OK);
        }
    }
    assert_int_equal(yb_db_group_commit(db, &e), YB_OK);
    holds(db, 5);
    /* the last request of a group refused: the head record must not name its entry */
    assert_int_equal(yb_db_group_begin(db, &e), YB_OK);
    assert_int_equal(yb_db_begin(db, &e), YB_OK);
    append(db, "kept");
    assert_int_equal(yb_db_commit(db, &e), YB_OK);
    assert_int_equal(yb_db_begin(db, &e), YB_OK);
    append(db, "undone");
    yb_db_rollback(db);
    assert_int_equal(yb_db_group_commit(db, &e), YB_OK);
    holds(db, 6);
}

static void test_nested_and_failed(void **state) {
    yb_db *db = *state;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_db_begin(db, &e), YB_OK);
    append(db, "outer");
    assert_int_equal(yb_db_begin(db, &e), YB_OK);
    append(db, "inner");
    assert_int_equal(yb_db_commit(db, &e), YB_OK);
    append(db, "outer again");
    assert_int_equal(yb_db_commit(db, &e), YB_OK);
    holds(db, 3);
    /* a whole transaction rolled back leaves nothing, and the next one chains on the last kept */
    assert_int_equal(yb_db_begin(db, &e), YB_OK);
    append(db, "gone");
    append(db, "gone too");
    yb_db_rollback(db);
    holds(db, 3);
    assert_int_equal(yb_db_group_begin(db, &e), YB_OK);
    append(db, "in a group, no savepoint");
    assert_int_equal(yb_db_group_commit(db, &e), YB_OK);
    holds(db, 4);
}

/* Two connections on one new database file in a temporary directory. */
typedef struct two {
    char dir[32];
    yb_db *a, *b;
} two;

static void two_open(two *t) {
    snprintf(t->dir, sizeof t->dir, "/tmp/yb-alog-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    char path[64];
    snprintf(path, sizeof path, "%s/a.db", t->dir);
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_db_open(path, 1, &t->a, &e), YB_OK);
    assert_int_equal(yb_db_open(path, 0, &t->b, &e), YB_OK);
}

static void two_close(two *t) {
    yb_db_close(t->b);
    yb_db_close(t->a);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
    assert_int_equal(system(cmd), 0);
}

static void test_two_connections(void **state) {
    (void)state;
    two t;
    two_open(&t);
    yb_db *a = t.a, *b = t.b;
    yb_err e;
    yb_err_clear(&e);
    for (int round = 0; round < 3; round++) {
        assert_int_equal(yb_db_group_begin(a, &e), YB_OK);
        append(a, "a1");
        append(a, "a2");
        assert_int_equal(yb_db_group_commit(a, &e), YB_OK);
        assert_int_equal(yb_db_begin(b, &e), YB_OK);
        append(b, "b");
        assert_int_equal(yb_db_commit(b, &e), YB_OK);
        append(a, "a outside");
    }
    holds(a, 12);
    holds(b, 12);
    two_close(&t);
}

static long long next(yb_db *db) {
    yb_err e;
    yb_err_clear(&e);
    long long v = -1;
    assert_int_equal(yb_db_next_seq(db, "setl_seq", &v, &e), YB_OK);
    return v;
}

static void test_counters(void **state) {
    (void)state;
    two t;
    two_open(&t);
    yb_db *a = t.a, *b = t.b;
    yb_err e;
    yb_err_clear(&e);
    long long base = q_int(a, "SELECT value FROM meta WHERE key='setl_seq'");
    assert_int_equal(next(a), base + 1); /* outside a transaction: written at once */
    assert_int_equal(q_int(b, "SELECT value FROM meta WHERE key='setl_seq'"), base + 1);
    /* a group: numbers in order; a refused request's number is not given again */
    assert_int_equal(yb_db_group_begin(a, &e), YB_OK);
    assert_int_equal(yb_db_begin(a, &e), YB_OK);
    assert_int_equal(next(a), base + 2);
    assert_int_equal(yb_db_commit(a, &e), YB_OK);
    assert_int_equal(yb_db_begin(a, &e), YB_OK);
    assert_int_equal(next(a), base + 3);
    yb_db_rollback(a);
    assert_int_equal(yb_db_begin(a, &e), YB_OK);
    assert_int_equal(next(a), base + 4);
    assert_int_equal(yb_db_commit(a, &e), YB_OK);
    assert_int_equal(yb_db_group_commit(a, &e), YB_OK);
    assert_int_equal(q_int(b, "SELECT value FROM meta WHERE key='setl_seq'"), base + 4);
    /* the other connection goes on from there */
    assert_int_equal(yb_db_begin(b, &e), YB_OK);
    assert_int_equal(next(b), base + 5);
    assert_int_equal(next(b), base + 6);
    assert_int_equal(yb_db_commit(b, &e), YB_OK);
    /* a transaction rolled back: its numbers were never committed and are given again */
    assert_int_equal(yb_db_begin(a, &e), YB_OK);
    assert_int_equal(next(a), base + 7);
    yb_db_rollback(a);
    assert_int_equal(yb_db_begin(a, &e), YB_OK);
    assert_int_equal(next(a), base + 7);
    assert_int_equal(yb_db_commit(a, &e), YB_OK);
    assert_int_equal(q_int(b, "SELECT value FROM meta WHERE key='setl_seq'"), base + 7);
    two_close(&t);
}

typedef struct pass {
    yb_db *db;
    int refuse;    /* which request is refused */
    int after;     /* 1: after its rows are written (nested level included), 0: before */
    int passes;
    long long seqs[5];
} pass;

static void run_requests(void *arg) {
    pass *p = arg;
    yb_err e;
    yb_err_clear(&e);
    p->passes++;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(yb_db_begin(p->db, &e), YB_OK);
        if (i == p->refuse && !p->after) {
            yb_db_rollback(p->db);
            continue;
        }
        char sql[64];
        snprintf(sql, sizeof sql, "INSERT INTO t(x) VALUES (%d)", i);
        assert_int_equal(yb_db_exec(p->db, sql, &e), YB_OK);
        assert_int_equal(yb_db_begin(p->db, &e), YB_OK); /* a service's own level inside */
        p->seqs[i] = next(p->db);
        append(p->db, "request");
        assert_int_equal(yb_db_commit(p->db, &e), YB_OK);
        if (i == p->refuse) yb_db_rollback(p->db);
        else assert_int_equal(yb_db_commit(p->db, &e), YB_OK);
    }
}

static void test_group_run(void **state) {
    yb_db *db = *state;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_db_exec(db, "CREATE TABLE t(x INTEGER)", &e), YB_OK);
    long long base = q_int(db, "SELECT value FROM meta WHERE key='setl_seq'");
    /* refused before writing: one pass */
    pass p = {db, 3, 0, 0, {0}};
    int again = -1;
    assert_int_equal(yb_db_group_run(db, run_requests, &p, &again, &e), YB_OK);
    assert_int_equal(again, 0);
    assert_int_equal(p.passes, 1);
    assert_int_equal(q_int(db, "SELECT group_concat(x, '') FROM (SELECT x FROM t ORDER BY x)"), 124);
    holds(db, 4);
    assert_int_equal(q_int(db, "SELECT value FROM meta WHERE key='setl_seq'"), base + 4);
    /* refused after writing: the group again with savepoints; its rows, entry and number gone */
    assert_int_equal(yb_db_exec(db, "DELETE FROM t", &e), YB_OK);
    pass q = {db, 2, 1, 0, {0}};
    assert_int_equal(yb_db_group_run(db, run_requests, &q, &again, &e), YB_OK);
    assert_int_equal(again, 1);
    assert_int_equal(q.passes, 2);
    assert_int_equal(q_int(db, "SELECT group_concat(x, '') FROM (SELECT x FROM t ORDER BY x)"), 134);
    holds(db, 8);
    /* the committed requests' numbers are new and distinct; the refused one's number is a gap */
    long long top = q_int(db, "SELECT value FROM meta WHERE key='setl_seq'");
    assert_true(top >= base + 8);
    for (int i = 0; i < 5; i++)
        for (int k = 0; k < i; k++)
            if (i != 2 && k != 2) assert_true(q.seqs[i] != q.seqs[k] && q.seqs[i] > base + 4 && q.seqs[i] <= top);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_group_with_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_and_failed, setup, teardown),
        cmocka_unit_test(test_two_connections),
        cmocka_unit_test(test_counters),
        cmocka_unit_test_setup_teardown(test_group_run, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
