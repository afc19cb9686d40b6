/*
 * alog.h — the tamper-evident audit log (store/alog.c).
 *
 * An append-only table of every write and every read of unmasked personal data: who (actor),
 * what (action, e.g. "fsi.2207", "load.persons", "person.read_unmasked"), on which object
 * (psn_no, mdtrt_id, setl_id, file name) and a short detail. No personal data goes in.
 * Each entry carries the hash of the one before and its own hash, an HMAC-SHA-256 under the
 * database key's audit subkey over (previous hash, seq, time, actor, action, object, detail);
 * the database's head record (count and last hash, MAC'd too) catches entries cut off the end.
 * Without the key file nobody can rewrite the chain to hide an edit.
 *
 * yb_alog_append runs inside the caller's transaction, so an entry exists exactly when the write
 * it records was committed.
 */
#ifndef YIBAO_ALOG_H
#define YIBAO_ALOG_H

#include <stdio.h>

#include "yibao/rc.h"
#include "yibao/store.h"

yb_rc yb_alog_append(yb_db *db, const char *actor, const char *action, const char *object, const char *detail,
                     yb_err *err);

typedef struct {
    long long entries;     /* entries checked */
    long long bad_seq;     /* first entry found wrong, 0 when all hold */
    char head[65];         /* hash of the last entry (hex), "" for an empty log */
    char problem[256];     /* what is wrong, "" when all holds */
} yb_alog_report;

/* Walk the whole chain. Returns YB_OK with r->bad_seq = 0 when it holds; YB_OK with bad_seq and
 * problem set when it does not; an error only when the database cannot be read. */
yb_rc yb_alog_verify(yb_db *db, yb_alog_report *r, yb_err *err);

/* Inside the store: a handle keeps the chain's head while its transaction is open, so that the
 * entries of one transaction (a group commit holds many) read the last entry once, and the head
 * record is written once, just before COMMIT (yb__alog_flush, called by store/sqlite.c). Any
 * rollback forgets the cached head (it is read again); a new transaction starts without it. */
typedef struct yb_alog_head {
    int valid;      /* seq and hash are the last entry's in this transaction */
    int dirty;      /* entries were appended: the head record must be written before COMMIT */
    long long seq;
    char hash[65];
} yb_alog_head;
yb_alog_head *yb__db_alog_head(yb_db *db);
int yb__db_in_transaction(yb_db *db);
yb_rc yb__alog_flush(yb_db *db, yb_err *err);

#endif
