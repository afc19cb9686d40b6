/*
 * test_walbuf.c — the WAL-gathering VFS (store/walbuf.c): after every commit, a connection on the
 * plain unix VFS sees exactly what was committed; transactions of a few rows, of more than one
 * 120 KiB piece, and of more than the 4 MiB buffer; rollbacks and a savepoint rolled back;
 * checkpoints by the other connection and the WAL started over; and a writer process that ends
 * with _exit right after its commits (no close): everything it committed is in the file, and the
 * database passes integrity_check. Also: installing it keeps SQLite's memory statistics off; and a
 * checkpoint made through it (the database's writes, with their writeback hints) leaves a whole
 * database and no descriptor behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "yibao/store.h"
#include "testsql.h"

/* n rows of size bytes each, keys from k */
static void put_rows(sqlite3 *h, long long k, int n, int size) {
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, "INSERT INTO t(k, v) VALUES (?1, randomblob(?2))", -1, &st, NULL), SQLITE_OK);
    for (int i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, k + i);
        sqlite3_bind_int(st, 2, size);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
}

static sqlite3 *open_with(const char *path, const char *vfs) {
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    return h;
}

static void test_commits_seen(void **state) {
    (void)state;
    assert_int_equal(yb_db_buffer_wal(), SQLITE_OK);
    assert_string_equal(sqlite3_vfs_find(NULL)->zName, "yibao-walbuf");
    char dir[] = "/tmp/yb-walbuf-XXXXXX", path[64], cmd[96];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/w.db", dir);
    sqlite3 *a = open_with(path, NULL), *b;
    sql_exec(a, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)");
    /* the VFS lookup initialised SQLite only after its settings: no memory statistics (they take
     * a mutex on every allocation) */
    assert_int_equal(sqlite3_memory_used(), 0);
    b = open_with(path, "unix");
    long long rows = 0, bytes = 0, k = 1;
    static const struct { int n, size; } tx[] = {{1, 10}, {40, 3000}, {300, 3000}, {2000, 3000}, {3, 100000}, {7, 500}};
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < sizeof tx / sizeof tx[0]; i++) {
            sql_exec(a, "BEGIN");
            put_rows(a, k, tx[i].n, tx[i].size);
            sql_exec(a, "COMMIT");
            k += tx[i].n;
            rows += tx[i].n;
            bytes += (long long)tx[i].n * tx[i].size;
            assert_int_equal(sql_int(b, "SELECT count(*) FROM t"), rows);
            assert_int_equal(sql_int(b, "SELECT total(length(v)) FROM t"), bytes);
        }
        /* rolled back: nothing of it; a savepoint rolled back inside a committed transaction */
        sql_exec(a, "BEGIN");
        put_rows(a, k, 500, 3000);
        sql_exec(a, "ROLLBACK");
        sql_exec(a, "BEGIN");
        put_rows(a, k, 10, 3000);
        sql_exec(a, "SAVEPOINT s");
        put_rows(a, k + 10, 1000, 3000);
        sql_exec(a, "ROLLBACK TO s; RELEASE s");
        sql_exec(a, "COMMIT");
        k += 10;
        rows += 10;
        bytes += 10 * 3000;
        assert_int_equal(sql_int(b, "SELECT count(*) FROM t"), rows);
        assert_int_equal(sql_int(b, "SELECT total(length(v)) FROM t"), bytes);
        /* the other connection checkpoints it all; the writer's next commit starts the WAL over */
        int log = -1, done = -1;
        assert_int_equal(sqlite3_wal_checkpoint_v2(b, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done), SQLITE_OK);
        assert_int_equal(log, 0);
    }
    assert_int_equal(sql_int(b, "SELECT count(*) FROM t"), sql_int(a, "SELECT count(*) FROM t"));
    sqlite3_close(b);
    sqlite3_close(a);

    /* a process that commits and ends without closing: all it committed is there */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sqlite3 *c = open_with(path, NULL);
        sqlite3_exec(c, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
        for (int i = 0; i < 20; i++) {
            sqlite3_exec(c, "BEGIN", NULL, NULL, NULL);
            put_rows(c, 1000000 + 100 * i, 100, 2000);
            if (sqlite3_exec(c, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) _exit(2);
        }
        sqlite3_exec(c, "BEGIN", NULL, NULL, NULL);
        put_rows(c, 2000000, 100, 2000); /* not committed */
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    b = open_with(path, "unix");
    assert_int_equal(sql_int(b, "SELECT count(*) FROM t WHERE k >= 1000000"), 2000);
    assert_int_equal(sql_int(b, "SELECT count(*) FROM t"), rows + 2000);
    sql_integrity_ok(b);
    sqlite3_close(b);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* descriptors of this process open on path */
static int fds_on(const char *path) {
    int n = 0;
    char link[64], target[256];
    for (int fd = 0; fd < 1024; fd++) {
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t k = readlink(link, target, sizeof target - 1);
        if (k <= 0) continue;
        target[k] = '\0';
        if (!strcmp(target, path)) n++;
    }
    return n;
}

/* A checkpoint made through the VFS (the database file's writes, with a writeback hint every
 * 4 MiB): every row there for a plain reader, integrity_check, and the VFS's own descriptor of the
 * database closed with the connection. */
static void test_checkpoint_writes(void **state) {
    (void)state;
    assert_int_equal(yb_db_buffer_wal(), SQLITE_OK);
    char dir[] = "/tmp/yb-walbuf-XXXXXX", path[300], cmd[96];
    assert_non_null(mkdtemp(dir));
    assert_non_null(realpath(dir, path));
    strcat(path, "/c.db");
    sqlite3 *a = open_with(path, NULL);
    sql_exec(a, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;"
            " CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)");
    assert_int_equal(fds_on(path), 2); /* SQLite's and the VFS's */
    for (int i = 0; i < 6; i++) {
        sql_exec(a, "BEGIN");
        put_rows(a, 1 + 2000 * i, 2000, 2000); /* 4 MB a transaction */
        sql_exec(a, "COMMIT");
    }
    int log = -1, done = -1;
    assert_int_equal(sqlite3_wal_checkpoint_v2(a, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done), SQLITE_OK);
    assert_int_equal(log, 0);
    sqlite3_close(a);
    assert_int_equal(fds_on(path), 0);
    sqlite3 *b = open_with(path, "unix");
    assert_int_equal(sql_int(b, "SELECT count(*) FROM t"), 12000);
    assert_int_equal(sql_int(b, "SELECT total(length(v)) FROM t"), 12000LL * 2000);
    sql_integrity_ok(b);
    sqlite3_close(b);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commits_seen),
        cmocka_unit_test(test_checkpoint_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
