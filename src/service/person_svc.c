/*
 * person_svc.c — what the store holds about one person, for `yibao show person` and the staff
 * screens: registry row, enrolments with balances, accumulators and settlements. Personal data
 * leaves here masked only (yb_mask); the view is read in one read transaction, so its parts agree
 * with each other even while settlements are being written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "yibao/alog.h"
#include "yibao/json_num.h"
#include "yibao/pdata.h"
#include "yibao/service.h"

static void copy_col(char *dst, size_t cap, sqlite3_stmt *st, int i) {
    const unsigned char *v = sqlite3_column_text(st, i);
    snprintf(dst, cap, "%s", v ? (const char *)v : "");
}

void yb_person_view_free(yb_person_view *v) {
    if (!v) return;
    free(v->insu);
    free(v->acc);
    free(v->setl);
    free(v);
}

/* Grow *arr (of elem bytes) to hold n + 1 entries; *cap doubles. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem) {
    if (n < *cap) return 0;
    size_t nc = *cap ? *cap * 2 : 8;
    void *p = realloc(*arr, nc * elem);
    if (!p) return -1;
    *arr = p;
    *cap = nc;
    return 0;
}

static yb_rc read_view(yb_db *db, const char *psn_no, yb_person_view *v, yb_err *err) {
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(db,
                             "SELECT certno_e, psn_name_e, gend, brdy, insu_admdvs, psn_type, cvlserv_flag, sp_psn_type,"
                             " tel_e, addr_e FROM persons WHERE psn_no=?1",
                             &st, err);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, psn_no, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        yb_db_done(st);
        return yb_err_set(err, YB_E_NOTFOUND, "psn_no", psn_no, "no such person");
    }
    snprintf(v->psn_no, sizeof v->psn_no, "%s", psn_no);
    static const char *const personal[] = {"certno", "psn_name", "tel", "addr"};
    static const int column[] = {0, 1, 8, 9};
    char *dst[] = {v->certno, v->psn_name, v->tel, v->addr};
    size_t cap[] = {sizeof v->certno, sizeof v->psn_name, sizeof v->tel, sizeof v->addr};
    char plain[700];
    for (int i = 0; i < 4 && !rc; i++) {
        const void *blob = sqlite3_column_blob(st, column[i]);
        if (!blob) continue;
        rc = yb_pd_open(db, blob, (size_t)sqlite3_column_bytes(st, column[i]), plain, sizeof plain, err);
        if (!rc) yb_mask(personal[i], plain, dst[i], cap[i]);
    }
    sodium_memzero(plain, sizeof plain);
    if (rc) {
        yb_db_done(st);
        return rc;
    }
    v->gend = sqlite3_column_int(st, 2);
    copy_col(v->brdy, sizeof v->brdy, st, 3);
    copy_col(v->insu_admdvs, sizeof v->insu_admdvs, st, 4);
    copy_col(v->psn_type, sizeof v->psn_type, st, 5);
    v->cvlserv_flag = sqlite3_column_int(st, 6);
    copy_col(v->sp_psn_type, sizeof v->sp_psn_type, st, 7);
    yb_db_done(st);

    size_t cap_i = 0, cap_a = 0, cap_s = 0;
    rc = yb_db_prepare(db, "SELECT insutype, psn_type, ifnull(insu_admdvs, ''), balc FROM person_insu WHERE psn_no=?1"
                           " ORDER BY insutype", &st, err);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, psn_no, -1, SQLITE_STATIC);
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        if (grow((void **)&v->insu, &cap_i, v->n_insu, sizeof *v->insu)) {
            rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
            break;
        }
        yb_person_insu_view *r = &v->insu[v->n_insu++];
        copy_col(r->insutype, sizeof r->insutype, st, 0);
        copy_col(r->psn_type, sizeof r->psn_type, st, 1);
        copy_col(r->insu_admdvs, sizeof r->insu_admdvs, st, 2);
        r->balc = sqlite3_column_int64(st, 3);
    }
    yb_db_done(st);
    if (rc) return rc;

    rc = yb_db_prepare(db, "SELECT insutype, year, key, value FROM accum WHERE psn_no=?1 ORDER BY insutype, year, key",
                       &st, err);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, psn_no, -1, SQLITE_STATIC);
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        if (grow((void **)&v->acc, &cap_a, v->n_acc, sizeof *v->acc)) {
            rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
            break;
        }
        yb_person_acc_view *r = &v->acc[v->n_acc++];
        copy_col(r->insutype, sizeof r->insutype, st, 0);
        r->year = sqlite3_column_int(st, 1);
        copy_col(r->key, sizeof r->key, st, 2);
        r->value = sqlite3_column_int64(st, 3);
    }
    yb_db_done(st);
    if (rc) return rc;

    /* the newest YB_VIEW_MAX_SETL, shown oldest first; setl_id orders them (a database sequence) */
    rc = yb_db_prepare(db,
                       "SELECT * FROM (SELECT setl_id, mdtrt_id, insutype, ifnull(med_type, ''), setl_time, year,"
                       " medfee_sumamt, fund_pay_sumamt, psn_part_amt, acct_pay, psn_cash_pay, refd_setl_flag,"
                       " ifnull(init_setl_id, ''), ifnull(reversed_by, ''), count(*) OVER () FROM settlements"
                       " WHERE mdtrt_id IN (SELECT mdtrt_id FROM visits WHERE psn_no=?1) AND psn_no=?1"
                       " ORDER BY setl_id DESC LIMIT ?2) ORDER BY setl_id",
                       &st, err);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, psn_no, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, YB_VIEW_MAX_SETL);
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        if (grow((void **)&v->setl, &cap_s, v->n_setl, sizeof *v->setl)) {
            rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
            break;
        }
        yb_person_setl_view *r = &v->setl[v->n_setl++];
        copy_col(r->setl_id, sizeof r->setl_id, st, 0);
        copy_col(r->mdtrt_id, sizeof r->mdtrt_id, st, 1);
        copy_col(r->insutype, sizeof r->insutype, st, 2);
        copy_col(r->med_type, sizeof r->med_type, st, 3);
        copy_col(r->setl_time, sizeof r->setl_time, st, 4);
        r->year = sqlite3_column_int(st, 5);
        r->medfee_sumamt = sqlite3_column_int64(st, 6);
        r->fund_pay_sumamt = sqlite3_column_int64(st, 7);
        r->psn_part_amt = sqlite3_column_int64(st, 8);
        r->acct_pay = sqlite3_column_int64(st, 9);
        r->psn_cash_pay = sqlite3_column_int64(st, 10);
        r->refd_setl_flag = sqlite3_column_int(st, 11);
        copy_col(r->init_setl_id, sizeof r->init_setl_id, st, 12);
        copy_col(r->reversed_by, sizeof r->reversed_by, st, 13);
        v->n_setl_total = (size_t)sqlite3_column_int64(st, 14);
    }
    yb_db_done(st);
    return rc;
}

yb_rc yb_svc_person_view(yb_db *db, const char *psn_no, yb_person_view **out, yb_err *err) {
    *out = NULL;
    yb_person_view *v = calloc(1, sizeof *v);
    if (!v) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    /* one read transaction: a consistent snapshot of the person (WAL readers never block writers) */
    yb_rc rc = yb_db_begin_read(db, err);
    if (!rc) {
        rc = read_view(db, psn_no, v, err);
        yb_db_rollback(db);
    }
    if (rc) {
        yb_person_view_free(v);
        return rc;
    }
    *out = v;
    return YB_OK;
}

yb_rc yb_svc_person_unmasked(yb_db *db, const char *psn_no, const char *actor, const char *why, yb_person_pdata *out,
                             yb_err *err) {
    memset(out, 0, sizeof *out);
    yb_rc rc = yb_db_begin(db, err);
    if (rc) return rc;
    sqlite3_stmt *st = NULL;
    rc = yb_db_prepare(db, "SELECT certno_e, psn_name_e, tel_e, addr_e FROM persons WHERE psn_no=?1", &st, err);
    if (!rc) {
        sqlite3_bind_text(st, 1, psn_no, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW) rc = yb_err_set(err, YB_E_NOTFOUND, "psn_no", psn_no, "no such person");
    }
    char *dst[] = {out->certno, out->psn_name, out->tel, out->addr};
    size_t cap[] = {sizeof out->certno, sizeof out->psn_name, sizeof out->tel, sizeof out->addr};
    for (int i = 0; i < 4 && !rc; i++) {
        const void *blob = sqlite3_column_blob(st, i);
        if (blob) rc = yb_pd_open(db, blob, (size_t)sqlite3_column_bytes(st, i), dst[i], cap[i], err);
    }
    yb_db_done(st);
    if (!rc) rc = yb_alog_append(db, actor, "person.read_unmasked", psn_no, why, err);
    if (!rc) rc = yb_db_commit(db, err);
    if (rc) {
        yb_db_rollback(db);
        sodium_memzero(out, sizeof *out);
    }
    return rc;
}

yb_rc yb_svc_show_person(yb_db *db, const char *psn_no, char **json, yb_err *err) {
    *json = NULL;
    yb_person_view *v;
    yb_rc rc = yb_svc_person_view(db, psn_no, &v, err);
    if (rc) return rc;
    char b[16];
    yb_jw w;
    yb_jw_init(&w);
    yb_jw_open(&w, '{');
    yb_jw_key(&w, "psn_no");
    yb_jw_str(&w, v->psn_no);
    yb_jw_key(&w, "certno");
    yb_jw_str(&w, v->certno[0] ? v->certno : NULL);
    yb_jw_key(&w, "psn_name");
    yb_jw_str(&w, v->psn_name[0] ? v->psn_name : NULL);
    yb_jw_key(&w, "tel");
    yb_jw_str(&w, v->tel[0] ? v->tel : NULL);
    yb_jw_key(&w, "addr");
    yb_jw_str(&w, v->addr[0] ? v->addr : NULL);
    yb_jw_key(&w, "gend");
    snprintf(b, sizeof b, "%d", v->gend);
    yb_jw_str(&w, v->gend ? b : NULL);
    yb_jw_key(&w, "brdy");
    yb_jw_str(&w, v->brdy[0] ? v->brdy : NULL);
    yb_jw_key(&w, "insu_admdvs");
    yb_jw_str(&w, v->insu_admdvs);
    yb_jw_key(&w, "psn_type");
    yb_jw_str(&w, v->psn_type);
    yb_jw_key(&w, "cvlserv_flag");
    yb_jw_str(&w, v->cvlserv_flag ? "1" : "0");
    yb_jw_key(&w, "sp_psn_type");
    yb_jw_str(&w, v->sp_psn_type);
    yb_jw_key(&w, "insurance");
    yb_jw_open(&w, '[');
    for (size_t i = 0; i < v->n_insu; i++) {
        const yb_person_insu_view *r = &v->insu[i];
        yb_jw_open(&w, '{');
        yb_jw_key(&w, "insutype");
        yb_jw_str(&w, r->insutype);
        yb_jw_key(&w, "psn_type");
        yb_jw_str(&w, r->psn_type);
        yb_jw_key(&w, "insu_admdvs");
        yb_jw_str(&w, r->insu_admdvs[0] ? r->insu_admdvs : NULL);
        yb_jw_key(&w, "balc");
        yb_jw_money(&w, r->balc);
        yb_jw_close(&w, '}');
    }
    yb_jw_close(&w, ']');
    yb_jw_key(&w, "accumulators");
    yb_jw_open(&w, '[');
    for (size_t i = 0; i < v->n_acc; i++) {
        const yb_person_acc_view *r = &v->acc[i];
        yb_jw_open(&w, '{');
        yb_jw_key(&w, "insutype");
        yb_jw_str(&w, r->insutype);
        yb_jw_key(&w, "year");
        yb_jw_int(&w, r->year);
        yb_jw_key(&w, "key");
        yb_jw_str(&w, r->key);
        yb_jw_key(&w, "value");
        if (!strncmp(r->key, "adm/", 4)) yb_jw_int(&w, r->value);
        else yb_jw_money(&w, r->value);
        yb_jw_close(&w, '}');
    }
    yb_jw_close(&w, ']');
    yb_jw_key(&w, "settlements");
    yb_jw_open(&w, '[');
    for (size_t i = 0; i < v->n_setl; i++) {
        const yb_person_setl_view *r = &v->setl[i];
        yb_jw_open(&w, '{');
        yb_jw_key(&w, "setl_id");
        yb_jw_str(&w, r->setl_id);
        yb_jw_key(&w, "mdtrt_id");
        yb_jw_str(&w, r->mdtrt_id);
        yb_jw_key(&w, "insutype");
        yb_jw_str(&w, r->insutype);
        yb_jw_key(&w, "year");
        yb_jw_int(&w, r->year);
        yb_jw_key(&w, "setl_time");
        yb_jw_str(&w, r->setl_time);
        yb_jw_key(&w, "medfee_sumamt");
        yb_jw_money(&w, r->medfee_sumamt);
        yb_jw_key(&w, "fund_pay_sumamt");
        yb_jw_money(&w, r->fund_pay_sumamt);
        yb_jw_key(&w, "psn_part_amt");
        yb_jw_money(&w, r->psn_part_amt);
        yb_jw_key(&w, "acct_pay");
        yb_jw_money(&w, r->acct_pay);
        yb_jw_key(&w, "psn_cash_pay");
        yb_jw_money(&w, r->psn_cash_pay);
        yb_jw_key(&w, "refd_setl_flag");
        yb_jw_str(&w, r->refd_setl_flag ? "1" : "0");
        yb_jw_key(&w, "init_setl_id");
        yb_jw_str(&w, r->init_setl_id[0] ? r->init_setl_id : NULL);
        yb_jw_key(&w, "reversed_by");
        yb_jw_str(&w, r->reversed_by[0] ? r->reversed_by : NULL);
        yb_jw_close(&w, '}');
    }
    yb_jw_close(&w, ']');
    yb_jw_key(&w, "settlements_total");
    yb_jw_int(&w, (long long)v->n_setl_total);
    yb_jw_close(&w, '}');
    yb_person_view_free(v);
    *json = yb_jw_finish(&w);
    return *json ? YB_OK : yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
}
