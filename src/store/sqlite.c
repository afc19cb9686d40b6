/*
 * sqlite.c — opening, migrating and driving the SQLite database (see include/yibao/store.h).
 *
 * Opening sets WAL, synchronous=NORMAL, foreign_keys=ON and a 10 s busy timeout, then brings the
 * schema up to date: each missing migration of schema.c runs in its own transaction, which also
 * sets PRAGMA user_version and (from version 3) adds the migration's row to schema_version. A
 * database newer than this program, or whose two version records disagree, is refused untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "yibao/alog.h"
#include "yibao/pdata.h"
#include "yibao/store.h"

extern const char *const *const yb__migrations[];
extern const size_t yb__n_migrations;
extern const char *const yb__migration_notes[];

/* From this version on, table schema_version records every applied migration. */
#define RECORDED_FROM 3

#define STMT_CACHE 160

typedef struct cached_stmt {
    sqlite3_stmt *st;
    const char *text; /* the caller's pointer to the SQL when it was prepared (a string literal, mostly) */
    uint32_t hash;   /* of the SQL text */
    int busy;        /* handed out and not yet given back with yb_db_done */
} cached_stmt;

struct yb_db {
    sqlite3 *h;
    cached_stmt cache[STMT_CACHE]; /* prepared statements kept for reuse (services run the same SQL) */
    int ncache;
    char path[512];
    int version;
    int depth;   /* open yb_db_begin levels: the outer one is BEGIN IMMEDIATE, inner ones savepoints */
    int group;   /* 1 while a group transaction (yb_db_group_begin) holds the outer level */
    /* yb_db_group_run's first pass: levels are counted, not SAVEPOINTs; a level rolled back after
     * rows changed under it spoils the pass (the group is then run again with savepoints) */
    int optimistic, spoiled;
    sqlite3_int64 changes_at[16]; /* sqlite3_total_changes64 when each level began */
    char actor[64];   /* who the writes on this handle are for, in the audit log */
    yb_alog_head alog; /* the audit log's head while a transaction is open (store/alog.c) */
    /* counters (yb_db_next_seq) taken while a transaction is open: read once, counted here, and
     * written back just before COMMIT; a rolled-back savepoint leaves its numbers unused */
    struct {
        char name[24];
        long long value;
    } seq[4];
    int nseq;
    unsigned char keys[YB_KEY_BYTES * 5]; /* master key, then the subkeys by enum yb_key_use */
    /* the memo (yb_db_memo_get): a slot holds only while its epoch is the handle's */
    struct memo_slot *memo;
    unsigned long memo_epoch;
    sqlite3_int64 data_version; /* PRAGMA data_version when the last transaction began */
};

#define MEMO_SLOTS 65536u /* 16 MiB for a handle that uses it (a server's writer) */

typedef struct memo_slot {
    unsigned long epoch; /* 0: empty */
    uint32_t hash;
    unsigned char kind, klen, vlen;
    char key[YB_MEMO_KEY];
    unsigned char val[YB_MEMO_VAL];
} memo_slot;

/* Forget every memoised value. */
static void memo_forget(yb_db *db) { db->memo_epoch++; }

static int read_data_version(yb_db *db, sqlite3_int64 *v);

/* As a transaction begins: another connection's commit since the last one makes the memo stale. */
static void memo_check(yb_db *db) {
    sqlite3_int64 v;
    if (!db->memo) return;
    if (read_data_version(db, &v) || v != db->data_version) memo_forget(db);
    db->data_version = v;
}

unsigned char *yb__db_keybuf(yb_db *db) { return db->keys; }
yb_alog_head *yb__db_alog_head(yb_db *db) { return &db->alog; }
int yb__db_in_transaction(yb_db *db) { return db->depth > 0 || db->group; }

/* A transaction ends (committed or not): the next one reads the audit log's head and the counters
 * again, as other connections may write meanwhile. */
static void tx_forget(yb_db *db) {
    db->alog.valid = db->alog.dirty = 0;
    db->nseq = 0;
}

/* One transaction-control statement, prepared once and kept (sqlite3_exec would parse it each time). */
static yb_rc tx_exec(yb_db *db, const char *sql, yb_err *err) {
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(db, sql, &st, err);
    if (rc) return rc;
    rc = yb_db_step_done(db, st, err);
    yb_db_done(st);
    return rc;
}

/* Before COMMIT: the counters taken in the transaction, and the audit log's head record. */
static yb_rc flush_tx(yb_db *db, yb_err *err) {
    for (int i = 0; i < db->nseq; i++) {
        sqlite3_stmt *st;
        yb_rc rc = yb_db_prepare(db, "UPDATE meta SET value=?2 WHERE key=?1", &st, err);
        if (rc) return rc;
        sqlite3_bind_text(st, 1, db->seq[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, db->seq[i].value);
        rc = yb_db_step_done(db, st, err);
        yb_db_done(st);
        if (rc) return rc;
    }
    db->nseq = 0;
    return yb__alog_flush(db, err);
}

/* The open handles, so that yb_db_done finds a statement's cache from the statement alone. */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static yb_db *reg[64];

static void reg_put(yb_db *db, int add) {
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < sizeof reg / sizeof reg[0]; i++)
        if (add ? !reg[i] : reg[i] == db) {
            reg[i] = add ? db : NULL;
            break;
        }
    pthread_mutex_unlock(&reg_lock);
}

static yb_db *reg_find(sqlite3 *h) {
    yb_db *db = NULL;
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < sizeof reg / sizeof reg[0] && !db; i++)
        if (reg[i] && reg[i]->h == h) db = reg[i];
    pthread_mutex_unlock(&reg_lock);
    return db;
}

static uint32_t sql_hash(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

void yb_db_done(sqlite3_stmt *st) {
    if (!st) return;
    yb_db *db = reg_find(sqlite3_db_handle(st));
    if (db)
        for (int i = 0; i < db->ncache; i++)
            if (db->cache[i].st == st) {
                sqlite3_reset(st);
                sqlite3_clear_bindings(st);
                db->cache[i].busy = 0;
                return;
            }
    sqlite3_finalize(st);
}

void yb_db_set_actor(yb_db *db, const char *actor) { snprintf(db->actor, sizeof db->actor, "%s", actor ? actor : ""); }
const char *yb_db_actor(yb_db *db) { return db->actor[0] ? db->actor : "-"; }

sqlite3 *yb_db_sql(yb_db *db) { return db->h; }
int yb_db_version(yb_db *db) { return db->version; }
int yb_db_latest_version(void) { return (int)yb__n_migrations; }

static yb_rc db_err(yb_db *db, yb_err *err, const char *what) {
    yb_err_set(err, YB_E_DB, NULL, NULL, "%s: %s", what, sqlite3_errmsg(db->h));
    yb_err_at(err, db->path, 0);
    return YB_E_DB;
}

yb_rc yb_db_exec(yb_db *db, const char *sql, yb_err *err) {
    char *msg = NULL;
    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        yb_err_set(err, YB_E_DB, NULL, NULL, "%s", msg ? msg : "sqlite error");
        yb_err_at(err, db->path, 0);
        sqlite3_free(msg);
        return YB_E_DB;
    }
    return YB_OK;
}

yb_rc yb_db_prepare(yb_db *db, const char *sql, sqlite3_stmt **st, yb_err *err) {
    /* the same pointer as before: the same SQL, when the text still matches (a buffer may be reused
     * for other SQL), without hashing it */
    for (int i = 0; i < db->ncache; i++) {
        cached_stmt *c = &db->cache[i];
        if (!c->busy && c->text == sql && !strcmp(sqlite3_sql(c->st), sql)) {
            c->busy = 1;
            *st = c->st;
            return YB_OK;
        }
    }
    uint32_t h = sql_hash(sql);
    for (int i = 0; i < db->ncache; i++) {
        cached_stmt *c = &db->cache[i];
        if (!c->busy && c->hash == h && !strcmp(sqlite3_sql(c->st), sql)) {
            c->busy = 1;
            c->text = sql;
            *st = c->st;
            return YB_OK;
        }
    }
    const char *tail = NULL;
    if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, st, &tail) != SQLITE_OK) return db_err(db, err, "prepare");
    /* one statement exactly: sqlite3_sql() is then the whole text, so the lookup above can match */
    if (*st && tail && !*tail && db->ncache < STMT_CACHE) db->cache[db->ncache++] = (cached_stmt){*st, sql, h, 1};
    return YB_OK;
}

yb_rc yb_db_step_done(yb_db *db, sqlite3_stmt *st, yb_err *err) {
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) return YB_OK;
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        yb_err_set(err, YB_E_DUPLICATE, NULL, NULL, "constraint: %s", sqlite3_errmsg(db->h));
        return YB_E_DUPLICATE;
    }
    return db_err(db, err, "write");
}

/* Transactions nest: the outermost level is `outer` (BEGIN IMMEDIATE, or BEGIN to read) ...
 * COMMIT, an inner level (or every level while a group transaction is open) is SAVEPOINT ...
 * RELEASE, so a service that fails rolls back exactly its own writes. In yb_db_group_run's first
 * pass a level is only counted, with the rows changed so far. */
static yb_rc begin_level(yb_db *db, const char *outer, yb_err *err) {
    if (db->optimistic) {
        if (db->depth < (int)(sizeof db->changes_at / sizeof db->changes_at[0]))
            db->changes_at[db->depth] = sqlite3_total_changes64(db->h);
        else
            db->spoiled = 1; /* too deep to tell: run the group again with savepoints */
        db->depth++;
        return YB_OK;
    }
    int outermost = db->depth == 0 && !db->group;
    if (outermost) tx_forget(db);
    yb_rc rc = tx_exec(db, outermost ? outer : "SAVEPOINT yb", err);
    if (!rc) db->depth++;
    if (!rc && outermost) memo_check(db);
    return rc;
}

yb_rc yb_db_begin(yb_db *db, yb_err *err) { return begin_level(db, "BEGIN IMMEDIATE", err); }
yb_rc yb_db_begin_read(yb_db *db, yb_err *err) { return begin_level(db, "BEGIN", err); }

yb_rc yb_db_commit(yb_db *db, yb_err *err) {
    if (db->depth <= 0) return yb_err_set(err, YB_E_INTERNAL, NULL, NULL, "commit without a transaction");
    if (db->optimistic) {
        db->depth--;
        return YB_OK;
    }
    if (db->depth > 1 || db->group) {
        yb_rc rc = tx_exec(db, "RELEASE yb", err);
        if (rc) {
            yb_db_rollback(db);
            return rc;
        }
        db->depth--;
        return YB_OK;
    }
    yb_rc rc = flush_tx(db, err);
    if (!rc) rc = tx_exec(db, "COMMIT", err);
    if (rc) yb_db_rollback(db);
    else db->depth = 0;
    tx_forget(db);
    return rc;
}

void yb_db_rollback(yb_db *db) {
    if (db->optimistic) {
        if (db->depth <= 0) return;
        db->depth--;
        /* nothing to undo when no row changed under this level; else only a ROLLBACK of the whole
         * pass can undo it */
        if (db->depth >= (int)(sizeof db->changes_at / sizeof db->changes_at[0]) ||
            sqlite3_total_changes64(db->h) != db->changes_at[db->depth])
            db->spoiled = 1;
        return;
    }
    memo_forget(db);
    if (db->depth > 1 || (db->depth == 1 && db->group)) {
        sqlite3_exec(db->h, "ROLLBACK TO yb; RELEASE yb", NULL, NULL, NULL);
        db->depth--;
        db->alog.valid = 0; /* entries may have been undone; dirty stays for the ones before */
        return;
    }
    if (db->group) return; /* nothing of the caller's is open */
    if (!sqlite3_get_autocommit(db->h)) sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    db->depth = 0;
    tx_forget(db);
}

yb_rc yb_db_group_begin(yb_db *db, yb_err *err) {
    if (db->depth || db->group) return yb_err_set(err, YB_E_INTERNAL, NULL, NULL, "group inside a transaction");
    tx_forget(db);
    yb_rc rc = tx_exec(db, "BEGIN IMMEDIATE", err);
    if (!rc) db->group = 1;
    if (!rc) memo_check(db);
    return rc;
}

yb_rc yb_db_group_commit(yb_db *db, yb_err *err) {
    if (!db->group || db->depth) return yb_err_set(err, YB_E_INTERNAL, NULL, NULL, "group commit out of place");
    yb_rc rc = flush_tx(db, err);
    db->group = 0;
    if (!rc) rc = tx_exec(db, "COMMIT", err);
    if (rc) memo_forget(db);
    if (rc && !sqlite3_get_autocommit(db->h)) sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    tx_forget(db);
    return rc;
}

yb_rc yb_db_group_run(yb_db *db, void (*run)(void *ctx), void *ctx, int *again, yb_err *err) {
    if (again) *again = 0;
    yb_rc rc = yb_db_group_begin(db, err);
    if (rc) return rc;
    db->optimistic = 1;
    db->spoiled = 0;
    run(ctx);
    int spoiled = db->spoiled || db->depth != 0;
    db->optimistic = db->spoiled = 0;
    if (spoiled) {
        /* a request rolled back rows it had changed: undo the pass, run the group again with a
         * savepoint at every level (the first pass's replies are thrown away by run) */
        db->depth = 0;
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
        memo_forget(db);
        db->group = 0;
        tx_forget(db);
        if (again) *again = 1;
        rc = yb_db_group_begin(db, err);
        if (rc) return rc;
        run(ctx);
    }
    return yb_db_group_commit(db, err);
}

static int read_data_version(yb_db *db, sqlite3_int64 *v) {
    sqlite3_stmt *st;
    yb_err e;
    yb_err_clear(&e);
    *v = -1;
    if (yb_db_prepare(db, "PRAGMA data_version", &st, &e)) return -1;
    int ok = sqlite3_step(st) == SQLITE_ROW;
    if (ok) *v = sqlite3_column_int64(st, 0);
    yb_db_done(st);
    return ok ? 0 : -1;
}

/* A row of a table whose rows are memoised changed through this connection. */
static void memo_hook(void *arg, int op, const char *dbname, const char *table, sqlite3_int64 rowid) {
    (void)op, (void)dbname, (void)rowid;
    if (!strcmp(table, "persons") || !strcmp(table, "institutions") || !strcmp(table, "sign_ins"))
        memo_forget(arg);
}

static uint32_t memo_hash(int kind, const char *key, size_t klen) {
    uint32_t h = 2166136261u ^ (uint32_t)kind;
    for (size_t i = 0; i < klen; i++) h = (h ^ (unsigned char)key[i]) * 16777619u;
    return h;
}

int yb_db_memo_get(yb_db *db, int kind, const char *key, void *val, size_t len) {
    size_t klen = strlen(key);
    if (!db->memo || klen >= YB_MEMO_KEY || !yb__db_in_transaction(db)) return -1;
    uint32_t h = memo_hash(kind, key, klen);
    const memo_slot *m = &db->memo[h & (MEMO_SLOTS - 1)];
    if (m->epoch != db->memo_epoch || m->hash != h || m->kind != kind || m->klen != klen || memcmp(m->key, key, klen))
        return -1;
    memcpy(val, m->val, m->vlen < len ? m->vlen : len);
    return m->vlen;
}

void yb_db_memo_put(yb_db *db, int kind, const char *key, const void *val, size_t len) {
    size_t klen = strlen(key);
    if (klen >= YB_MEMO_KEY || len > YB_MEMO_VAL || kind < 1 || kind > 255 || !yb__db_in_transaction(db)) return;
    if (!db->memo) {
        /* from now on: the data version as of this transaction, and this connection's own changes */
        if (read_data_version(db, &db->data_version)) return;
        if (!(db->memo = calloc(MEMO_SLOTS, sizeof *db->memo))) return;
        db->memo_epoch = 1;
        sqlite3_update_hook(db->h, memo_hook, db);
    }
    uint32_t h = memo_hash(kind, key, klen);
    memo_slot *m = &db->memo[h & (MEMO_SLOTS - 1)];
    m->epoch = db->memo_epoch;
    m->hash = h;
    m->kind = (unsigned char)kind;
    m->klen = (unsigned char)klen;
    m->vlen = (unsigned char)len;
    memcpy(m->key, key, klen);
    memcpy(m->val, val, len);
}

yb_rc yb_db_wal_open(yb_db *db, int *fd, yb_err *err) {
    char wal[sizeof db->path + 8], dir[sizeof db->path];
    snprintf(wal, sizeof wal, "%s-wal", db->path);
    *fd = open(wal, O_RDWR | O_CLOEXEC);
    if (*fd < 0) {
        yb_err_set(err, YB_E_IO, NULL, NULL, "cannot open the write-ahead log: %s", strerror(errno));
        yb_err_at(err, wal, 0);
        return YB_E_IO;
    }
    /* the WAL's name in its directory must survive a crash as well as its content */
    snprintf(dir, sizeof dir, "%s", db->path);
    char *slash = strrchr(dir, '/');
    if (slash) *(slash == dir ? slash + 1 : slash) = '\0';
    else snprintf(dir, sizeof dir, ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return YB_OK;
}

yb_rc yb_db_next_seq(yb_db *db, const char *name, long long *out, yb_err *err) {
    sqlite3_stmt *st;
    if ((db->depth > 0 || db->group) && strlen(name) < sizeof db->seq[0].name) {
        int i = 0;
        while (i < db->nseq && strcmp(db->seq[i].name, name)) i++;
        if (i == db->nseq && i < (int)(sizeof db->seq / sizeof db->seq[0])) {
            yb_rc rc = yb_db_prepare(db, "SELECT value FROM meta WHERE key = ?1", &st, err);
            if (rc) return rc;
            sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
            int found = sqlite3_step(st) == SQLITE_ROW;
            long long v = found ? sqlite3_column_int64(st, 0) : 0;
            yb_db_done(st);
            if (!found) return db_err(db, err, "sequence");
            snprintf(db->seq[i].name, sizeof db->seq[i].name, "%s", name);
            db->seq[i].value = v;
            db->nseq++;
        }
        if (i < db->nseq) {
            *out = ++db->seq[i].value;
            return YB_OK;
        }
    }
    yb_rc rc = yb_db_prepare(db, "UPDATE meta SET value = value + 1 WHERE key = ?1 RETURNING value", &st, err);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        yb_db_done(st);
        return db_err(db, err, "sequence");
    }
    *out = sqlite3_column_int64(st, 0);
    yb_db_done(st);
    return YB_OK;
}

yb_rc yb_db_meta_get(yb_db *db, const char *key, long long *v, int *found, yb_err *err) {
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(db, "SELECT value FROM meta WHERE key=?1", &st, err);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    *found = r == SQLITE_ROW;
    if (*found) *v = sqlite3_column_int64(st, 0);
    yb_db_done(st);
    return r == SQLITE_ROW || r == SQLITE_DONE ? YB_OK : db_err(db, err, "meta");
}

yb_rc yb_db_meta_set(yb_db *db, const char *key, long long v, int only_new, yb_err *err) {
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(db,
                             only_new ? "INSERT OR IGNORE INTO meta(key, value) VALUES (?1, ?2)"
                                      : "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value=?2",
                             &st, err);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, v);
    rc = yb_db_step_done(db, st, err);
    yb_db_done(st);
    return rc;
}

static int mkdir_parent(const char *path) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(dir, 0755) && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(dir, 0755) && errno != EEXIST) return -1;
    return 0;
}

static yb_rc read_int(yb_db *db, const char *sql, int *out, yb_err *err) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) return db_err(db, err, "read version");
    *out = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    yb_db_done(st);
    return YB_OK;
}

/* schema_version must hold exactly the versions 1..v once v >= RECORDED_FROM. */
static yb_rc check_record(yb_db *db, int v, yb_err *err) {
    if (v < RECORDED_FROM) return YB_OK;
    int top = 0, n = 0;
    yb_rc rc = read_int(db, "SELECT ifnull(max(version), 0) FROM schema_version", &top, err);
    if (!rc) rc = read_int(db, "SELECT count(*) FROM schema_version", &n, err);
    if (rc) return rc;
    if (top != v || n != v) {
        yb_err_set(err, YB_E_DB, "schema_version", NULL,
                   "the migration record (%d rows, latest %d) disagrees with the database version %d", n, top, v);
        yb_err_at(err, db->path, 0);
        return YB_E_DB;
    }
    return YB_OK;
}

static yb_rc migrate(yb_db *db, yb_err *err) {
    int v = 0;
    yb_rc rc = read_int(db, "PRAGMA user_version", &v, err);
    if (rc) return rc;
    if (v < 0 || v > (int)yb__n_migrations) {
        yb_err_set(err, YB_E_DB, NULL, NULL, "database schema version %d is newer than this program (%d)", v,
                   (int)yb__n_migrations);
        yb_err_at(err, db->path, 0);
        return YB_E_DB;
    }
    rc = check_record(db, v, err);
    if (rc) return rc;
    for (; v < (int)yb__n_migrations; v++) {
        char sql[64];
        rc = yb_db_begin(db, err);
        for (const char *const *q = yb__migrations[v]; !rc && *q; q++) rc = yb_db_exec(db, *q, err);
        if (!rc && v + 1 >= RECORDED_FROM) {
            sqlite3_stmt *st;
            rc = yb_db_prepare(db, "INSERT INTO schema_version(version, note) VALUES (?1, ?2)", &st, err);
            if (!rc) {
                sqlite3_bind_int(st, 1, v + 1);
                sqlite3_bind_text(st, 2, yb__migration_notes[v], -1, SQLITE_STATIC);
                rc = yb_db_step_done(db, st, err);
                yb_db_done(st);
            }
        }
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if (!rc) rc = yb_db_exec(db, sql, err);
        if (!rc) rc = yb_db_commit(db, err);
        if (rc) {
            yb_db_rollback(db);
            yb_err_at(err, db->path, 0);
            return rc;
        }
    }
    db->version = v;
    return check_record(db, v, err);
}

/* No global memory statistics: they take a mutex on every allocation SQLite makes; and the page
 * cache of store/pcache.c. This must come before anything initialises SQLite (a VFS lookup
 * does), so every entry point calls it. */
static void sqlite_config_once(void) {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (!getenv("YB_NO_PCACHE")) yb__pcache_install();
}

void yb__db_config(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_config_once);
}

yb_rc yb_db_open(const char *path, int create, yb_db **out, yb_err *err) {
    yb__db_config();
    yb_db *db = calloc(1, sizeof *db);
    if (!db) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    if (strlen(path) >= sizeof db->path) {
        free(db);
        yb_err_set(err, YB_E_LIMIT, "db", NULL, "database path longer than %zu bytes", sizeof db->path - 1);
        return YB_E_LIMIT;
    }
    snprintf(db->path, sizeof db->path, "%s", path);
    struct stat sb;
    if (!create && stat(path, &sb) != 0) {
        free(db);
        yb_err_set(err, YB_E_NOTFOUND, NULL, NULL, "no database here; run 'yibao init' first");
        yb_err_at(err, path, 0);
        return YB_E_NOTFOUND;
    }
    if (create && mkdir_parent(path)) {
        free(db);
        yb_err_set(err, YB_E_IO, NULL, NULL, "cannot create the database directory");
        yb_err_at(err, path, 0);
        return YB_E_IO;
    }
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &db->h, flags, NULL) != SQLITE_OK) {
        yb_rc rc = db_err(db, err, "open");
        sqlite3_close(db->h);
        free(db);
        return rc;
    }
    sqlite3_busy_timeout(db->h, 10000);
    reg_put(db, 1);
    yb_rc rc = yb_db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", err);
    if (!rc) rc = migrate(db, err);
    if (!rc) rc = yb_key_attach(db, path, err);
    if (!rc) rc = yb__pd_seal_plain(db, err);
    if (rc) {
        yb_db_close(db);
        return rc;
    }
    *out = db;
    return YB_OK;
}

void yb_db_close(yb_db *db) {
    if (!db) return;
    reg_put(db, 0);
    for (int i = 0; i < db->ncache; i++) sqlite3_finalize(db->cache[i].st);
    db->ncache = 0;
    sqlite3_close(db->h);
    sodium_memzero(db->keys, sizeof db->keys);
    free(db->memo);
    free(db);
}
