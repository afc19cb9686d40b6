/*
 * alog.c — the hash-chained audit log (see include/yibao/alog.h).
 *
 * Entry hash = HMAC-SHA-256(audit subkey, "yibao-alog-1" | prev | seq | ts | actor | action |
 * object | detail), each part length-prefixed so no two entries serialise alike. The head record
 * in meta (alog_seq, alog_head: the first 63 bits of HMAC("head" | seq | hash)) moves with each
 * append in the same transaction.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "yibao/alog.h"
#include "yibao/digest.h"
#include "yibao/pdata.h"
#include "yibao/str.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static void part(yb_hmac256 *s, const char *p) {
    if (!p) p = "";
    size_t n = strlen(p);
    unsigned char len[8];
    for (int i = 0; i < 8; i++) len[i] = (unsigned char)((uint64_t)n >> (8 * i));
    yb_hmac256_update(s, len, sizeof len);
    yb_hmac256_update(s, p, n);
}

static void entry_hash(yb_db *db, const char *prev, long long seq, const char *ts, const char *actor,
                       const char *action, const char *object, const char *detail, char out[65]) {
    yb_hmac256 s;
    unsigned char mac[YB_SHA256_BYTES];
    char sq[24];
    yb_sint(sq, seq, 0);
    yb_hmac256_init(&s, yb_db_subkey(db, YB_KEY_AUDIT), YB_KEY_BYTES);
    part(&s, "yibao-alog-1");
    part(&s, prev);
    part(&s, sq);
    part(&s, ts);
    part(&s, actor);
    part(&s, action);
    part(&s, object);
    part(&s, detail);
    yb_hmac256_final(&s, mac);
    sodium_bin2hex(out, 65, mac, sizeof mac);
}

static long long head_mac(yb_db *db, long long seq, const char *hash) {
    yb_hmac256 s;
    unsigned char mac[YB_SHA256_BYTES];
    char sq[24];
    yb_sint(sq, seq, 0);
    yb_hmac256_init(&s, yb_db_subkey(db, YB_KEY_AUDIT), YB_KEY_BYTES);
    part(&s, "head");
    part(&s, sq);
    part(&s, hash);
    yb_hmac256_final(&s, mac);
    uint64_t v;
    memcpy(&v, mac, sizeof v);
    return (long long)(v & INT64_MAX);
}

static void now_text(char *out, size_t cap) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    /* yyyy-MM-ddTHH:mm:ss.fffZ */
    char b[48], *o = b; /* 24 characters; each part is written with its own NUL */
    const int part[] = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                        (int)(ts.tv_nsec / 1000000)};
    static const char after[] = "--T::.Z";
    for (int i = 0; i < 7; i++) {
        o += strlen(yb_sint(o, part[i], i == 0 ? 4 : i == 6 ? 3 : 2));
        *o++ = after[i];
    }
    *o = '\0';
    yb_scopy(out, cap, b);
}

/* The last entry (seq 0 and the zero hash for an empty log), from the cache or the table. */
static yb_rc read_head(yb_db *db, yb_alog_head *h, yb_err *err) {
    if (h->valid) return YB_OK;
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(db, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", &st, err);
    if (rc) return rc;
    h->seq = 0;
    yb_scopy(h->hash, sizeof h->hash, ZERO_HASH);
    if (sqlite3_step(st) == SQLITE_ROW) {
        h->seq = sqlite3_column_int64(st, 0);
        const unsigned char *t = sqlite3_column_text(st, 1);
        yb_scopy(h->hash, sizeof h->hash, t ? (const char *)t : "");
    }
    yb_db_done(st);
    h->valid = 1;
    return YB_OK;
}

yb_rc yb__alog_flush(yb_db *db, yb_err *err) {
    yb_alog_head *h = yb__db_alog_head(db);
    if (!h->dirty) return YB_OK;
    yb_rc rc = read_head(db, h, err);
    if (!rc) rc = yb_db_meta_set(db, "alog_seq", h->seq, 0, err);
    if (!rc) rc = yb_db_meta_set(db, "alog_head", head_mac(db, h->seq, h->hash), 0, err);
    if (!rc) h->dirty = 0;
    return rc;
}

yb_rc yb_alog_append(yb_db *db, const char *actor, const char *action, const char *object, const char *detail,
                     yb_err *err) {
    sqlite3_stmt *st;
    char prev[65], hash[65], ts[32];
    yb_alog_head *h = yb__db_alog_head(db);
    yb_rc rc = read_head(db, h, err);
    if (rc) return rc;
    long long seq = h->seq + 1;
    memcpy(prev, h->hash, sizeof prev);
    now_text(ts, sizeof ts);
    if (!actor || !*actor) actor = "-";
    entry_hash(db, prev, seq, ts, actor, action, object, detail, hash);
    rc = yb_db_prepare(db,
                       "INSERT INTO audit_log(seq, ts, actor, action, object, detail, prev_hash, hash)"
                       " VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
                       &st, err);
    if (rc) return rc;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_text(st, 2, ts, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, object ? object : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, detail ? detail : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, prev, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, hash, -1, SQLITE_STATIC);
    rc = yb_db_step_done(db, st, err);
    yb_db_done(st);
    if (rc) {
        h->valid = 0;
        return rc;
    }
    h->seq = seq;
    memcpy(h->hash, hash, sizeof h->hash);
    h->dirty = 1;
    /* outside a transaction the entry is committed already: its head record goes with it */
    return yb__db_in_transaction(db) ? YB_OK : yb__alog_flush(db, err);
}

static const char *col(sqlite3_stmt *st, int i) {
    const unsigned char *p = sqlite3_column_text(st, i);
    return p ? (const char *)p : "";
}

yb_rc yb_alog_verify(yb_db *db, yb_alog_report *r, yb_err *err) {
    memset(r, 0, sizeof *r);
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(db, "SELECT seq, ts, actor, action, object, detail, prev_hash, hash FROM audit_log ORDER BY seq",
                             &st, err);
    if (rc) return rc;
    char prev[65] = ZERO_HASH, want[65];
    long long expect = 1;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        long long seq = sqlite3_column_int64(st, 0);
        if (seq != expect) {
            r->bad_seq = expect;
            snprintf(r->problem, sizeof r->problem, "entry %lld is missing (the next entry is %lld)", expect, seq);
            break;
        }
        if (strcmp(col(st, 6), prev)) {
            r->bad_seq = seq;
            snprintf(r->problem, sizeof r->problem, "entry %lld does not follow entry %lld (previous hash differs)", seq,
                     seq - 1);
            break;
        }
        entry_hash(db, prev, seq, col(st, 1), col(st, 2), col(st, 3), col(st, 4), col(st, 5), want);
        if (strcmp(col(st, 7), want)) {
            r->bad_seq = seq;
            snprintf(r->problem, sizeof r->problem, "entry %lld was changed (its hash does not match its content)", seq);
            break;
        }
        yb_scopy(prev, sizeof prev, want);
        r->entries++;
        expect++;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        yb_db_done(st);
        return yb_err_set(err, YB_E_DB, NULL, NULL, "reading the audit log: %s", sqlite3_errmsg(yb_db_sql(db)));
    }
    yb_db_done(st);
    if (r->bad_seq) return YB_OK;
    if (r->entries) snprintf(r->head, sizeof r->head, "%s", prev);
    /* the head record: entries cut off the end */
    long long hseq = 0, hmac = 0;
    int n = 0;
    rc = yb_db_prepare(db, "SELECT key, value FROM meta WHERE key IN ('alog_seq', 'alog_head')", &st, err);
    if (rc) return rc;
    while (sqlite3_step(st) == SQLITE_ROW) {
        n++;
        if (!strcmp(col(st, 0), "alog_seq")) hseq = sqlite3_column_int64(st, 1);
        else hmac = sqlite3_column_int64(st, 1);
    }
    yb_db_done(st);
    if (!n && !r->entries) return YB_OK;
    if (n != 2 || hseq != r->entries) {
        r->bad_seq = r->entries + 1;
        snprintf(r->problem, sizeof r->problem, "the log ends at entry %lld but its head record says %lld", r->entries,
                 hseq);
    } else if (hmac != head_mac(db, hseq, prev)) {
        r->bad_seq = hseq;
        snprintf(r->problem, sizeof r->problem, "the head record does not match entry %lld (edited)", hseq);
    }
    return YB_OK;
}
