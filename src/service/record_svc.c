/*
 * record_svc.c — one visit or one settlement as the store holds it, as JSON, for the staff
 * screens and the REST API (GET /api/visits/{mdtrt_id}, GET /api/settlements/{setl_id}).
 *
 * The same columns the interface's queries 5201/5204/5203 read, but by id and across
 * institutions (staff see every institution's records). Neither holds personal data: a visit and
 * a settlement name the person only by psn_no. Amounts are in yuan with 2 decimals, quantities
 * with 4, prices with 6, ratios with 4, exactly as the interface writes them. Each record is read
 * in one read transaction, so a settlement and its fund rows agree.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/json_num.h"
#include "yibao/service.h"

/* Write the columns of the current row as "name": value pairs. kinds has one letter per column:
 * t text, i integer, m money (fen), q quantity, p price, r ratio, f a 0/1 flag written "0"/"1".
 * SQL NULL is JSON null whatever the kind. */
static void put_row(yb_jw *w, sqlite3_stmt *st, const char *kinds) {
    assert(strlen(kinds) == (size_t)sqlite3_column_count(st));
    for (int i = 0; kinds[i]; i++) {
        yb_jw_key(w, sqlite3_column_name(st, i));
        if (sqlite3_column_type(st, i) == SQLITE_NULL) {
            yb_jw_null(w);
            continue;
        }
        int64_t v = sqlite3_column_int64(st, i);
        switch (kinds[i]) {
        case 'i': yb_jw_int(w, v); break;
        case 'm': yb_jw_money(w, v); break;
        case 'q': yb_jw_qty(w, v); break;
        case 'p': yb_jw_price(w, v); break;
        case 'r': yb_jw_ratio(w, v); break;
        case 'f': yb_jw_str(w, v ? "1" : "0"); break;
        default: yb_jw_str(w, (const char *)sqlite3_column_text(st, i)); break;
        }
    }
}

/* An array under key of every row of sql (one text parameter). */
static yb_rc put_rows(yb_db *db, yb_jw *w, const char *key, const char *sql, const char *kinds, const char *param,
                      yb_err *err) {
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(db, sql, &st, err);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
    yb_jw_key(w, key);
    yb_jw_open(w, '[');
    while (sqlite3_step(st) == SQLITE_ROW) {
        yb_jw_open(w, '{');
        put_row(w, st, kinds);
        yb_jw_close(w, '}');
    }
    yb_db_done(st);
    yb_jw_close(w, ']');
    return YB_OK;
}

/* The one row of sql (one text parameter) as the object's first members; YB_E_NOTFOUND when none. */
static yb_rc put_one(yb_db *db, yb_jw *w, const char *sql, const char *kinds, const char *field, const char *param,
                     const char *what, yb_err *err) {
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(db, sql, &st, err);
    if (rc) return rc;
    sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) put_row(w, st, kinds);
    else rc = yb_err_set(err, YB_E_NOTFOUND, field, param, "no such %s", what);
    yb_db_done(st);
    return rc;
}

static yb_rc finish(yb_db *db, yb_jw *w, yb_rc rc, char **json, yb_err *err) {
    yb_db_rollback(db);   /* end of the read transaction */
    char *s = yb_jw_finish(w);
    if (rc) {
        free(s);
        return rc;
    }
    if (!s) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    *json = s;
    return YB_OK;
}

yb_rc yb_svc_visit_json(yb_db *db, const char *mdtrt_id, char **json, yb_err *err) {
    *json = NULL;
    yb_jw w;
    yb_jw_init(&w);
    yb_rc rc = yb_db_exec(db, "BEGIN", err);
    if (rc) return rc;
    yb_jw_open(&w, '{');
    rc = put_one(db, &w,
                 "SELECT mdtrt_id, psn_no, insutype, med_type, fixmedins_code, hosp_lv, mdtrtarea_admvs, ipt_otp_no,"
                 " mdtrt_cert_type, begntime, endtime, state FROM visits WHERE mdtrt_id=?1",
                 "tttttttttttt", "mdtrt_id", mdtrt_id, "visit", err);
    if (!rc)
        rc = put_rows(db, &w, "feedetail",
                      "SELECT feedetl_sn, chrg_bchno, fee_ocur_time, med_list_codg, chrgitm_lv, cnt, pric,"
                      " det_item_fee_sumamt, fulamt_ownpay_amt, overlmt_amt, preselfpay_amt, inscp_scp_amt, setl_id"
                      " FROM fee_lines WHERE mdtrt_id=?1 ORDER BY rowid",
                      "tttttqpmmmmmt", mdtrt_id, err);
    if (!rc)
        rc = put_rows(db, &w, "settlements",
                      "SELECT setl_id, setl_time, medfee_sumamt, fund_pay_sumamt, psn_part_amt, refd_setl_flag,"
                      " init_setl_id, reversed_by FROM settlements WHERE mdtrt_id=?1 ORDER BY setl_id",
                      "ttmmmftt", mdtrt_id, err);
    yb_jw_close(&w, '}');
    return finish(db, &w, rc, json, err);
}

yb_rc yb_svc_settlement_json(yb_db *db, const char *setl_id, char **json, yb_err *err) {
    *json = NULL;
    yb_jw w;
    yb_jw_init(&w);
    yb_rc rc = yb_db_exec(db, "BEGIN", err);
    if (rc) return rc;
    yb_jw_open(&w, '{');
    rc = put_one(db, &w,
                 "SELECT setl_id, psn_no, mdtrt_id, insutype, med_type, year, fixmedins_code, setl_time, policy_admdvs,"
                 " policy_version, block, medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt,"
                 " inscp_scp_amt, dedc_std, crt_dedc, act_pay_dedc, hifp_pay, pool_prop_selfpay, over_cap, cvlserv_pay,"
                 " hifes_pay, hifmi_pay, hifob_pay, hifdm_pay, maf_pay, oth_pay, fund_pay_sumamt, psn_part_amt, acct_pay,"
                 " psn_cash_pay, hosp_part_amt, balc, refd_setl_flag, init_setl_id, reversed_by, msgid"
                 " FROM settlements WHERE setl_id=?1",
                 "tttttitttttmmmmmmmmmrmmmmmmmmmmmmmmfttt", "setl_id", setl_id, "settlement", err);
    if (!rc)
        rc = put_rows(db, &w, "setldetail",
                      "SELECT fund_pay_type, fund_pay_type_name, inscp_scp_amt, crt_payb_lmt_amt, fund_payamt,"
                      " setl_proc_info FROM setl_funds WHERE setl_id=?1 ORDER BY seq",
                      "ttmmmt", setl_id, err);
    yb_jw_close(&w, '}');
    return finish(db, &w, rc, json, err);
}
