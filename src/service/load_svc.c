/*
 * load_svc.c — loading reference data and the registry into the store, reading it back for
 * settlement. Every load is one transaction: a file with one bad row loads
 * nothing, and the error names the file, line, column and value (personal data masked).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yibao/catalog_csv.h"
#include "yibao/csv.h"
#include "yibao/fileio.h"
#include "yibao/idcard.h"
#include "yibao/json_num.h"
#include "yibao/pdata.h"
#include "yibao/alog.h"
#include "yibao/service.h"

/* ---- policy ---- */

/* The audit-log entry of a load, in its transaction: the file's base name and the row counts. */
static yb_rc log_load(yb_db *db, const char *what, const char *path, const yb_load_stats *st, yb_err *err) {
    const char *base = strrchr(path, '/');
    char detail[96];
    snprintf(detail, sizeof detail, "rows %ld, inserted %ld, updated %ld", (long)st->rows, (long)st->inserted,
             (long)st->updated);
    return yb_alog_append(db, yb_db_actor(db), what, base ? base + 1 : path, detail, err);
}

yb_rc yb_svc_load_policy(yb_db *db, const char *path, yb_load_stats *stats, yb_err *err) {
    memset(stats, 0, sizeof *stats);
    size_t len;
    char *text = yb_file_read(path, (size_t)16 << 20, &len, err);
    if (!text) return err && err->rc ? err->rc : YB_E_IO;
    yb_policy *p = NULL;
    yb_rc rc = yb_policy_from_json(text, len, path, &p, err);
    if (rc) {
        free(text);
        return rc;
    }
    stats->rows = 1;
    char from[12], to[12];
    yb_date_fmt(p->effective_from, from);
    if (p->effective_to != YB_DATE_MAX) yb_date_fmt(p->effective_to, to);
    else strcpy(to, "9999-12-31");
    sqlite3_stmt *st = NULL;
    rc = yb_db_begin(db, err);
    if (rc) goto done;
    rc = yb_db_prepare(db,
                       "SELECT version, json, effective_from, ifnull(effective_to, '9999-12-31') FROM policies"
                       " WHERE admdvs=?1",
                       &st, err);
    if (rc) goto done;
    sqlite3_bind_text(st, 1, p->admdvs, -1, SQLITE_STATIC);
    int same = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (!strcmp(v, p->version)) {
            if (strcmp((const char *)sqlite3_column_text(st, 1), text) != 0) {
                rc = yb_err_set(err, YB_E_DUPLICATE, "version", p->version,
                                "area %s already has this version with other content; give the new one a new version",
                                p->admdvs);
                yb_err_at(err, path, 0);
                goto done;
            }
            same = 1;
            continue;
        }
        const char *f2 = (const char *)sqlite3_column_text(st, 2), *t2 = (const char *)sqlite3_column_text(st, 3);
        if (strcmp(from, t2) <= 0 && strcmp(f2, to) <= 0) {
            rc = yb_err_set(err, YB_E_DUPLICATE, "effective_from", from, "validity overlaps version %s (%s .. %s) of area %s",
                            v, f2, t2, p->admdvs);
            yb_err_at(err, path, 0);
            goto done;
        }
    }
    yb_db_done(st);
    st = NULL;
    if (!same) {
        rc = yb_db_prepare(db, "INSERT INTO policies(admdvs, version, effective_from, effective_to, json) VALUES (?1,?2,?3,?4,?5)",
                           &st, err);
        if (rc) goto done;
        sqlite3_bind_text(st, 1, p->admdvs, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, p->version, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, from, -1, SQLITE_STATIC);
        if (p->effective_to != YB_DATE_MAX) sqlite3_bind_text(st, 4, to, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
        rc = yb_db_step_done(db, st, err);
        if (rc) goto done;
        stats->inserted = 1;
    }
    rc = log_load(db, "load.policy", path, stats, err);
    if (!rc) rc = yb_db_commit(db, err);
done:
    if (st) yb_db_done(st);
    if (rc) yb_db_rollback(db);
    free(p);
    free(text);
    return rc;
}

/* ---- catalogue ---- */

struct cat_ctx {
    yb_db *db;
    sqlite3_stmt *exists, *put;
    yb_load_stats *stats;
};

static yb_rc cat_row(void *ctx, const yb_cat_entry *e, long line, yb_err *err) {
    (void)line;
    struct cat_ctx *c = ctx;
    char b[12], e2[12];
    yb_date_fmt(e->begndate, b);
    sqlite3_reset(c->exists);
    sqlite3_bind_text(c->exists, 1, e->code, -1, SQLITE_STATIC);
    sqlite3_bind_text(c->exists, 2, e->admdvs, -1, SQLITE_STATIC);
    sqlite3_bind_text(c->exists, 3, b, -1, SQLITE_STATIC);
    int found = sqlite3_step(c->exists) == SQLITE_ROW;
    sqlite3_stmt *st = c->put;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, e->code, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, e->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, e->list_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, e->chrgitm_lv, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, e->selfpay_prop);
    for (int k = 1; k <= 3; k++) {
        if (e->cap[k] < 0) sqlite3_bind_null(st, 5 + k);
        else sqlite3_bind_int64(st, 5 + k, e->cap[k]);
    }
    sqlite3_bind_text(st, 9, b, -1, SQLITE_STATIC);
    if (e->enddate == YB_DATE_MAX) sqlite3_bind_null(st, 10);
    else sqlite3_bind_text(st, 10, yb_date_fmt(e->enddate, e2), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 11, e->admdvs, -1, SQLITE_STATIC);
    yb_rc rc = yb_db_step_done(c->db, st, err);
    if (!rc) {
        if (found) c->stats->updated++;
        else c->stats->inserted++;
    }
    return rc;
}

static yb_rc catalog_from_db(yb_db *db, yb_catalog *cat, yb_err *err) {
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(db,
                             "SELECT med_list_codg, name, list_type, chrgitm_lv, selfpay_prop, cap1, cap2, cap3, begndate,"
                             " enddate, admdvs FROM catalog ORDER BY med_list_codg, admdvs, begndate",
                             &st, err);
    if (rc) return rc;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        yb_cat_entry e;
        memset(&e, 0, sizeof e);
        snprintf(e.code, sizeof e.code, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(e.name, sizeof e.name, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(e.list_type, sizeof e.list_type, "%s", (const char *)sqlite3_column_text(st, 2));
        snprintf(e.chrgitm_lv, sizeof e.chrgitm_lv, "%s", (const char *)sqlite3_column_text(st, 3));
        e.selfpay_prop = sqlite3_column_int(st, 4);
        for (int k = 1; k <= 3; k++)
            e.cap[k] = sqlite3_column_type(st, 4 + k) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 4 + k);
        const char *b = (const char *)sqlite3_column_text(st, 8), *en = (const char *)sqlite3_column_text(st, 9);
        if (yb_date_parse(b, strlen(b), &e.begndate)) rc = yb_err_set(err, YB_E_DB, "begndate", b, "bad date in the store");
        e.enddate = YB_DATE_MAX;
        if (!rc && en && yb_date_parse(en, strlen(en), &e.enddate))
            rc = yb_err_set(err, YB_E_DB, "enddate", en, "bad date in the store");
        snprintf(e.admdvs, sizeof e.admdvs, "%s", (const char *)sqlite3_column_text(st, 10));
        if (!rc) rc = yb_catalog_add(cat, &e, err);
    }
    yb_db_done(st);
    return rc;
}

yb_rc yb_svc_load_catalog(yb_db *db, const char *path, yb_load_stats *stats, yb_err *err) {
    memset(stats, 0, sizeof *stats);
    struct cat_ctx c = {db, NULL, NULL, stats};
    yb_rc rc = yb_db_begin(db, err);
    if (rc) return rc;
    rc = yb_db_prepare(db, "SELECT 1 FROM catalog WHERE med_list_codg=?1 AND admdvs=?2 AND begndate=?3", &c.exists, err);
    if (!rc)
        rc = yb_db_prepare(db,
                           "INSERT OR REPLACE INTO catalog(med_list_codg, name, list_type, chrgitm_lv, selfpay_prop, cap1,"
                           " cap2, cap3, begndate, enddate, admdvs) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
                           &c.put, err);
    if (!rc) rc = yb_catalog_csv_read(path, cat_row, &c, &stats->rows, err);
    yb_db_done(c.exists);
    yb_db_done(c.put);
    if (!rc) {
        /* the whole catalogue must still be consistent: no overlapping periods of one code and area */
        yb_catalog *cat = yb_catalog_new();
        rc = cat ? catalog_from_db(db, cat, err) : YB_E_NOMEM;
        if (rc) yb_err_at(err, path, 0);
        yb_catalog_free(cat);
    }
    if (!rc) rc = log_load(db, "load.catalog", path, stats, err);
    if (!rc) rc = yb_db_commit(db, err);
    if (rc) yb_db_rollback(db);
    return rc;
}

/* ---- persons ---- */

#define YB_NAME_MAX 150 /* bytes of psn_name: 50 CJK characters */
#define YB_STR_(x) #x
#define YB_STR(x) YB_STR_(x)

static yb_rc row_err(yb_csv *c, yb_err *err, yb_rc rc, const char *col, const char *v, const char *msg) {
    yb_err_set(err, rc, col, v, "%s", msg);
    yb_err_at(err, yb_csv_name(c), yb_csv_line(c));
    return rc;
}

static int all_digits(const char *s, size_t n) {
    if (!n) return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

/* ?1..?7: psn_no, certno, psn_name, gend, brdy, cvlserv_flag, sp_psn_type (empty = NULL but for
 * sp_psn_type). The ID number and name are bound as their keyed hashes: nothing here holds them
 * in the clear. */
static void bind_person(yb_db *db, sqlite3_stmt *st, const char *no, const char *cert, const char *nm, int gend,
                        const char *brdy, int cvl, const char *sp) {
    unsigned char h[YB_LOOKUP_BYTES];
    sqlite3_bind_text(st, 1, no, -1, SQLITE_TRANSIENT);
    if (cert[0]) {
        yb_pd_lookup(db, "certno", cert, strlen(cert), h);
        sqlite3_bind_blob(st, 2, h, sizeof h, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_null(st, 2);
    }
    if (nm[0]) {
        yb_pd_lookup(db, "psn_name", nm, strlen(nm), h);
        sqlite3_bind_blob(st, 3, h, sizeof h, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_null(st, 3);
    }
    if (gend) sqlite3_bind_int(st, 4, gend);
    else sqlite3_bind_null(st, 4);
    if (brdy) sqlite3_bind_text(st, 5, brdy, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, 5);
    sqlite3_bind_int(st, 6, cvl);
    sqlite3_bind_text(st, 7, sp, -1, SQLITE_TRANSIENT);
}

/* Bind personal data sealed at index i (NULL when empty). */
static yb_rc bind_sealed(yb_db *db, sqlite3_stmt *st, int i, const char *v, size_t n, yb_err *err) {
    if (!n) {
        sqlite3_bind_null(st, i);
        return YB_OK;
    }
    unsigned char *b;
    size_t bl;
    yb_rc rc = yb_pd_seal(db, v, n, &b, &bl, err);
    if (!rc) sqlite3_bind_blob(st, i, b, (int)bl, free);
    return rc;
}

yb_rc yb_svc_load_persons(yb_db *db, const char *path, yb_load_stats *stats, yb_err *err) {
    memset(stats, 0, sizeof *stats);
    enum { P_NO, P_CERT, P_NAME, P_GEND, P_BRDY, P_INSU, P_TYPE, P_CVL, P_SP, P_AREA, P_BALC, P_N };
    static const char *const cols[P_N] = {"psn_no", "certno", "psn_name", "gend", "brdy", "insutype",
                                          "psn_type", "cvlserv_flag", "sp_psn_type", "insu_admdvs", "balc"};
    yb_csv *c = NULL;
    yb_rc rc = yb_csv_open(path, &c, err);
    if (rc) return rc;
    int ix[P_N];
    sqlite3_stmt *pp = NULL, *pi = NULL, *ex = NULL;
    rc = yb_csv_require(c, cols, P_N, ix, err);
    /* optional: phone and address (kept as they are when the file has no such column) */
    int tel_col = yb_csv_col(c, "tel"), addr_col = yb_csv_col(c, "addr");
    if (!rc) rc = yb_db_begin(db, err);
    if (rc) {
        yb_csv_close(c);
        return rc;
    }
    sqlite3_stmt *sq = NULL, *sp_put = NULL;
    /* the rows of this file so far (a temporary table of this connection, gone with the transaction) */
    rc = yb_db_exec(db,
                    "CREATE TEMP TABLE IF NOT EXISTS load_persons_seen(psn_no TEXT NOT NULL, certno, psn_name, gend, brdy,"
                    " cvlserv_flag, sp_psn_type, insutype TEXT NOT NULL, line INTEGER NOT NULL,"
                    " PRIMARY KEY (psn_no, insutype)); DELETE FROM temp.load_persons_seen;",
                    err);
    if (!rc)
        rc = yb_db_prepare(db,
                           "SELECT line, certno IS ?2, psn_name IS ?3, gend IS ?4, brdy IS ?5, cvlserv_flag IS ?6,"
                           " sp_psn_type IS ?7, insutype FROM temp.load_persons_seen WHERE psn_no=?1 ORDER BY line",
                           &sq, err);
    if (!rc)
        rc = yb_db_prepare(db,
                           "INSERT INTO temp.load_persons_seen(psn_no, certno, psn_name, gend, brdy, cvlserv_flag,"
                           " sp_psn_type, insutype, line) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
                           &sp_put, err);
    if (!rc)
        rc = yb_db_prepare(db,
                           "INSERT INTO persons(psn_no, certno_h, gend, brdy, cvlserv_flag, sp_psn_type, insu_admdvs,"
                           " psn_type, certno_e, psn_name_e, tel_e, addr_e)"
                           " VALUES (?1,?2,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13) ON CONFLICT(psn_no) DO UPDATE SET"
                           " certno=NULL, psn_name=NULL, certno_h=?2, gend=?4, brdy=?5, cvlserv_flag=?6, sp_psn_type=?7,"
                           " insu_admdvs=?8, psn_type=?9, certno_e=?10, psn_name_e=?11,"
                           " tel_e=CASE WHEN ?14 THEN ?12 ELSE tel_e END, addr_e=CASE WHEN ?15 THEN ?13 ELSE addr_e END,"
                           " updated_at=datetime('now')",
                           &pp, err);
    if (!rc)
        rc = yb_db_prepare(db,
                           "INSERT INTO person_insu(psn_no, insutype, psn_type, balc, insu_admdvs) VALUES (?1,?2,?3,?4,?5)"
                           " ON CONFLICT(psn_no, insutype) DO UPDATE SET psn_type=?3, insu_admdvs=?5",
                           &pi, err);
    if (!rc) rc = yb_db_prepare(db, "SELECT 1 FROM person_insu WHERE psn_no=?1 AND insutype=?2", &ex, err);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    yb_date today;
    yb_date_make(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, &today);
    int r = 0;
    while (!rc && (r = yb_csv_next(c, err)) == 1) {
        stats->rows++;
        size_t n;
        const char *no = yb_csv_field(c, ix[P_NO], &n);
        if (!n || n >= YB_ID_MAX) {
            rc = row_err(c, err, YB_E_INVALID, "psn_no", no, "psn_no must have 1 to 39 characters");
            break;
        }
        const char *cert = yb_csv_field(c, ix[P_CERT], &n);
        yb_date birth = YB_DATE_NONE;
        int sex = 0;
        if (n) {
            rc = yb_idcard_check(cert, n, today, &birth, &sex, err);
            if (rc) {
                yb_err_at(err, yb_csv_name(c), yb_csv_line(c));
                break;
            }
        }
        const char *nm = yb_csv_field(c, ix[P_NAME], &n);
        if (n > YB_NAME_MAX) {
            rc = row_err(c, err, YB_E_LIMIT, "psn_name", nm, "psn_name longer than " YB_STR(YB_NAME_MAX) " bytes");
            break;
        }
        const char *g = yb_csv_field(c, ix[P_GEND], &n);
        int gend = 0;
        if (n) {
            if (n != 1 || (g[0] != '1' && g[0] != '2')) {
                rc = row_err(c, err, YB_E_INVALID, "gend", g, "gend is 1 (male) or 2 (female)");
                break;
            }
            gend = g[0] - '0';
            if (sex && gend != sex) {
                rc = row_err(c, err, YB_E_MISMATCH, "gend", g, "gend disagrees with the ID number");
                break;
            }
        } else {
            gend = sex;
        }
        size_t nl = strlen(nm), tl = 0, al = 0;
        const char *tel = tel_col >= 0 ? yb_csv_field(c, tel_col, &tl) : "";
        if (tl > 32) {
            rc = row_err(c, err, YB_E_LIMIT, "tel", tel, "tel longer than 32 bytes");
            break;
        }
        const char *addr = addr_col >= 0 ? yb_csv_field(c, addr_col, &al) : "";
        if (al > 600) {
            rc = row_err(c, err, YB_E_LIMIT, "addr", addr, "addr longer than 600 bytes");
            break;
        }
        const char *bd = yb_csv_field(c, ix[P_BRDY], &n);
        yb_date brdy = birth;
        if (n) {
            if (yb_date_parse(bd, n, &brdy)) {
                rc = row_err(c, err, YB_E_INVALID, "brdy", bd, "not a date yyyy-MM-dd");
                break;
            }
            if (birth != YB_DATE_NONE && brdy != birth) {
                rc = row_err(c, err, YB_E_MISMATCH, "brdy", bd, "brdy disagrees with the ID number");
                break;
            }
        }
        const char *insu = yb_csv_field(c, ix[P_INSU], &n);
        if (n != 3 || !all_digits(insu, n)) {
            rc = row_err(c, err, YB_E_INVALID, "insutype", insu, "insutype has 3 digits (310, 390 ...)");
            break;
        }
        const char *pt = yb_csv_field(c, ix[P_TYPE], &n);
        if (!n || n >= 12 || !all_digits(pt, n)) {
            rc = row_err(c, err, YB_E_INVALID, "psn_type", pt, "psn_type is a code of digits (1101, 1201 ...)");
            break;
        }
        const char *cv = yb_csv_field(c, ix[P_CVL], &n);
        if (n && (n != 1 || (cv[0] != '0' && cv[0] != '1'))) {
            rc = row_err(c, err, YB_E_INVALID, "cvlserv_flag", cv, "cvlserv_flag is 0 or 1");
            break;
        }
        const char *sp = yb_csv_field(c, ix[P_SP], &n);
        if (n >= 96) {
            rc = row_err(c, err, YB_E_LIMIT, "sp_psn_type", sp, "longer than 95 bytes");
            break;
        }
        const char *area = yb_csv_field(c, ix[P_AREA], &n);
        if (n != 6 || !all_digits(area, n)) {
            rc = row_err(c, err, YB_E_INVALID, "insu_admdvs", area, "an area code has 6 digits");
            break;
        }
        const char *bs = yb_csv_field(c, ix[P_BALC], &n);
        yb_fen balc = 0;
        if (n) {
            yb_rc r2 = yb_fen_parse(bs, n, 0, &balc);
            if (r2) {
                rc = row_err(c, err, r2, "balc", bs, r2 == YB_E_PRECISION ? "more than 2 decimals" : "not a non-negative amount");
                break;
            }
        }
        char bb[12];
        const char *brdy_text = brdy != YB_DATE_NONE ? yb_date_fmt(brdy, bb) : NULL;
        /* one row per insurance type: the rows of one person in this file must agree on the
         * person's own fields, and an insurance type appears once */
        sqlite3_reset(sq);
        bind_person(db, sq, no, cert, nm, gend, brdy_text, cv[0] == '1', sp);
        while (!rc && sqlite3_step(sq) == SQLITE_ROW) {
            long first = (long)sqlite3_column_int64(sq, 0);
            if (!strcmp((const char *)sqlite3_column_text(sq, 7), insu)) {
                char why[96];
                snprintf(why, sizeof why, "this person and insutype are already on line %ld", first);
                rc = row_err(c, err, YB_E_DUPLICATE, "insutype", insu, why);
                break;
            }
            static const char *const same[] = {"certno", "psn_name", "gend", "brdy", "cvlserv_flag", "sp_psn_type"};
            const char *given[] = {cert, nm, g, bd, cv, sp};
            for (int k = 0; k < 6 && !rc; k++)
                if (!sqlite3_column_int(sq, 1 + k)) {
                    char why[96];
                    snprintf(why, sizeof why, "disagrees with line %ld of the same person", first);
                    rc = row_err(c, err, YB_E_MISMATCH, same[k], given[k], why);
                }
        }
        if (rc) break;
        sqlite3_reset(sp_put);
        bind_person(db, sp_put, no, cert, nm, gend, brdy_text, cv[0] == '1', sp);
        sqlite3_bind_text(sp_put, 8, insu, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(sp_put, 9, yb_csv_line(c));
        rc = yb_db_step_done(db, sp_put, err);
        if (rc) break;
        sqlite3_reset(pp);
        bind_person(db, pp, no, cert, nm, gend, brdy_text, cv[0] == '1', sp);
        sqlite3_bind_text(pp, 8, area, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(pp, 9, pt, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(pp, 14, tel_col >= 0);
        sqlite3_bind_int(pp, 15, addr_col >= 0);
        rc = bind_sealed(db, pp, 10, cert, strlen(cert), err);
        if (!rc) rc = bind_sealed(db, pp, 11, nm, nl, err);
        if (!rc) rc = bind_sealed(db, pp, 12, tel, tl, err);
        if (!rc) rc = bind_sealed(db, pp, 13, addr, al, err);
        if (!rc) rc = yb_db_step_done(db, pp, err);
        if (rc) break;
        sqlite3_reset(ex);
        sqlite3_bind_text(ex, 1, no, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ex, 2, insu, -1, SQLITE_TRANSIENT);
        int found = sqlite3_step(ex) == SQLITE_ROW;
        sqlite3_reset(pi);
        sqlite3_bind_text(pi, 1, no, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(pi, 2, insu, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(pi, 3, pt, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(pi, 4, balc);
        sqlite3_bind_text(pi, 5, area, -1, SQLITE_TRANSIENT);
        rc = yb_db_step_done(db, pi, err);
        if (rc) break;
        if (found) stats->updated++;
        else stats->inserted++;
    }
    if (!rc && r < 0) rc = err && err->rc ? err->rc : YB_E_INVALID;
    yb_db_done(pp);
    yb_db_done(pi);
    yb_db_done(ex);
    yb_db_done(sq);
    yb_db_done(sp_put);
    yb_csv_close(c);
    if (!rc) rc = log_load(db, "load.persons", path, stats, err);
    if (!rc) rc = yb_db_commit(db, err);
    if (rc) yb_db_rollback(db);
    return rc;
}

/* ---- institutions ---- */

yb_rc yb_svc_load_institutions(yb_db *db, const char *path, yb_load_stats *stats, yb_err *err) {
    memset(stats, 0, sizeof *stats);
    enum { I_CODE, I_NAME, I_LV, I_AREA, I_BEGN, I_END, I_N };
    static const char *const cols[I_N] = {"fixmedins_code", "fixmedins_name", "hosp_lv", "admdvs", "begndate", "enddate"};
    yb_csv *c = NULL;
    yb_rc rc = yb_csv_open(path, &c, err);
    if (rc) return rc;
    int ix[I_N];
    sqlite3_stmt *put = NULL, *ex = NULL;
    rc = yb_csv_require(c, cols, I_N, ix, err);
    if (!rc) rc = yb_db_begin(db, err);
    if (rc) {
        yb_csv_close(c);
        return rc;
    }
    int secret_col = yb_csv_col(c, "secret"); /* optional: the institution's signing secret */
    rc = yb_db_prepare(db,
                       "INSERT INTO institutions(fixmedins_code, fixmedins_name, hosp_lv, admdvs, begndate, enddate, secret_e)"
                       " VALUES (?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(fixmedins_code) DO UPDATE SET fixmedins_name=?2,"
                       " hosp_lv=?3, admdvs=?4, begndate=?5, enddate=?6, secret_e=ifnull(?7, secret_e)",
                       &put, err);
    if (!rc) rc = yb_db_prepare(db, "SELECT 1 FROM institutions WHERE fixmedins_code=?1", &ex, err);
    int r = 0;
    while (!rc && (r = yb_csv_next(c, err)) == 1) {
        stats->rows++;
        size_t n;
        const char *code = yb_csv_field(c, ix[I_CODE], &n);
        if (!n || n >= 32) {
            rc = row_err(c, err, YB_E_INVALID, "fixmedins_code", code, "fixmedins_code must have 1 to 31 characters");
            break;
        }
        const char *name = yb_csv_field(c, ix[I_NAME], &n);
        if (!n) {
            rc = row_err(c, err, YB_E_INVALID, "fixmedins_name", name, "empty name");
            break;
        }
        const char *lv = yb_csv_field(c, ix[I_LV], &n);
        int lvn = n == 2 && all_digits(lv, 2) ? (lv[0] - '0') * 10 + lv[1] - '0' : 0;
        if (lvn < 1 || lvn > 14) {
            rc = row_err(c, err, YB_E_INVALID, "hosp_lv", lv, "hosp_lv is a code 01..14");
            break;
        }
        const char *area = yb_csv_field(c, ix[I_AREA], &n);
        if (n != 6 || !all_digits(area, n)) {
            rc = row_err(c, err, YB_E_INVALID, "admdvs", area, "an area code has 6 digits");
            break;
        }
        const char *dates[2] = {yb_csv_field(c, ix[I_BEGN], NULL), yb_csv_field(c, ix[I_END], NULL)};
        yb_date dd[2] = {0, 0};
        for (int k = 0; k < 2 && !rc; k++)
            if (dates[k][0] && yb_date_parse(dates[k], strlen(dates[k]), &dd[k]))
                rc = row_err(c, err, YB_E_INVALID, k ? "enddate" : "begndate", dates[k], "not a date yyyy-MM-dd");
        if (rc) break;
        if (dates[0][0] && dates[1][0] && dd[1] < dd[0]) {
            rc = row_err(c, err, YB_E_INVALID, "enddate", dates[1], "enddate before begndate");
            break;
        }
        sqlite3_reset(ex);
        sqlite3_bind_text(ex, 1, code, -1, SQLITE_TRANSIENT);
        int found = sqlite3_step(ex) == SQLITE_ROW;
        sqlite3_reset(put);
        sqlite3_bind_text(put, 1, code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(put, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(put, 3, lv, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(put, 4, area, -1, SQLITE_TRANSIENT);
        for (int k = 0; k < 2; k++) {
            if (dates[k][0]) sqlite3_bind_text(put, 5 + k, dates[k], -1, SQLITE_TRANSIENT);
            else sqlite3_bind_null(put, 5 + k);
        }
        const char *secret = secret_col >= 0 ? yb_csv_field(c, secret_col, &n) : "";
        if (secret_col >= 0 && n && (n < 16 || n > 255)) {
            rc = row_err(c, err, YB_E_INVALID, "secret", NULL, "a secret has 16 to 255 characters");
            break;
        }
        if (secret[0]) { /* kept sealed, as personal data is (store/pdata.c) */
            unsigned char *se = NULL;
            size_t sl = 0;
            rc = yb_pd_seal(db, secret, strlen(secret), &se, &sl, err);
            if (rc) break;
            sqlite3_bind_blob(put, 7, se, (int)sl, free);
        } else {
            sqlite3_bind_null(put, 7);
        }
        rc = yb_db_step_done(db, put, err);
        if (!rc) {
            if (found) stats->updated++;
            else stats->inserted++;
        }
    }
    if (!rc && r < 0) rc = err && err->rc ? err->rc : YB_E_INVALID;
    yb_db_done(put);
    yb_db_done(ex);
    yb_csv_close(c);
    if (!rc) rc = log_load(db, "load.institutions", path, stats, err);
    if (!rc) rc = yb_db_commit(db, err);
    if (rc) yb_db_rollback(db);
    return rc;
}

/* ---- reading back ---- */

yb_rc yb_store_load_refdata(yb_db *db, yb_refdata **out, yb_err *err) {
    yb_refdata *rd = yb_refdata_new();
    if (!rd) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    yb_rc rc = catalog_from_db(db, rd->catalog, err);
    sqlite3_stmt *st = NULL;
    if (!rc) rc = yb_db_prepare(db, "SELECT admdvs, version, json FROM policies ORDER BY admdvs, effective_from", &st, err);
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        const char *json = (const char *)sqlite3_column_text(st, 2);
        char name[64];
        snprintf(name, sizeof name, "policy %s %s", (const char *)sqlite3_column_text(st, 0),
                 (const char *)sqlite3_column_text(st, 1));
        yb_policy *p = NULL;
        rc = yb_policy_from_json(json, strlen(json), name, &p, err);
        if (!rc) {
            rc = yb_refdata_add_policy(rd, p, err);
            if (rc) free(p);
        }
    }
    if (st) yb_db_done(st);
    if (rc) {
        yb_refdata_free(rd);
        return rc;
    }
    *out = rd;
    return YB_OK;
}
