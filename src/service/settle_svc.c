/*
 * settle_svc.c — settle, pre-settle and reverse one visit against the store, each in one
 * transaction (see include/yibao/service.h).
 *
 * BEGIN IMMEDIATE takes the write lock before the accumulators are read, so two settlements of the
 * same person can never read the same accumulator state: the final accumulators always equal a
 * replay of the settlements in commit order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yibao/json_num.h"
#include "yibao/alog.h"
#include "yibao/service.h"
#include "yibao/str.h"

void yb_settle_result_release(yb_settle_result *r) {
    if (!r) return;
    free(r->reply);
    r->reply = NULL;
}

static void body_hash(const char *body, size_t n, char out[40]) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)body[i]) * 1099511628211ull;
    snprintf(out, 40, "fnv1a64:%016llx:%zu", (unsigned long long)h, n);
}

static void now_text(char out[20]) {
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s) {
    if (s && *s) sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

static void bind_time(sqlite3_stmt *st, int i, yb_datetime t) {
    char b[24];
    if (t == YB_DATETIME_NONE) sqlite3_bind_null(st, i);
    else sqlite3_bind_text(st, i, yb_datetime_fmt(t, b), -1, SQLITE_TRANSIENT);
}

/* The JSON path of a year's accumulators in person_insu.acc: $."2025" */
static void year_path(char out[24], int year) {
    char y[24];
    yb_scopy(out, 24, "$.\"");
    yb_scat(out, 24, yb_sint(y, year, 0));
    yb_scat(out, 24, "\"");
}

/* {"<key>": value, ...} of a's items, the keys at 0 left out (absent means 0): an enrolment's
 * accumulators of a year, or a settlement's deltas. NULL when out of memory. */
static char *accum_json(const yb_accum *a) {
    yb_jw w;
    yb_jw_init(&w);
    yb_jw_open(&w, '{');
    for (int i = 0; i < a->n; i++) {
        if (!a->it[i].v) continue;
        yb_jw_key(&w, a->it[i].key);
        yb_jw_int(&w, a->it[i].v);
    }
    yb_jw_close(&w, '}');
    return yb_jw_finish(&w);
}

/* The person's enrolment (psn, insutype): its account balance and its accumulators of `year`
 * (schema 9: person_insu.acc, {"<year>": {"<key>": value}}). *found 0 when there is no enrolment
 * row (then the balance is 0 and there are no accumulators). */
static yb_rc load_enrolment(yb_db *db, const char *psn, const char *insutype, int year, yb_accum *acc, yb_fen *balc,
                            int *found, yb_err *err) {
    memset(acc, 0, sizeof *acc);
    *found = 0;
    *balc = 0;
    char path[24];
    year_path(path, year);
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(db,
                             "SELECT p.balc, a.key, a.value FROM person_insu p LEFT JOIN json_each(p.acc, ?3) a"
                             " WHERE p.psn_no=?1 AND p.insutype=?2",
                             &st, err);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, psn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, insutype, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, path, -1, SQLITE_STATIC);
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        *found = 1;
        *balc = sqlite3_column_int64(st, 0);
        if (sqlite3_column_type(st, 1) == SQLITE_NULL) continue;
        const char *key = (const char *)sqlite3_column_text(st, 1);
        rc = sqlite3_column_type(st, 2) == SQLITE_INTEGER ? yb_accum_add(acc, key, sqlite3_column_int64(st, 2)) : YB_E_INVALID;
        if (rc) yb_err_set(err, rc, "accum", key, "an accumulator that is not an integer, or too many accumulators");
    }
    yb_db_done(st);
    return rc;
}

/* Writes an enrolment's accumulators of `year` (the keys at 0 left out) and its balance. The
 * enrolment row must exist. */
static yb_rc store_enrolment(yb_db *db, const char *psn, const char *insutype, int year, const yb_accum *acc,
                             yb_fen balc, yb_err *err) {
    char path[24];
    year_path(path, year);
    char *obj = accum_json(acc);
    if (!obj) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(db,
                             "UPDATE person_insu SET acc=json_set(ifnull(acc, '{}'), ?3, json(?4)), balc=?5"
                             " WHERE psn_no=?1 AND insutype=?2",
                             &st, err);
    if (!rc) {
        sqlite3_bind_text(st, 1, psn, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, insutype, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, path, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, obj, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, balc);
        rc = yb_db_step_done(db, st, err);
        yb_db_done(st);
        if (!rc && sqlite3_changes(yb_db_sql(db)) != 1)
            rc = yb_err_set(err, YB_E_STATE, "psn_no", psn, "the person has no enrolment of insurance type %s", insutype);
    }
    free(obj);
    return rc;
}

static yb_rc exec_bound(yb_db *db, const char *sql, yb_err *err, const char *a, const char *b, const char *c) {
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(db, sql, &st, err);
    if (rc) return rc;
    if (a) sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b) sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    if (c) sqlite3_bind_text(st, 3, c, -1, SQLITE_STATIC);
    rc = yb_db_step_done(db, st, err);
    yb_db_done(st);
    return rc;
}

static yb_rc store_settlement(yb_db *db, const yb_visit_doc *d, const yb_settlement *s, const yb_line_split *sp,
                              const char *setl_id, const char *setl_time, const char *hash, const char *reply,
                              int person_known, yb_fen opening, const yb_accum *acc, yb_err *err) {
    const yb_person *p = &d->person;
    const yb_visit *v = &d->visit;
    sqlite3_stmt *st;
    yb_rc rc;
    if (!person_known) {
        rc = yb_db_prepare(db,
                           "INSERT OR IGNORE INTO persons(psn_no, gend, brdy, insu_admdvs, psn_type, cvlserv_flag, sp_psn_type)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           &st, err);
        if (rc) return rc;
        char bb[12];
        sqlite3_bind_text(st, 1, p->psn_no, -1, SQLITE_STATIC);
        if (p->gend) sqlite3_bind_int(st, 2, p->gend);
        if (p->brdy != YB_DATE_NONE) sqlite3_bind_text(st, 3, yb_date_fmt(p->brdy, bb), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, p->insu_admdvs, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, p->psn_type, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 6, p->cvlserv_flag);
        sqlite3_bind_text(st, 7, p->sp_psn_type, -1, SQLITE_STATIC);
        rc = yb_db_step_done(db, st, err);
        yb_db_done(st);
        if (rc) return rc;
        rc = yb_db_prepare(db,
                           "INSERT INTO person_insu(psn_no, insutype, psn_type, balc, insu_admdvs) VALUES (?1, ?2, ?3, ?4, ?5)",
                           &st, err);
        if (rc) return rc;
        sqlite3_bind_text(st, 1, p->psn_no, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, p->insutype, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, p->psn_type, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, opening);
        sqlite3_bind_text(st, 5, p->insu_admdvs, -1, SQLITE_STATIC);
        rc = yb_db_step_done(db, st, err);
        yb_db_done(st);
        if (rc) return rc;
    }
    /* the balance and the accumulators after this settlement, in one write of the enrolment row */
    yb_accum *after = malloc(sizeof *after);
    if (!after) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    *after = *acc;
    rc = YB_OK;
    for (int i = 0; i < s->deltas.n && !rc; i++) {
        rc = yb_accum_add(after, s->deltas.it[i].key, s->deltas.it[i].v);
        if (rc) yb_err_set(err, rc, "accumulators", s->deltas.it[i].key, "cannot add the settlement's delta");
    }
    if (!rc) rc = store_enrolment(db, p->psn_no, p->insutype, s->year, after, s->balc, err);
    free(after);
    if (rc) return rc;

    /* a registered visit (read from the store in this transaction) is updated by its rowid: one
     * B-tree search instead of the key's index, then the table */
    if (d->lines_stored)
        rc = yb_db_prepare(db,
                           "UPDATE visits SET insutype=?3, med_type=?4, fixmedins_code=?5, hosp_lv=?6,"
                           " mdtrtarea_admvs=?7, begntime=?8, endtime=?9, state=iif(?11, state, 'settled')"
                           " WHERE rowid=?10 AND mdtrt_id=?1 AND psn_no=?2",
                           &st, err);
    else
        rc = yb_db_prepare(db,
                           "INSERT INTO visits(mdtrt_id, psn_no, insutype, med_type, fixmedins_code, hosp_lv, mdtrtarea_admvs,"
                           " begntime, endtime, state) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,'settled')"
                           " ON CONFLICT(mdtrt_id) DO UPDATE SET insutype=?3, med_type=?4, fixmedins_code=?5, hosp_lv=?6,"
                           " mdtrtarea_admvs=?7, begntime=?8, endtime=?9, state='settled'",
                           &st, err);
    if (rc) return rc;
    if (d->lines_stored) {
        sqlite3_bind_int64(st, 10, d->visit_rowid);
        sqlite3_bind_int(st, 11, d->mid_setl); /* an interim settlement leaves the stay open */
    }
    sqlite3_bind_text(st, 1, v->mdtrt_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->psn_no, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, p->insutype, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, v->med_type, -1, SQLITE_STATIC);
    bind_text_or_null(st, 5, v->fixmedins_code);
    sqlite3_bind_text(st, 6, v->hosp_lv, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, v->mdtrtarea_admvs, -1, SQLITE_STATIC);
    bind_time(st, 8, v->begntime);
    bind_time(st, 9, v->endtime);
    rc = yb_db_step_done(db, st, err);
    yb_db_done(st);
    if (!rc && d->lines_stored && sqlite3_changes(yb_db_sql(db)) != 1)
        rc = yb_err_set(err, YB_E_STATE, "mdtrt_id", v->mdtrt_id, "the visit is no longer in the store");
    if (rc) return rc;

    /* lines from the store are updated in place, by the rowid they were read with in this
     * transaction (one B-tree search instead of the key's index, then the table; the visit's lines
     * settled before, by an interim settlement, stay as they are); the lines of a visit file
     * replace the visit's rows */
    if (d->lines_stored) {
        rc = yb_db_prepare(db,
                           "UPDATE fee_lines SET cnt=?6, det_item_fee_sumamt=?8, fulamt_ownpay_amt=?9, overlmt_amt=?10,"
                           " preselfpay_amt=?11, inscp_scp_amt=?12, chrgitm_lv=?13, setl_id=?14"
                           " WHERE rowid=?15 AND mdtrt_id=?1 AND feedetl_sn=?2 AND setl_id IS NULL",
                           &st, err);
    } else {
        rc = exec_bound(db, "DELETE FROM fee_lines WHERE mdtrt_id=?1", err, v->mdtrt_id, NULL, NULL);
        if (!rc)
            rc = yb_db_prepare(db,
                               "INSERT INTO fee_lines(mdtrt_id, feedetl_sn, psn_no, med_list_codg, fee_ocur_time, cnt, pric,"
                               " det_item_fee_sumamt, fulamt_ownpay_amt, overlmt_amt, preselfpay_amt, inscp_scp_amt,"
                               " chrgitm_lv, setl_id) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
                               &st, err);
    }
    if (rc) return rc;
    for (size_t i = 0; i < d->n_lines && !rc; i++) {
        const yb_line *l = &d->lines[i];
        /* a line the audit denied in part was settled as its paid rest and a "-D" part right after
         * it: the store keeps the line as uploaded, with the parts' amounts added up */
        yb_fen cnt = l->cnt, sum = l->sumamt, ful = sp[i].fulamt_ownpay_amt, over = sp[i].overlmt_amt,
               pre = sp[i].preselfpay_amt, inscp = sp[i].inscp_scp_amt;
        size_t sn = strlen(l->feedetl_sn);
        int merged = 0;
        if (i + 1 < d->n_lines && !strncmp(d->lines[i + 1].feedetl_sn, l->feedetl_sn, sn) &&
            !strcmp(d->lines[i + 1].feedetl_sn + sn, "-D")) {
            cnt += d->lines[i + 1].cnt;
            sum += d->lines[i + 1].sumamt;
            ful += sp[i + 1].fulamt_ownpay_amt;
            over += sp[i + 1].overlmt_amt;
            pre += sp[i + 1].preselfpay_amt;
            inscp += sp[i + 1].inscp_scp_amt;
            merged = 1;
        }
        sqlite3_reset(st);
        if (d->lines_stored) sqlite3_bind_int64(st, 15, l->store_rowid);
        sqlite3_bind_text(st, 1, v->mdtrt_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, l->feedetl_sn, -1, SQLITE_STATIC);
        if (!d->lines_stored) {
            sqlite3_bind_text(st, 3, p->psn_no, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, l->med_list_codg, -1, SQLITE_STATIC);
            bind_time(st, 5, l->fee_ocur_time);
        }
        sqlite3_bind_int64(st, 6, cnt);
        sqlite3_bind_int64(st, 7, l->pric);
        sqlite3_bind_int64(st, 8, sum);
        sqlite3_bind_int64(st, 9, ful);
        sqlite3_bind_int64(st, 10, over);
        sqlite3_bind_int64(st, 11, pre);
        sqlite3_bind_int64(st, 12, inscp);
        bind_text_or_null(st, 13, sp[i].chrgitm_lv);
        sqlite3_bind_text(st, 14, setl_id, -1, SQLITE_STATIC);
        rc = yb_db_step_done(db, st, err);
        if (!rc && d->lines_stored && sqlite3_changes(yb_db_sql(db)) != 1)
            rc = yb_err_set(err, YB_E_STATE, "feedetl_sn", l->feedetl_sn, "the fee line is no longer unsettled");
        i += (size_t)merged;
    }
    yb_db_done(st);
    if (rc) return rc;

    rc = yb_db_prepare(db,
                       "INSERT INTO settlements(setl_id, psn_no, mdtrt_id, insutype, med_type, year, policy_admdvs,"
                       " policy_version, block, medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt,"
                       " inscp_scp_amt, dedc_std, crt_dedc, act_pay_dedc, hifp_pay, pool_prop_selfpay, over_cap,"
                       " cvlserv_pay, hifes_pay, hifmi_pay, hifob_pay, hifdm_pay, maf_pay, oth_pay, fund_pay_sumamt,"
                       " psn_part_amt, acct_pay, psn_cash_pay, hosp_part_amt, balc, fixmedins_code, msgid, body_hash,"
                       " reply, setl_time, funds, deltas, mid_setl_flag) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,"
                       "?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32,?33,?34,?35,?36,?37,?38,?39,"
                       "?40,?41)",
                       &st, err);
    if (rc) return rc;
    /* the fund rows and the accumulator deltas go into the row itself (schema 8: setl_funds and
     * setl_deltas are views of these columns) */
    char *funds = NULL, *deltas = NULL;
    yb_jw w;
    yb_jw_init(&w);
    yb_jw_open(&w, '[');
    for (int i = 0; i < s->n_funds; i++) {
        const yb_fund_row *f = &s->funds[i];
        yb_jw_open(&w, '[');
        yb_jw_int(&w, i);
        yb_jw_str(&w, f->fund_pay_type);
        yb_jw_str(&w, f->name);
        yb_jw_int(&w, f->base);
        yb_jw_int(&w, f->payamt);
        if (f->cap_left == YB_NO_CAP) yb_jw_null(&w);
        else yb_jw_int(&w, f->cap_left);
        yb_jw_str(&w, f->proc_info);
        yb_jw_close(&w, ']');
    }
    yb_jw_close(&w, ']');
    funds = yb_jw_finish(&w);
    deltas = accum_json(&s->deltas); /* a settlement records no zero delta */
    if (!funds || !deltas) {
        free(funds);
        free(deltas);
        yb_db_done(st);
        return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    }
    int k = 1;
    sqlite3_bind_text(st, k++, setl_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, p->psn_no, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, v->mdtrt_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, p->insutype, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, v->med_type, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, k++, s->year);
    sqlite3_bind_text(st, k++, s->policy_admdvs, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, s->policy_version, -1, SQLITE_STATIC);
    bind_text_or_null(st, k++, s->block);
    const yb_fen amounts[] = {s->medfee_sumamt, s->fulamt_ownpay_amt, s->overlmt_selfpay, s->preselfpay_amt,
                              s->inscp_scp_amt, s->dedc_std, s->crt_dedc, s->act_pay_dedc, s->hifp_pay,
                              s->pool_prop, s->over_cap, s->cvlserv_pay, s->hifes_pay, s->hifmi_pay, s->hifob_pay,
                              s->hifdm_pay, s->maf_pay, s->oth_pay, s->fund_pay_sumamt, s->psn_part_amt,
                              s->acct_pay, s->psn_cash_pay, s->hosp_part_amt, s->balc};
    for (size_t i = 0; i < sizeof amounts / sizeof amounts[0]; i++) sqlite3_bind_int64(st, k++, amounts[i]);
    bind_text_or_null(st, k++, d->fixmedins_code);
    bind_text_or_null(st, k++, d->msgid);
    if (d->reply_recorded) {
        sqlite3_bind_null(st, k++);
        sqlite3_bind_null(st, k++);
    } else {
        sqlite3_bind_text(st, k++, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, k++, reply, -1, SQLITE_STATIC);
    }
    sqlite3_bind_text(st, k++, setl_time, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, funds, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, deltas, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, k++, d->mid_setl);
    rc = yb_db_step_done(db, st, err);
    yb_db_done(st);
    free(funds);
    free(deltas);
    return rc;
}

yb_rc yb_svc_settle(yb_db *db, const yb_refdata *rd, const yb_visit_doc *d, const char *body, size_t body_len,
                    int pre, yb_settle_result *res, yb_err *err) {
    memset(res, 0, sizeof *res);
    const yb_person *p = &d->person;
    yb_date on = yb_settle_date(&d->visit);
    const yb_policy *pol = yb_refdata_policy(rd, p->insu_admdvs, on);
    if (!pol) {
        char b[12];
        return yb_err_set(err, YB_E_POLICY, "insuplc_admdvs", p->insu_admdvs, "no policy of this area is in force on %s",
                          yb_date_fmt(on, b));
    }
    char hash[40] = "";
    if (!d->reply_recorded) body_hash(body ? body : "", body ? body_len : 0, hash);
    yb_rc rc = yb_db_begin(db, err);
    if (rc) return rc;
    sqlite3_stmt *st = NULL;
    if (!pre && d->msgid[0] && !d->reply_recorded) {
        /* the settlements that record their own reply are indexed by msgid (schema 10); an msgid the
         * interface used is in msg_log */
        if (d->fixmedins_code[0]) {
            rc = yb_db_prepare(db, "SELECT 1 FROM msg_log WHERE fixmedins_code=?1 AND msgid=?2", &st, err);
            if (rc) goto fail;
            sqlite3_bind_text(st, 1, d->fixmedins_code, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, d->msgid, -1, SQLITE_STATIC);
            int used = sqlite3_step(st) == SQLITE_ROW;
            yb_db_done(st);
            st = NULL;
            if (used) {
                rc = yb_err_set(err, YB_E_DUPLICATE, "msgid", d->msgid, "this msgid was used for another request");
                goto fail;
            }
        }
        rc = yb_db_prepare(db,
                           "SELECT body_hash, reply, setl_id FROM settlements WHERE msgid=?1 AND"
                           " fixmedins_code IS ?2 AND refd_setl_flag=0 AND body_hash IS NOT NULL",
                           &st, err);
        if (rc) goto fail;
        sqlite3_bind_text(st, 1, d->msgid, -1, SQLITE_STATIC);
        bind_text_or_null(st, 2, d->fixmedins_code);
        if (sqlite3_step(st) == SQLITE_ROW) {
            const unsigned char *was = sqlite3_column_text(st, 0);
            if (!was || strcmp((const char *)was, hash) != 0) {
                rc = yb_err_set(err, YB_E_DUPLICATE, "msgid", d->msgid, "this msgid was used for another request");
                goto fail;
            }
            res->replayed = 1;
            res->reply = strdup((const char *)sqlite3_column_text(st, 1));
            yb_scopy(res->setl_id, sizeof res->setl_id, (const char *)sqlite3_column_text(st, 2));
            yb_db_done(st);
            yb_db_rollback(db);
            return res->reply ? YB_OK : yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        }
        yb_db_done(st);
        st = NULL;
    }
    /* the visit: not settled already, and not another person's (a visit read from the store in this
     * transaction, lines_stored, was read with its person already: only its settlements are asked,
     * and those that stand may be the interim settlements of a stay, whose rest this one settles) */
    yb_stay stay = {"", 0, 0};
    int n_stay = 0;
    rc = yb_db_prepare(db,
                       d->lines_stored ? "SELECT ?2, setl_id, mid_setl_flag, ifnull(block,''), ifnull(dedc_std,0),"
                                         " ifnull(act_pay_dedc,0) FROM settlements WHERE mdtrt_id=?1 AND refd_setl_flag=0"
                                         " AND reversed_by IS NULL ORDER BY setl_id"
                                       : "SELECT psn_no, (SELECT setl_id FROM settlements WHERE mdtrt_id=?1 AND"
                                         " refd_setl_flag=0 AND reversed_by IS NULL) FROM visits WHERE mdtrt_id=?1",
                       &st, err);
    if (rc) goto fail;
    sqlite3_bind_text(st, 1, d->visit.mdtrt_id, -1, SQLITE_STATIC);
    if (d->lines_stored) sqlite3_bind_text(st, 2, p->psn_no, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (strcmp((const char *)sqlite3_column_text(st, 0), p->psn_no) != 0) {
            rc = yb_err_set(err, YB_E_PERM, "input.data.mdtrt_id", d->visit.mdtrt_id, "the visit belongs to another person");
            goto fail;
        }
        if (sqlite3_column_type(st, 1) == SQLITE_NULL) break;
        if (!d->lines_stored || sqlite3_column_int(st, 2) != 1) {
            rc = yb_err_set(err, YB_E_STATE, "input.data.mdtrt_id", d->visit.mdtrt_id, "the visit is already settled (%s)",
                            (const char *)sqlite3_column_text(st, 1));
            goto fail;
        }
        if (n_stay++ == 0) { /* the first interim settlement fixed the stay's block and deductible */
            yb_scopy(stay.block, sizeof stay.block, (const char *)sqlite3_column_text(st, 3));
            stay.dedc_std = sqlite3_column_int64(st, 4);
        }
        if (!strcmp(stay.block, (const char *)sqlite3_column_text(st, 3)) &&
            yb_add(stay.dedc_paid, sqlite3_column_int64(st, 5), &stay.dedc_paid)) {
            rc = yb_err_set(err, YB_E_OVERFLOW, "act_pay_dedc", d->visit.mdtrt_id, "the stay's deductible overflows");
            goto fail;
        }
    }
    yb_db_done(st);
    st = NULL;

    int year = yb_settle_year(&d->visit), known;
    yb_accum acc;
    yb_fen balance;
    rc = load_enrolment(db, p->psn_no, p->insutype, year, &acc, &balance, &known, err);
    if (rc) goto fail;
    yb_fen opening = known ? balance : (d->has_balc ? d->balc : 0);
    yb_line_split *sp = calloc(d->n_lines ? d->n_lines : 1, sizeof *sp);
    if (!sp) {
        rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        goto fail;
    }
    yb_settle_in in = {pol, rd->catalog, p, &d->visit, d->lines, d->n_lines, &acc, opening, n_stay ? &stay : NULL};
    yb_settlement s;
    rc = yb_settle_calc(&in, &s, sp, err);
    if (!rc) rc = yb_visit_doc_check_totals(d, &s, err);
    if (rc) {
        free(sp);
        goto fail;
    }
    if (pre) {
        yb_db_rollback(db);
        res->reply = yb_reply_settlement(d, &s, sp, NULL, NULL, 1);
        free(sp);
        return res->reply ? YB_OK : yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    }
    long long seq;
    rc = yb_db_next_seq(db, "setl_seq", &seq, err);
    if (rc) {
        free(sp);
        goto fail;
    }
    res->setl_id[0] = 'S';
    yb_sint(res->setl_id + 1, seq, 12);
    char setl_time[20];
    now_text(setl_time);
    res->reply = yb_reply_settlement(d, &s, sp, res->setl_id, setl_time, 1);
    if (!res->reply) {
        free(sp);
        rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        goto fail;
    }
    rc = store_settlement(db, d, &s, sp, res->setl_id, setl_time, hash, res->reply, known, opening, &acc, err);
    free(sp);
    char detail[160];
    yb_scopy(detail, sizeof detail, d->visit.mdtrt_id);
    if (d->msgid[0]) yb_scat(yb_scat(detail, sizeof detail, " msgid "), sizeof detail, d->msgid);
    if (!rc) rc = yb_alog_append(db, yb_db_actor(db), "settle", res->setl_id, detail, err);
    if (!rc) rc = yb_db_commit(db, err);
    if (rc) goto fail;
    return YB_OK;
fail:
    if (st) yb_db_done(st);
    yb_db_rollback(db);
    yb_settle_result_release(res);
    res->setl_id[0] = '\0';
    return rc;
}

/* ---- reversal ---- */

static const char *const amount_cols[] = {
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt", "dedc_std",
    "crt_dedc", "act_pay_dedc", "hifp_pay", "over_cap", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay",
    "hifdm_pay", "maf_pay", "oth_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay", "hosp_part_amt",
};
#define N_AMOUNTS (sizeof amount_cols / sizeof amount_cols[0])

static char *reversal_reply(yb_db *db, const char *setl_id, yb_err *err) {
    char sql[1024] = "SELECT setl_id, psn_no, mdtrt_id, insutype, med_type, init_setl_id, setl_time, balc, pool_prop_selfpay";
    for (size_t i = 0; i < N_AMOUNTS; i++) {
        strcat(sql, ", ");
        strcat(sql, amount_cols[i]);
    }
    strcat(sql, " FROM settlements WHERE setl_id=?1");
    sqlite3_stmt *st;
    if (yb_db_prepare(db, sql, &st, err)) return NULL;
    sqlite3_bind_text(st, 1, setl_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        yb_db_done(st);
        yb_err_set(err, YB_E_INTERNAL, "setl_id", setl_id, "reversal row vanished");
        return NULL;
    }
    yb_jw w;
    yb_jw_init(&w);
    yb_jw_open(&w, '{');
    yb_jw_key(&w, "infcode");
    yb_jw_int(&w, 0);
    yb_jw_key(&w, "err_msg");
    yb_jw_str(&w, "success");
    yb_jw_key(&w, "output");
    yb_jw_open(&w, '{');
    yb_jw_key(&w, "setlinfo");
    yb_jw_open(&w, '{');
    static const char *const texts[] = {"setl_id", "psn_no", "mdtrt_id", "insutype", "med_type", "init_setl_id", "setl_time"};
    for (int i = 0; i < 7; i++) {
        yb_jw_key(&w, texts[i]);
        yb_jw_str(&w, (const char *)sqlite3_column_text(st, i));
    }
    yb_jw_key(&w, "refd_setl_flag");
    yb_jw_str(&w, "1");
    yb_jw_key(&w, "balc");
    yb_jw_money(&w, sqlite3_column_int64(st, 7));
    yb_jw_key(&w, "pool_prop_selfpay");
    yb_jw_dec(&w, sqlite3_column_int64(st, 8), YB_RATIO_SCALE);
    for (size_t i = 0; i < N_AMOUNTS; i++) {
        yb_jw_key(&w, amount_cols[i]);
        yb_jw_money(&w, sqlite3_column_int64(st, 9 + (int)i));
    }
    yb_jw_close(&w, '}');
    yb_db_done(st);
    yb_jw_key(&w, "setldetail");
    yb_jw_open(&w, '[');
    if (!yb_db_prepare(db, "SELECT fund_pay_type, fund_pay_type_name, inscp_scp_amt, fund_payamt, setl_proc_info"
                           " FROM setl_funds WHERE setl_id=?1 ORDER BY seq",
                       &st, err)) {
        sqlite3_bind_text(st, 1, setl_id, -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW) {
            yb_jw_open(&w, '{');
            yb_jw_key(&w, "fund_pay_type");
            yb_jw_str(&w, (const char *)sqlite3_column_text(st, 0));
            yb_jw_key(&w, "fund_pay_type_name");
            yb_jw_str(&w, (const char *)sqlite3_column_text(st, 1));
            yb_jw_key(&w, "inscp_scp_amt");
            yb_jw_money(&w, sqlite3_column_int64(st, 2));
            yb_jw_key(&w, "fund_payamt");
            yb_jw_money(&w, sqlite3_column_int64(st, 3));
            yb_jw_key(&w, "setl_proc_info");
            yb_jw_str(&w, (const char *)sqlite3_column_text(st, 4));
            yb_jw_close(&w, '}');
        }
        yb_db_done(st);
    }
    yb_jw_close(&w, ']');
    yb_jw_close(&w, '}');
    yb_jw_close(&w, '}');
    return yb_jw_finish(&w);
}

yb_rc yb_svc_reverse(yb_db *db, const char *setl_id, const char *psn_no, yb_settle_result *res, yb_err *err) {
    memset(res, 0, sizeof *res);
    yb_rc rc = yb_db_begin(db, err);
    if (rc) return rc;
    sqlite3_stmt *st = NULL;
    rc = yb_db_prepare(db, "SELECT psn_no, insutype, refd_setl_flag, reversed_by, acct_pay, mdtrt_id, year FROM settlements"
                           " WHERE setl_id=?1",
                       &st, err);
    if (rc) goto fail;
    sqlite3_bind_text(st, 1, setl_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = yb_err_set(err, YB_E_NOTFOUND, "setl_id", setl_id, "no such settlement");
        goto fail;
    }
    char owner[YB_ID_MAX], insutype[8], mdtrt[YB_ID_MAX];
    yb_scopy(owner, sizeof owner, (const char *)sqlite3_column_text(st, 0));
    yb_scopy(insutype, sizeof insutype, (const char *)sqlite3_column_text(st, 1));
    yb_scopy(mdtrt, sizeof mdtrt, (const char *)sqlite3_column_text(st, 5));
    int refd = sqlite3_column_int(st, 2);
    int reversed = sqlite3_column_type(st, 3) != SQLITE_NULL;
    char by[32];
    yb_scopy(by, sizeof by, reversed ? (const char *)sqlite3_column_text(st, 3) : "");
    yb_fen acct_pay = sqlite3_column_int64(st, 4);
    int year = sqlite3_column_int(st, 6);
    yb_db_done(st);
    st = NULL;
    if (psn_no && *psn_no && strcmp(psn_no, owner) != 0) {
        rc = yb_err_set(err, YB_E_PERM, "psn_no", psn_no, "the settlement belongs to another person");
        goto fail;
    }
    if (refd) {
        rc = yb_err_set(err, YB_E_STATE, "setl_id", setl_id, "this is a reversal row; it cannot be reversed");
        goto fail;
    }
    if (reversed) {
        rc = yb_err_set(err, YB_E_STATE, "setl_id", setl_id, "already reversed by %s", by);
        goto fail;
    }
    /* the settlements of a stay are cancelled last first: a later one took its deductible from
     * the earlier (interim) ones */
    rc = yb_db_prepare(db, "SELECT setl_id FROM settlements WHERE mdtrt_id=?1 AND setl_id>?2 AND refd_setl_flag=0"
                           " AND reversed_by IS NULL ORDER BY setl_id DESC LIMIT 1", &st, err);
    if (rc) goto fail;
    sqlite3_bind_text(st, 1, mdtrt, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, setl_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        rc = yb_err_set(err, YB_E_STATE, "setl_id", setl_id, "a later settlement of the visit stands (%s): cancel it first",
                        (const char *)sqlite3_column_text(st, 0));
        goto fail;
    }
    yb_db_done(st);
    st = NULL;
    /* give back exactly what it applied: its deltas off the accumulators of its year (a key back
     * at 0 is left out, so the enrolment is then exactly what it was before the settlement) and
     * its account payment back onto the balance */
    yb_accum *acc = malloc(sizeof *acc);
    yb_fen balc = 0;
    int found = 0;
    rc = acc ? load_enrolment(db, owner, insutype, year, acc, &balc, &found, err)
             : yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    if (!rc && !found) rc = yb_err_set(err, YB_E_STATE, "psn_no", owner, "the person has no enrolment of insurance type %s", insutype);
    if (!rc) rc = yb_db_prepare(db, "SELECT d.key, d.value FROM settlements s, json_each(s.deltas) d WHERE setl_id=?1", &st, err);
    if (!rc) {
        sqlite3_bind_text(st, 1, setl_id, -1, SQLITE_STATIC);
        while (!rc && sqlite3_step(st) == SQLITE_ROW) {
            const char *key = (const char *)sqlite3_column_text(st, 0);
            rc = yb_accum_add(acc, key, -sqlite3_column_int64(st, 1));
            if (rc) yb_err_set(err, rc, "accum", key, "cannot give back the settlement's accumulator delta");
        }
        yb_db_done(st);
        st = NULL;
    }
    yb_fen after = 0;
    if (!rc && yb_add(balc, acct_pay, &after)) rc = yb_err_set(err, YB_E_OVERFLOW, "balc", owner, "account balance overflow");
    if (!rc) rc = store_enrolment(db, owner, insutype, year, acc, after, err);
    free(acc);
    if (rc) goto fail;
    long long seq;
    rc = yb_db_next_seq(db, "setl_seq", &seq, err);
    if (rc) goto fail;
    snprintf(res->setl_id, sizeof res->setl_id, "S%012lld", seq);
    char sql[4096] = "INSERT INTO settlements(setl_id, psn_no, mdtrt_id, insutype, med_type, year, policy_admdvs,"
                     " policy_version, block, pool_prop_selfpay, balc, refd_setl_flag, init_setl_id, fixmedins_code, setl_time,"
                     " mid_setl_flag, funds, deltas";
    for (size_t i = 0; i < N_AMOUNTS; i++) strcat(strcat(sql, ", "), amount_cols[i]);
    strcat(sql, ") SELECT ?2, psn_no, mdtrt_id, insutype, med_type, year, policy_admdvs, policy_version, block,"
                " pool_prop_selfpay, (SELECT balc FROM person_insu pi WHERE pi.psn_no=s.psn_no AND"
                " pi.insutype=s.insutype), 1, setl_id, fixmedins_code, ?3, mid_setl_flag,"
                /* the fund rows and the deltas, negated */
                " (SELECT json_group_array(json_array(json_extract(f.value, '$[0]'), json_extract(f.value, '$[1]'),"
                " json_extract(f.value, '$[2]'), -json_extract(f.value, '$[3]'), -json_extract(f.value, '$[4]'),"
                " json_extract(f.value, '$[5]'), json_extract(f.value, '$[6]'))) FROM json_each(s.funds) f),"
                " (SELECT json_group_object(d.key, -d.value) FROM json_each(s.deltas) d)");
    for (size_t i = 0; i < N_AMOUNTS; i++) strcat(strcat(sql, ", -"), amount_cols[i]);
    strcat(sql, " FROM settlements s WHERE setl_id=?1");
    char setl_time[20];
    now_text(setl_time);
    rc = exec_bound(db, sql, err, setl_id, res->setl_id, setl_time);
    if (!rc) rc = exec_bound(db, "UPDATE settlements SET reversed_by=?2 WHERE setl_id=?1", err, setl_id, res->setl_id, NULL);
    /* a stay still in hospital (an interim settlement cancelled) stays open as it was */
    if (!rc)
        rc = exec_bound(db, "UPDATE visits SET state='reversed' WHERE mdtrt_id=?1 AND state<>'registered'", err, mdtrt, NULL,
                        NULL);
    /* the visit's lines are free again: it may be settled anew */
    if (!rc)
        rc = exec_bound(db, "UPDATE fee_lines SET setl_id=NULL WHERE mdtrt_id=?2 AND setl_id=?1", err, setl_id, mdtrt, NULL);
    if (rc) goto fail;
    res->reply = reversal_reply(db, res->setl_id, err);
    if (!res->reply) {
        rc = err && err->rc ? err->rc : YB_E_NOMEM;
        goto fail;
    }
    rc = yb_alog_append(db, yb_db_actor(db), "reverse", setl_id, res->setl_id, err);
    if (!rc) rc = yb_db_commit(db, err);
    if (rc) goto fail;
    return YB_OK;
fail:
    if (st) yb_db_done(st);
    yb_db_rollback(db);
    yb_settle_result_release(res);
    res->setl_id[0] = '\0';
    return rc;
}
