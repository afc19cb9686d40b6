/*
 * store.h — the embedded SQLite store (store/sqlite.c, schema in store/schema.c).
 *
 * One database file, WAL, synchronous=NORMAL, foreign keys on. Opening runs the versioned
 * migrations in order, each in its own transaction; a database newer than this program is refused.
 * All money is INTEGER fen, ratios INTEGER 1/10000, dates TEXT yyyy-MM-dd. The services
 * (service/) open every business transaction with yb_db_begin (BEGIN IMMEDIATE, so two writers
 * never read the same accumulators) and end it with yb_db_commit or yb_db_rollback.
 */
#ifndef YIBAO_STORE_H
#define YIBAO_STORE_H

#include <sqlite3.h>

#include "yibao/rc.h"

typedef struct yb_db yb_db;

/* Open (creating the file and its parent directory when create is 1) and migrate. */
yb_rc yb_db_open(const char *path, int create, yb_db **out, yb_err *err);
void yb_db_close(yb_db *db);
int yb_db_version(yb_db *db);
/* The latest schema version this program knows. */
int yb_db_latest_version(void);
sqlite3 *yb_db_sql(yb_db *db);

yb_rc yb_db_begin(yb_db *db, yb_err *err);
yb_rc yb_db_commit(yb_db *db, yb_err *err);
/* A read snapshot (deferred BEGIN, or a savepoint inside a transaction); end it with yb_db_rollback. */
yb_rc yb_db_begin_read(yb_db *db, yb_err *err);
void yb_db_rollback(yb_db *db);
/* Group commit: one outer transaction around many services' transactions (each becomes a
 * savepoint, rolled back alone when it fails); one COMMIT, one fsync, for them all. */
yb_rc yb_db_group_begin(yb_db *db, yb_err *err);
yb_rc yb_db_group_commit(yb_db *db, yb_err *err);
/* A group as one call, cheaper: run(ctx) runs every request of the group, each between
 * yb_db_begin and yb_db_commit or yb_db_rollback. The first pass opens no savepoints (SQLite then
 * copies no page into a statement journal); the levels are only counted. If a level is rolled
 * back after rows changed under it, the whole pass is rolled back and run(ctx) is called again
 * with a savepoint at every level, as in yb_db_group_begin (*again = 1); run must then replace
 * what the first pass answered. A level rolled back with no row changed costs nothing. Then one
 * COMMIT (yb_db_group_commit). */
yb_rc yb_db_group_run(yb_db *db, void (*run)(void *ctx), void *ctx, int *again, yb_err *err);
/* A connection's memo of rows it reads again and again (a person's registry row, an institution,
 * a sign-in): a value of up to YB_MEMO_VAL bytes by kind (1-255) and key (up to YB_MEMO_KEY - 1
 * bytes), kept across the connection's transactions, one slot per hash of (kind, key) (a later
 * value takes the slot of an earlier one). A value holds only while nothing can have changed its
 * row, so the memo is forgotten whole:
 *   - when a transaction begins after another connection committed (PRAGMA data_version);
 *   - when this connection rolls back anything (a level, a group, a failed commit);
 *   - when this connection inserts, updates or deletes a row of persons, institutions or sign_ins
 *     (SQLite's update hook; it does not see WITHOUT ROWID tables, so a caller that memoises a
 *     column of person_insu must not have this connection change that column: the services
 *     change only its balance and accumulators, and insert rows).
 * Used only inside a transaction. yb_db_memo_get copies the value (len bytes at most) and returns
 * its length, or -1 when it is not known. yb_db_memo_put ignores what is too long for a slot, and
 * running out of memory (a memo is a help, never needed). */
#define YB_MEMO_VAL 200
#define YB_MEMO_KEY 48
int yb_db_memo_get(yb_db *db, int kind, const char *key, void *val, size_t len);
void yb_db_memo_put(yb_db *db, int kind, const char *key, const void *val, size_t len);
/* For a commit made durable apart from COMMIT (synchronous=NORMAL, then fdatasync of the WAL on
 * another thread, while the next group is written): a descriptor of the database's WAL file
 * (which exists while any connection is open; its directory is synced once here). The caller
 * closes it. In WAL mode a commit's frames, written before an fdatasync of this file began, are
 * durable when it returns; checkpoints sync the WAL and the database themselves. */
yb_rc yb_db_wal_open(yb_db *db, int *fd, yb_err *err);
/* Make the process's default SQLite VFS one that gathers a transaction's writes to a WAL into one
 * write at its commit frame (store/walbuf.c), for the connections opened after this call. Returns
 * an SQLite result code; calling it again does nothing. */
int yb_db_buffer_wal(void);
/* Inside the store: SQLite's process-wide settings, once, before SQLite is initialised. */
void yb__db_config(void);
/* Inside the store: SQLite's default page cache, wrapped so that the temporary page number of a
 * B-tree rebalance does not make each commit walk the whole cache (store/pcache.c); called by
 * yb__db_config, unless the environment has YB_NO_PCACHE (to compare). Returns an SQLite result
 * code. */
int yb__pcache_install(void);
/* For the tests: since the last call, how often a page was parked under the temporary number,
 * how many truncations had cached pages past their limit, and the largest distance from such a
 * limit to the highest cached page number (what the default cache walks); then zeroes them. */
void yb__pcache_stats(unsigned long long *parks, unsigned long long *truncates, unsigned *max_span);

/* Who the writes made through this handle are for (the audit log's actor), e.g. "local user
 * root" for the command line; "-" until set. */
void yb_db_set_actor(yb_db *db, const char *actor);
const char *yb_db_actor(yb_db *db);

/* Prepared statement helpers: on failure they record YB_E_DB with SQLite's message.
 * yb_db_prepare hands out a statement from the handle's cache when the same SQL was prepared
 * before and is not in use (the services run the same statements again and again); give every
 * statement back with yb_db_done (reset and kept, or finalized), never sqlite3_finalize. */
yb_rc yb_db_prepare(yb_db *db, const char *sql, sqlite3_stmt **st, yb_err *err);
void yb_db_done(sqlite3_stmt *st);
yb_rc yb_db_exec(yb_db *db, const char *sql, yb_err *err);
/* sqlite3_step expecting SQLITE_DONE (for writes); YB_E_DUPLICATE for a constraint violation. */
yb_rc yb_db_step_done(yb_db *db, sqlite3_stmt *st, yb_err *err);
/* Next value of a named counter (meta table), inside the current transaction. */
yb_rc yb_db_next_seq(yb_db *db, const char *name, long long *out, yb_err *err);
/* A named integer of the meta table: *found = 0 (and *v untouched) when there is none. */
yb_rc yb_db_meta_get(yb_db *db, const char *key, long long *v, int *found, yb_err *err);
/* Set it (insert or replace); with only_new, an existing value is left as it is. */
yb_rc yb_db_meta_set(yb_db *db, const char *key, long long v, int only_new, yb_err *err);

#endif
