/*
 * fsi.c — the institution interface: envelope, sign-in, idempotency and the outpatient
 * transactions, on top of the settlement services (see include/yibao/fsi.h).
 *
 * Each transaction that writes runs in one transaction together with its msg_log row (the reply
 * as sent) and its audit-log entry, so a message is either applied and recorded, or neither; a
 * replay is answered from msg_log. Settlement and reversal run in the settlement services' own
 * levels inside it; a settlement row keeps the msgid, but not the reply, which msg_log holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/time.h>
#include <time.h>

#include "service/batch_audit.h"
#include "yibao/alog.h"
#include "yibao/audit.h"
#include "yibao/digest.h"
#include "yibao/fsi.h"
#include "yibao/pdata.h"
#include "yibao/policy.h"
#include "yibao/refdata.h"
#include "yibao/json_num.h"
#include "yibao/service.h"
#include "yibao/sign.h"
#include "yibao/visit_json.h"
#include "yibao/str.h"
#include "yibao/textpack.h"

typedef struct req {
    json_object *root, *input;
    char infno[8], msgid[48], fix[32], area[8], insuplc[8], sign_no[40];
    const char *body;
    size_t len;
    char hash[72];
    char inst_area[8], inst_lv[4];
} req;

#define TRY(expr)                     \
    do {                              \
        yb_rc rc_ = (expr);           \
        if (rc_ != YB_OK) return rc_; \
    } while (0)

static json_object *get(json_object *o, const char *k) {
    json_object *v = NULL;
    if (!o || json_object_get_type(o) != json_type_object) return NULL;
    return json_object_object_get_ex(o, k, &v) && json_object_get_type(v) != json_type_null ? v : NULL;
}

static yb_rc str_at(json_object *o, const char *k, const char *path, int required, char *out, size_t cap, yb_err *err) {
    json_object *v = get(o, k);
    out[0] = '\0';
    if (v && json_object_get_type(v) == json_type_string) {
        /* the common case, without the field's path (written below only for an error) */
        const char *t = json_object_get_string(v);
        size_t n = (size_t)json_object_get_string_len(v);
        if (n < cap && (n || !required) && strlen(t) == n) {
            memcpy(out, t, n + 1);
            return YB_OK;
        }
    }
    char p[128];
    snprintf(p, sizeof p, "%s.%s", path, k);
    if (!v) return required ? yb_err_set(err, YB_E_INVALID, p, NULL, "required field missing") : YB_OK;
    TRY(yb_json_str(v, p, out, cap, err));
    if (required && !out[0]) return yb_err_set(err, YB_E_INVALID, p, "", "required field is empty");
    return YB_OK;
}

static json_object *node(req *r, const char *name, yb_err *err) {
    json_object *n = get(r->input, name);
    if (!n || json_object_get_type(n) != json_type_object) {
        char p[64];
        snprintf(p, sizeof p, "input.%s", name);
        yb_err_set(err, YB_E_INVALID, p, NULL, "required object missing");
        return NULL;
    }
    return n;
}

static void now_text(char out[20]) {
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

/* SHA-256 of the request body: the same msgid with another body is told apart for certain. */
static void hash_body(const char *b, size_t n, char out[72]) {
    unsigned char h[YB_SHA256_BYTES];
    yb_sha256(b, n, h);
    memcpy(out, "sha256:", 7);
    sodium_bin2hex(out + 7, 65, h, sizeof h);
}

static const char *col_text(sqlite3_stmt *st, int i) {
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? t : "";
}

/* ------------------------------------------------------------------ 9001 / 9002 */

static yb_rc h_signin(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "signIn", err);
    if (!n) return err->rc;
    char opter[64];
    TRY(str_at(n, "opter_no", "input.signIn", 0, opter, sizeof opter, err));
    long long seq;
    TRY(yb_db_next_seq(f->db, "sign_seq", &seq, err));
    char sign_no[40], now[20];
    snprintf(sign_no, sizeof sign_no, "%06lld", seq);
    now_text(now);
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db, "INSERT INTO sign_ins(sign_no, fixmedins_code, opter_no, sign_time) VALUES (?1,?2,?3,?4)", &st, err));
    sqlite3_bind_text(st, 1, sign_no, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->fix, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, opter, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    yb_rc rc = yb_db_step_done(f->db, st, err);
    yb_db_done(st);
    if (rc) return rc;
    yb_jw_open(w, '{');
    yb_jw_key(w, "signinoutb");
    yb_jw_open(w, '{');
    yb_jw_key(w, "sign_time");
    yb_jw_str(w, now);
    yb_jw_key(w, "sign_no");
    yb_jw_str(w, sign_no);
    yb_jw_close(w, '}');
    yb_jw_close(w, '}');
    return YB_OK;
}

static yb_rc h_signout(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "signOut", err);
    if (!n) return err->rc;
    char sign_no[40], now[20];
    TRY(str_at(n, "sign_no", "input.signOut", 1, sign_no, sizeof sign_no, err));
    now_text(now);
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db, "UPDATE sign_ins SET signed_out_at=?3 WHERE sign_no=?1 AND fixmedins_code=?2 AND signed_out_at IS NULL",
                      &st, err));
    sqlite3_bind_text(st, 1, sign_no, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->fix, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    yb_rc rc = yb_db_step_done(f->db, st, err);
    yb_db_done(st);
    if (rc) return rc;
    if (sqlite3_changes(yb_db_sql(f->db)) != 1)
        return yb_err_set(err, YB_E_STATE, "input.signOut.sign_no", sign_no, "签到号无效或已签退 (not signed in)");
    yb_jw_open(w, '{');
    yb_jw_key(w, "signoutoutb");
    yb_jw_open(w, '{');
    yb_jw_key(w, "sign_time");
    yb_jw_str(w, now);
    yb_jw_close(w, '}');
    yb_jw_close(w, '}');
    return YB_OK;
}

/* ------------------------------------------------------------------ 1101 / 1201 */

static yb_rc h_person(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "data", err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], cert_type[8], cert_no[64], certno[64];
    TRY(str_at(n, "psn_no", "input.data", 0, psn, sizeof psn, err));
    TRY(str_at(n, "mdtrt_cert_type", "input.data", 0, cert_type, sizeof cert_type, err));
    TRY(str_at(n, "mdtrt_cert_no", "input.data", 0, cert_no, sizeof cert_no, err));
    TRY(str_at(n, "certno", "input.data", 0, certno, sizeof certno, err));
    if (!certno[0] && !strcmp(cert_type, "02")) snprintf(certno, sizeof certno, "%s", cert_no);
    if (!psn[0] && !certno[0])
        return yb_err_set(err, YB_E_INVALID, "input.data.mdtrt_cert_no", cert_no,
                          "give psn_no, or an ID number (mdtrt_cert_type 02 or certno)");
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db,
                      "SELECT psn_no, psn_cert_type, certno_e, psn_name_e, gend, brdy, insu_admdvs, cvlserv_flag, sp_psn_type"
                      " FROM persons WHERE (?1 <> '' AND psn_no=?1) OR (?1 = '' AND certno_h=?2)",
                      &st, err));
    unsigned char h[YB_LOOKUP_BYTES];
    yb_pd_lookup(f->db, "certno", certno, strlen(certno), h);
    sqlite3_bind_text(st, 1, psn, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, h, sizeof h, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        yb_db_done(st);
        return yb_err_set(err, YB_E_NOTFOUND, psn[0] ? "input.data.psn_no" : "input.data.mdtrt_cert_no",
                          psn[0] ? psn : certno, "未查询到参保人 (no such insured person)");
    }
    char found[YB_ID_MAX], area[8], sp[96], masked[96];
    yb_scopy(found, sizeof found, col_text(st, 0));
    yb_scopy(area, sizeof area, col_text(st, 6));
    yb_scopy(sp, sizeof sp, col_text(st, 8));
    int cvl = sqlite3_column_int(st, 7);
    yb_jw_open(w, '{');
    yb_jw_key(w, "baseinfo");
    yb_jw_open(w, '{');
    yb_jw_key(w, "psn_no");
    yb_jw_str(w, found);
    yb_jw_key(w, "psn_cert_type");
    yb_jw_str(w, col_text(st, 1));
    static const char *const personal[] = {"certno", "psn_name"};
    for (int i = 0; i < 2; i++) {
        char plain[200] = "";
        const void *blob = sqlite3_column_blob(st, 2 + i);
        if (blob && yb_pd_open(f->db, blob, (size_t)sqlite3_column_bytes(st, 2 + i), plain, sizeof plain, err)) {
            yb_db_done(st);
            return err->rc;
        }
        yb_mask(personal[i], plain, masked, sizeof masked);
        sodium_memzero(plain, sizeof plain);
        yb_jw_key(w, personal[i]);
        yb_jw_str(w, masked);
    }
    yb_jw_key(w, "gend");
    yb_jw_str(w, col_text(st, 4));
    yb_jw_key(w, "brdy");
    yb_jw_str(w, col_text(st, 5));
    yb_jw_close(w, '}');
    yb_db_done(st);
    yb_jw_key(w, "insuinfo");
    yb_jw_open(w, '[');
    TRY(yb_db_prepare(f->db, "SELECT insutype, psn_type, balc FROM person_insu WHERE psn_no=?1 ORDER BY insutype", &st, err));
    sqlite3_bind_text(st, 1, found, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        yb_jw_open(w, '{');
        yb_jw_key(w, "insutype");
        yb_jw_str(w, col_text(st, 0));
        yb_jw_key(w, "psn_type");
        yb_jw_str(w, col_text(st, 1));
        yb_jw_key(w, "balc");
        yb_jw_money(w, sqlite3_column_int64(st, 2));
        yb_jw_key(w, "cvlserv_flag");
        yb_jw_str(w, cvl ? "1" : "0");
        yb_jw_key(w, "psn_insu_stas");
        yb_jw_str(w, "1");
        yb_jw_key(w, "insuplc_admdvs");
        yb_jw_str(w, area);
        yb_jw_close(w, '}');
    }
    yb_db_done(st);
    yb_jw_close(w, ']');
    yb_jw_key(w, "idetinfo");
    yb_jw_open(w, '[');
    for (char *save = NULL, *t = strtok_r(sp, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
        yb_jw_open(w, '{');
        yb_jw_key(w, "psn_idet_type");
        yb_jw_str(w, t);
        yb_jw_close(w, '}');
    }
    yb_jw_close(w, ']');
    yb_jw_close(w, '}');
    return YB_OK;
}

static yb_rc h_medins(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = get(r->input, "medinsinfo");
    char code[32] = "", name[128] = "";
    if (n) {
        TRY(str_at(n, "fixmedins_code", "input.medinsinfo", 0, code, sizeof code, err));
        TRY(str_at(n, "fixmedins_name", "input.medinsinfo", 0, name, sizeof name, err));
    }
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db,
                      "SELECT fixmedins_code, fixmedins_name, hosp_lv FROM institutions WHERE (?1 = '' OR fixmedins_code=?1)"
                      " AND (?2 = '' OR instr(fixmedins_name, ?2) > 0) ORDER BY fixmedins_code LIMIT 100",
                      &st, err));
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    yb_jw_open(w, '{');
    yb_jw_key(w, "medinsinfo");
    yb_jw_open(w, '[');
    while (sqlite3_step(st) == SQLITE_ROW) {
        yb_jw_open(w, '{');
        yb_jw_key(w, "fixmedins_code");
        yb_jw_str(w, col_text(st, 0));
        yb_jw_key(w, "fixmedins_name");
        yb_jw_str(w, col_text(st, 1));
        yb_jw_key(w, "fixmedins_type");
        yb_jw_str(w, "1");
        yb_jw_key(w, "hosp_lv");
        yb_jw_str(w, col_text(st, 2));
        yb_jw_key(w, "uscc");
        yb_jw_null(w);
        yb_jw_close(w, '}');
    }
    yb_db_done(st);
    yb_jw_close(w, ']');
    yb_jw_close(w, '}');
    return YB_OK;
}

/* ------------------------------------------------------------------ visits */

typedef struct visit_row {
    char psn[YB_ID_MAX], insutype[8], med_type[12], fix[32], state[16], begn[20], end[20];
    sqlite3_int64 rowid; /* of the visits row: the settlement updates it by rowid */
} visit_row;

static yb_rc load_visit(yb_fsi *f, req *r, const char *mdtrt, const char *path, visit_row *v, yb_err *err) {
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db,
                      "SELECT psn_no, insutype, med_type, ifnull(fixmedins_code,''), state, ifnull(begntime,''),"
                      " ifnull(endtime,''), rowid FROM visits WHERE mdtrt_id=?1",
                      &st, err));
    sqlite3_bind_text(st, 1, mdtrt, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        yb_db_done(st);
        return yb_err_set(err, YB_E_NOTFOUND, path, mdtrt, "就诊信息不存在 (no such visit)");
    }
    yb_scopy(v->psn, sizeof v->psn, col_text(st, 0));
    yb_scopy(v->insutype, sizeof v->insutype, col_text(st, 1));
    yb_scopy(v->med_type, sizeof v->med_type, col_text(st, 2));
    yb_scopy(v->fix, sizeof v->fix, col_text(st, 3));
    yb_scopy(v->state, sizeof v->state, col_text(st, 4));
    yb_scopy(v->begn, sizeof v->begn, col_text(st, 5));
    yb_scopy(v->end, sizeof v->end, col_text(st, 6));
    v->rowid = sqlite3_column_int64(st, 7);
    yb_db_done(st);
    if (strcmp(v->fix, r->fix) != 0)
        return yb_err_set(err, YB_E_PERM, path, mdtrt, "就诊不属于本机构 (the visit belongs to another institution)");
    return YB_OK;
}

static yb_rc store_diags(yb_fsi *f, req *r, const char *mdtrt, yb_err *err);

/* 2201 (outpatient: node "data", ipt_otp_no, med_type 11) and 2401 (inpatient: node "mdtrtinfo", ipt_no,
 * med_type given or 21, refused while the person is in hospital). */
static yb_rc open_visit(yb_fsi *f, req *r, yb_jw *w, int inpatient, yb_err *err) {
    const char *nn = inpatient ? "mdtrtinfo" : "data";
    char path[32];
    snprintf(path, sizeof path, "input.%s", nn);
    json_object *n = node(r, nn, err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], insutype[8], begn[24], ipt[64], cert_type[8], med[12];
    TRY(str_at(n, "psn_no", path, 1, psn, sizeof psn, err));
    TRY(str_at(n, "insutype", path, 1, insutype, sizeof insutype, err));
    TRY(str_at(n, "begntime", path, 1, begn, sizeof begn, err));
    TRY(str_at(n, inpatient ? "ipt_no" : "ipt_otp_no", path, 0, ipt, sizeof ipt, err));
    TRY(str_at(n, "mdtrt_cert_type", path, 0, cert_type, sizeof cert_type, err));
    TRY(str_at(n, "med_type", path, 0, med, sizeof med, err));
    if (!med[0]) strcpy(med, inpatient ? "21" : "11");
    yb_datetime t;
    if (yb_datetime_parse(begn, strlen(begn), &t)) {
        char p[64];
        snprintf(p, sizeof p, "%s.begntime", path);
        return yb_err_set(err, YB_E_INVALID, p, begn, "not a time yyyy-MM-dd HH:mm:ss");
    }
    if (inpatient) {
        sqlite3_stmt *q;
        TRY(yb_db_prepare(f->db,
                          "SELECT mdtrt_id, ifnull(fixmedins_code,'') FROM visits WHERE psn_no=?1 AND state='registered'"
                          " AND endtime IS NULL AND (med_type LIKE '2%' OR med_type='52')",
                          &q, err));
        sqlite3_bind_text(q, 1, psn, -1, SQLITE_STATIC);
        int open = sqlite3_step(q) == SQLITE_ROW;
        char other[YB_ID_MAX] = "";
        if (open) snprintf(other, sizeof other, "%s", col_text(q, 0));
        yb_db_done(q);
        if (open)
            return yb_err_set(err, YB_E_STATE, "input.mdtrtinfo.psn_no", psn,
                              "参保人正在住院，不能重复办理入院 (in hospital already: visit %s)", other);
    }
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db, "SELECT 1 FROM person_insu WHERE psn_no=?1 AND insutype=?2", &st, err));
    sqlite3_bind_text(st, 1, psn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, insutype, -1, SQLITE_STATIC);
    int found = sqlite3_step(st) == SQLITE_ROW;
    yb_db_done(st);
    if (!found)
        return yb_err_set(err, YB_E_NOTFOUND, inpatient ? "input.mdtrtinfo.insutype" : "input.data.insutype", insutype,
                          "人员 %s 未参加该险种 (the person is not insured under this insurance type)", psn);
    long long seq;
    TRY(yb_db_next_seq(f->db, "mdtrt_seq", &seq, err));
    char mdtrt[YB_ID_MAX], bt[20];
    snprintf(mdtrt, sizeof mdtrt, "%.12s%012lld", r->fix, seq);
    yb_datetime_fmt(t, bt);
    TRY(yb_db_prepare(f->db,
                      "INSERT INTO visits(mdtrt_id, psn_no, insutype, med_type, fixmedins_code, hosp_lv, mdtrtarea_admvs,"
                      " begntime, state, ipt_otp_no, mdtrt_cert_type) VALUES (?1,?2,?3,?10,?4,?5,?6,?7,'registered',?8,?9)",
                      &st, err));
    sqlite3_bind_text(st, 1, mdtrt, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, psn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, insutype, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->fix, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->inst_lv, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->inst_area, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, bt, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, ipt, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, cert_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, med, -1, SQLITE_STATIC);
    yb_rc rc = yb_db_step_done(f->db, st, err);
    yb_db_done(st);
    if (!rc && inpatient) rc = store_diags(f, r, mdtrt, err);
    if (rc) return rc;
    yb_jw_open(w, '{');
    yb_jw_key(w, inpatient ? "result" : "data");
    yb_jw_open(w, '{');
    yb_jw_key(w, "mdtrt_id");
    yb_jw_str(w, mdtrt);
    yb_jw_key(w, "psn_no");
    yb_jw_str(w, psn);
    yb_jw_key(w, "ipt_otp_no");
    yb_jw_str(w, ipt);
    yb_jw_close(w, '}');
    yb_jw_close(w, '}');
    return YB_OK;
}

static yb_rc h_register(yb_fsi *f, req *r, yb_jw *w, yb_err *err) { return open_visit(f, r, w, 0, err); }
static yb_rc h_admit(yb_fsi *f, req *r, yb_jw *w, yb_err *err) { return open_visit(f, r, w, 1, err); }

static yb_rc exec2(yb_fsi *f, const char *sql, const char *a, const char *b, yb_err *err) {
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db, sql, &st, err));
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b) sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    yb_rc rc = yb_db_step_done(f->db, st, err);
    yb_db_done(st);
    return rc;
}

static yb_rc need_registered(const visit_row *v, const char *path, const char *mdtrt, yb_err *err) {
    if (!strcmp(v->state, "registered")) return YB_OK;
    if (!strcmp(v->state, "settled"))
        return yb_err_set(err, YB_E_STATE, path, mdtrt, "就诊已结算 (the visit is settled)");
    if (!strcmp(v->state, "cancelled"))
        return yb_err_set(err, YB_E_STATE, path, mdtrt, "就诊已撤销 (the visit was cancelled)");
    return YB_OK; /* reversed: may take new lines and be settled again */
}

/* The visit named by node n (mdtrt_id, psn_no): of this institution, of that person, and, when
 * `registered`, still open for changes. */
static yb_rc person_visit(yb_fsi *f, req *r, json_object *n, const char *path, int registered, char *mdtrt, char *psn,
                          visit_row *v, yb_err *err) {
    char p[64];
    TRY(str_at(n, "mdtrt_id", path, 1, mdtrt, YB_ID_MAX, err));
    TRY(str_at(n, "psn_no", path, 1, psn, YB_ID_MAX, err));
    yb_scat(yb_scopy(p, sizeof p, path), sizeof p, ".mdtrt_id");
    TRY(load_visit(f, r, mdtrt, p, v, err));
    if (strcmp(v->psn, psn)) {
        yb_scat(yb_scopy(p, sizeof p, path), sizeof p, ".psn_no");
        return yb_err_set(err, YB_E_PERM, p, psn, "就诊不属于该人员 (another person's visit)");
    }
    if (registered) TRY(need_registered(v, p, mdtrt, err));
    return YB_OK;
}

static yb_rc h_unregister(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "data", err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], mdtrt[YB_ID_MAX];
    visit_row v;
    TRY(person_visit(f, r, n, "input.data", 1, mdtrt, psn, &v, err));
    /* a stay with interim settlements standing is not cancelled under them */
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db, "SELECT setl_id FROM settlements WHERE mdtrt_id=?1 AND refd_setl_flag=0 AND reversed_by IS NULL"
                             " LIMIT 1", &st, err));
    sqlite3_bind_text(st, 1, mdtrt, -1, SQLITE_STATIC);
    char standing[32] = "";
    if (sqlite3_step(st) == SQLITE_ROW) snprintf(standing, sizeof standing, "%s", col_text(st, 0));
    yb_db_done(st);
    if (standing[0])
        return yb_err_set(err, YB_E_STATE, "input.data.mdtrt_id", mdtrt,
                          "就诊有未撤销的中途结算%s，请先撤销 (an interim settlement of the visit stands: cancel it first)",
                          standing);
    TRY(exec2(f, "DELETE FROM fee_lines WHERE mdtrt_id=?1 AND setl_id IS NULL", mdtrt, NULL, err));
    TRY(exec2(f, "UPDATE visits SET state='cancelled' WHERE mdtrt_id=?1", mdtrt, NULL, err));
    yb_jw_null(w);
    return YB_OK;
}

/* The diagnoses of diseinfo (an object or a list), when given, replace the visit's: diag_code
 * required; the main one is maindiag_flag 1, else diag_srt_no 1. */
static yb_rc store_diags(yb_fsi *f, req *r, const char *mdtrt, yb_err *err) {
    json_object *di = get(r->input, "diseinfo");
    if (!di) return YB_OK;
    int arr = json_object_get_type(di) == json_type_array;
    if (!arr && json_object_get_type(di) != json_type_object)
        return yb_err_set(err, YB_E_INVALID, "input.diseinfo", NULL, "a diagnosis or a list of them expected");
    size_t n = arr ? json_object_array_length(di) : 1;
    if (n > 100) return yb_err_set(err, YB_E_LIMIT, "input.diseinfo", NULL, "more than 100 diagnoses");
    TRY(exec2(f, "DELETE FROM visit_diags WHERE mdtrt_id=?1", mdtrt, NULL, err));
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db,
                      "INSERT INTO visit_diags(mdtrt_id, seq, diag_code, diag_name, maindiag_flag, diag_type, diag_srt_no,"
                      " diag_time) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
                      &st, err));
    yb_rc rc = YB_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        json_object *o = arr ? json_object_array_get_idx(di, i) : di;
        char path[48], code[YB_AUDIT_DIAG_MAX], name[256], flag[4], type[8], srt[8], tm[24];
        snprintf(path, sizeof path, arr ? "input.diseinfo[%zu]" : "input.diseinfo", i);
        if (json_object_get_type(o) != json_type_object) {
            rc = yb_err_set(err, YB_E_INVALID, path, NULL, "a diagnosis object expected");
            break;
        }
        if ((rc = str_at(o, "diag_code", path, 1, code, sizeof code, err))) break;
        if ((rc = str_at(o, "diag_name", path, 0, name, sizeof name, err))) break;
        if ((rc = str_at(o, "maindiag_flag", path, 0, flag, sizeof flag, err))) break;
        if ((rc = str_at(o, "diag_type", path, 0, type, sizeof type, err))) break;
        if ((rc = str_at(o, "diag_srt_no", path, 0, srt, sizeof srt, err))) break;
        if ((rc = str_at(o, "diag_time", path, 0, tm, sizeof tm, err))) break;
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, mdtrt, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)i + 1);
        sqlite3_bind_text(st, 3, code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 5, flag[0] ? flag[0] == '1' : !strcmp(srt, "1"));
        sqlite3_bind_text(st, 6, type, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 7, srt, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 8, tm, -1, SQLITE_TRANSIENT);
        rc = yb_db_step_done(f->db, st, err);
    }
    yb_db_done(st);
    return rc;
}

static yb_rc h_visitinfo(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "mdtrtinfo", err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], mdtrt[YB_ID_MAX], med[12];
    TRY(str_at(n, "med_type", "input.mdtrtinfo", 1, med, sizeof med, err));
    visit_row v;
    TRY(person_visit(f, r, n, "input.mdtrtinfo", 1, mdtrt, psn, &v, err));
    TRY(exec2(f, "UPDATE visits SET med_type=?2 WHERE mdtrt_id=?1", mdtrt, med, err));
    TRY(store_diags(f, r, mdtrt, err));
    yb_jw_null(w);
    return YB_OK;
}

/* ------------------------------------------------------------------ fee lines */

/* A stored fee line from six columns of a row, from column c on: feedetl_sn, med_list_codg,
 * fee_ocur_time (text, may be empty), cnt, pric, sumamt (integers at their scales). */
static void line_from_row(sqlite3_stmt *st, int c, yb_line *l) {
    memset(l, 0, sizeof *l);
    yb_scopy(l->feedetl_sn, sizeof l->feedetl_sn, col_text(st, c));
    yb_scopy(l->med_list_codg, sizeof l->med_list_codg, col_text(st, c + 1));
    l->fee_ocur_time = YB_DATETIME_NONE;
    const char *t = col_text(st, c + 2);
    if (*t) yb_datetime_parse(t, strlen(t), &l->fee_ocur_time);
    l->cnt = sqlite3_column_int64(st, c + 3);
    l->pric = sqlite3_column_int64(st, c + 4);
    l->sumamt = sqlite3_column_int64(st, c + 5);
}

/* Build the settlement document of a registered visit from the store: the person from the registry,
 * the uploaded lines that are not settled. */
static int by_store_rowid(const void *a, const void *b) {
    int64_t x = ((const yb_line *)a)->store_rowid, y = ((const yb_line *)b)->store_rowid;
    return (x > y) - (x < y);
}

/* What the writer's connection memoises (yb_db_memo_get): rows every request reads again. */
enum { MEMO_PERSON = 1, MEMO_INSTITUTION, MEMO_SIGN_IN };
_Static_assert(sizeof(yb_person) <= YB_MEMO_VAL, "a person fits a memo slot");

/* A memo key of two parts, a US b: 1 when it fits and neither part holds the separator (the key
 * is then unambiguous); 0: not to be memoised. */
static int memo_key2(char key[YB_MEMO_KEY], const char *a, const char *b) {
    if (strlen(a) + strlen(b) + 2 > YB_MEMO_KEY || strchr(a, '\x1f') || strchr(b, '\x1f')) return 0;
    yb_scat(yb_scat(yb_scopy(key, YB_MEMO_KEY, a), YB_MEMO_KEY, "\x1f"), YB_MEMO_KEY, b);
    return 1;
}

/* A person's registry row with the psn_type of the enrolment (person_insu) the visit settles under.
 * Memoised: the writer reads the same persons again and again, and changes neither table's columns
 * read here (a settlement changes an enrolment's balance and accumulators only). */
static yb_rc read_person(yb_fsi *f, const char *psn, const char *insutype, yb_person *p, yb_err *err) {
    char key[YB_MEMO_KEY];
    int memo = memo_key2(key, psn, insutype);
    if (memo) {
        if (yb_db_memo_get(f->db, MEMO_PERSON, key, p, sizeof *p) == (int)sizeof *p && !strcmp(p->psn_no, psn) &&
            !strcmp(p->insutype, insutype))
            return YB_OK;
    }
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db,
                      "SELECT p.psn_type, p.cvlserv_flag, p.sp_psn_type, ifnull(p.gend,0), ifnull(p.brdy,''), p.insu_admdvs,"
                      " pi.psn_type FROM persons p JOIN person_insu pi ON pi.psn_no=p.psn_no AND pi.insutype=?2"
                      " WHERE p.psn_no=?1",
                      &st, err));
    sqlite3_bind_text(st, 1, psn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, insutype, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        yb_db_done(st);
        return yb_err_set(err, YB_E_NOTFOUND, "input.data.psn_no", psn, "参保信息不存在 (no insurance of this type)");
    }
    memset(p, 0, sizeof *p);
    yb_scopy(p->psn_no, sizeof p->psn_no, psn);
    yb_scopy(p->insutype, sizeof p->insutype, insutype);
    yb_scopy(p->psn_type, sizeof p->psn_type, col_text(st, 6)[0] ? col_text(st, 6) : col_text(st, 0));
    p->cvlserv_flag = sqlite3_column_int(st, 1);
    yb_scopy(p->sp_psn_type, sizeof p->sp_psn_type, col_text(st, 2));
    p->gend = sqlite3_column_int(st, 3);
    const char *bd = col_text(st, 4);
    p->brdy = YB_DATE_NONE;
    if (*bd) yb_date_parse(bd, strlen(bd), &p->brdy);
    yb_scopy(p->insu_admdvs, sizeof p->insu_admdvs, col_text(st, 5));
    yb_db_done(st);
    if (memo) yb_db_memo_put(f->db, MEMO_PERSON, key, p, sizeof *p);
    return YB_OK;
}

static yb_rc visit_doc(yb_fsi *f, req *r, const char *mdtrt, const visit_row *v, yb_visit_doc *d, yb_err *err) {
    memset(d, 0, sizeof *d);
    yb_scopy(d->infno, sizeof d->infno, r->infno);
    yb_scopy(d->msgid, sizeof d->msgid, r->msgid);
    yb_scopy(d->fixmedins_code, sizeof d->fixmedins_code, r->fix);
    yb_person *p = &d->person;
    yb_visit *vi = &d->visit;
    TRY(read_person(f, v->psn, v->insutype, p, err));
    yb_scopy(vi->mdtrt_id, sizeof vi->mdtrt_id, mdtrt);
    yb_scopy(vi->med_type, sizeof vi->med_type, v->med_type);
    yb_scopy(vi->hosp_lv, sizeof vi->hosp_lv, r->inst_lv);
    yb_scopy(vi->fixmedins_code, sizeof vi->fixmedins_code, r->fix);
    yb_scopy(vi->mdtrtarea_admvs, sizeof vi->mdtrtarea_admvs, r->inst_area);
    vi->begntime = vi->endtime = YB_DATETIME_NONE;
    if (v->begn[0]) yb_datetime_parse(v->begn, strlen(v->begn), &vi->begntime);
    if (v->end[0]) yb_datetime_parse(v->end, strlen(v->end), &vi->endtime);
    d->lines_stored = 1;
    d->visit_rowid = v->rowid;
    d->reply_recorded = 1; /* msg_log, in the same transaction (yb_fsi_handle_pre) */
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db,
                      "SELECT feedetl_sn, med_list_codg, ifnull(fee_ocur_time,''), cnt, pric, det_item_fee_sumamt, rowid"
                      " FROM fee_lines WHERE mdtrt_id=?1 AND setl_id IS NULL",
                      &st, err));
    size_t cap = 16;
    d->lines = calloc(cap, sizeof *d->lines);
    if (!d->lines) {
        yb_db_done(st);
        return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    }
    sqlite3_bind_text(st, 1, mdtrt, -1, SQLITE_STATIC);
    yb_rc rc = YB_OK;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        if (d->n_lines == cap) {
            if (cap >= YB_VISIT_MAX_LINES) {
                rc = yb_err_set(err, YB_E_LIMIT, "feedetail", mdtrt, "more than %d fee lines", YB_VISIT_MAX_LINES);
                break;
            }
            yb_line *nl = realloc(d->lines, cap * 2 * sizeof *nl);
            if (!nl) {
                rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
                break;
            }
            d->lines = nl;
            cap *= 2;
        }
        line_from_row(st, 0, &d->lines[d->n_lines]);
        d->lines[d->n_lines++].store_rowid = sqlite3_column_int64(st, 6);
    }
    yb_db_done(st);
    /* in upload order (rowid): sorted here, not by SQLite, whose ORDER BY on the key's index scan
     * built a temporary B-tree for every settlement */
    if (!rc) qsort(d->lines, d->n_lines, sizeof *d->lines, by_store_rowid);
    if (rc) yb_visit_doc_release(d);
    return rc;
}

static yb_rc h_feeup(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *fd = get(r->input, "feedetail");
    if (!fd || (json_object_get_type(fd) != json_type_array && json_object_get_type(fd) != json_type_object))
        return yb_err_set(err, YB_E_INVALID, "input.feedetail", NULL, "a list of fee lines expected");
    size_t n = json_object_get_type(fd) == json_type_array ? json_object_array_length(fd) : 1;
    if (n == 0) return yb_err_set(err, YB_E_INVALID, "input.feedetail", NULL, "no fee lines");
    if (n > YB_VISIT_MAX_LINES)
        return yb_err_set(err, YB_E_LIMIT, "input.feedetail", NULL, "more than %d fee lines", YB_VISIT_MAX_LINES);
    char mdtrt[YB_ID_MAX] = "";
    visit_row v;
    sqlite3_stmt *ins;
    TRY(yb_db_prepare(f->db,
                      "INSERT INTO fee_lines(mdtrt_id, feedetl_sn, psn_no, med_list_codg, fee_ocur_time, cnt, pric,"
                      " det_item_fee_sumamt, chrg_bchno) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
                      &ins, err));
    yb_rc rc = YB_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        json_object *lo = json_object_get_type(fd) == json_type_array ? json_object_array_get_idx(fd, i) : fd;
        char path[64], p[96], m[YB_ID_MAX], psn[YB_ID_MAX], sn[YB_ID_MAX], code[YB_CODE_MAX], bch[64], tm[24];
        snprintf(path, sizeof path, "input.feedetail[%zu]", i);
        if (json_object_get_type(lo) != json_type_object) {
            rc = yb_err_set(err, YB_E_INVALID, path, NULL, "a fee line object expected");
            break;
        }
        if ((rc = str_at(lo, "mdtrt_id", path, 1, m, sizeof m, err))) break;
        if ((rc = str_at(lo, "psn_no", path, 1, psn, sizeof psn, err))) break;
        if ((rc = str_at(lo, "feedetl_sn", path, 1, sn, sizeof sn, err))) break;
        if ((rc = str_at(lo, "med_list_codg", path, 1, code, sizeof code, err))) break;
        if ((rc = str_at(lo, "chrg_bchno", path, 0, bch, sizeof bch, err))) break;
        if ((rc = str_at(lo, "fee_ocur_time", path, 0, tm, sizeof tm, err))) break;
        if (!mdtrt[0]) {
            yb_scopy(mdtrt, sizeof mdtrt, m);
            snprintf(p, sizeof p, "%s.mdtrt_id", path);
            if ((rc = load_visit(f, r, mdtrt, p, &v, err))) break;
            if ((rc = need_registered(&v, p, mdtrt, err))) break;
        } else if (strcmp(m, mdtrt)) {
            snprintf(p, sizeof p, "%s.mdtrt_id", path);
            rc = yb_err_set(err, YB_E_INVALID, p, m, "一次上传只能包含一个就诊的明细 (one visit per upload)");
            break;
        }
        if (strcmp(psn, v.psn)) {
            snprintf(p, sizeof p, "%s.psn_no", path);
            rc = yb_err_set(err, YB_E_PERM, p, psn, "就诊不属于该人员 (another person's visit)");
            break;
        }
        yb_datetime t = YB_DATETIME_NONE;
        if (tm[0] && yb_datetime_parse(tm, strlen(tm), &t)) {
            snprintf(p, sizeof p, "%s.fee_ocur_time", path);
            rc = yb_err_set(err, YB_E_INVALID, p, tm, "not a time yyyy-MM-dd HH:mm:ss");
            break;
        }
        yb_qty cnt;
        yb_price pric;
        yb_fen sum;
        snprintf(p, sizeof p, "%s.cnt", path);
        if ((rc = yb_json_qty(get(lo, "cnt"), p, 1, &cnt, err))) break;
        snprintf(p, sizeof p, "%s.pric", path);
        if ((rc = yb_json_price(get(lo, "pric"), p, &pric, err))) break;
        snprintf(p, sizeof p, "%s.det_item_fee_sumamt", path);
        if ((rc = yb_json_money(get(lo, "det_item_fee_sumamt"), p, 1, &sum, err))) break;
        char tb[20];
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, mdtrt, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, sn, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, psn, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 4, code, -1, SQLITE_TRANSIENT);
        if (t != YB_DATETIME_NONE) sqlite3_bind_text(ins, 5, yb_datetime_fmt(t, tb), -1, SQLITE_TRANSIENT);
        else sqlite3_bind_null(ins, 5);
        sqlite3_bind_int64(ins, 6, cnt);
        sqlite3_bind_int64(ins, 7, pric);
        sqlite3_bind_int64(ins, 8, sum);
        sqlite3_bind_text(ins, 9, bch, -1, SQLITE_TRANSIENT);
        rc = yb_db_step_done(f->db, ins, err);
        if (rc == YB_E_DUPLICATE) {
            yb_err_clear(err);
            snprintf(p, sizeof p, "%s.feedetl_sn", path);
            rc = yb_err_set(err, YB_E_DUPLICATE, p, sn, "明细流水号重复 (fee line serial number already uploaded)");
        }
    }
    yb_db_done(ins);
    if (rc) return rc;
    /* the split of every unsettled line of the visit, as settlement would make it */
    yb_visit_doc d;
    TRY(visit_doc(f, r, mdtrt, &v, &d, err));
    const yb_policy *pol = yb_refdata_policy(f->rd, d.person.insu_admdvs, yb_settle_date(&d.visit));
    if (!pol) {
        yb_visit_doc_release(&d);
        return yb_err_set(err, YB_E_POLICY, "insuplc_admdvs", d.person.insu_admdvs, "no policy of this area is in force");
    }
    yb_line_split *sp = calloc(d.n_lines ? d.n_lines : 1, sizeof *sp);
    yb_accum acc;
    memset(&acc, 0, sizeof acc);
    yb_settle_in in = {pol, f->rd->catalog, &d.person, &d.visit, d.lines, d.n_lines, &acc, 0, NULL};
    yb_settlement s;
    rc = sp ? yb_settle_calc(&in, &s, sp, err) : yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    if (!rc) {
        yb_jw_open(w, '{');
        yb_jw_key(w, "result");
        yb_jw_open(w, '[');
        for (size_t i = 0; i < d.n_lines; i++) {
            const yb_line *l = &d.lines[i];
            yb_jw_open(w, '{');
            yb_jw_key(w, "feedetl_sn");
            yb_jw_str(w, l->feedetl_sn);
            yb_jw_key(w, "det_item_fee_sumamt");
            yb_jw_money(w, l->sumamt);
            yb_jw_key(w, "cnt");
            yb_jw_dec(w, l->cnt, YB_QTY_SCALE);
            yb_jw_key(w, "pric");
            yb_jw_dec(w, l->pric, YB_PRICE_SCALE);
            yb_jw_key(w, "pric_uplmt_amt");
            yb_jw_dec(w, sp[i].pric_uplmt_amt, YB_PRICE_SCALE);
            yb_jw_key(w, "selfpay_prop");
            yb_jw_dec(w, sp[i].selfpay_prop, YB_RATIO_SCALE);
            yb_jw_key(w, "fulamt_ownpay_amt");
            yb_jw_money(w, sp[i].fulamt_ownpay_amt);
            yb_jw_key(w, "overlmt_amt");
            yb_jw_money(w, sp[i].overlmt_amt);
            yb_jw_key(w, "preselfpay_amt");
            yb_jw_money(w, sp[i].preselfpay_amt);
            yb_jw_key(w, "inscp_scp_amt");
            yb_jw_money(w, sp[i].inscp_scp_amt);
            yb_jw_key(w, "chrgitm_lv");
            yb_jw_str(w, sp[i].chrgitm_lv[0] ? sp[i].chrgitm_lv : NULL);
            yb_jw_close(w, '}');
        }
        yb_jw_close(w, ']');
        yb_jw_close(w, '}');
    }
    free(sp);
    yb_visit_doc_release(&d);
    return rc;
}

static yb_rc h_feecancel(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "data", err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], mdtrt[YB_ID_MAX], bch[64];
    TRY(str_at(n, "chrg_bchno", "input.data", 0, bch, sizeof bch, err));
    visit_row v;
    TRY(person_visit(f, r, n, "input.data", 1, mdtrt, psn, &v, err));
    if (!bch[0] || !strcmp(bch, "0000"))
        TRY(exec2(f, "DELETE FROM fee_lines WHERE mdtrt_id=?1 AND setl_id IS NULL", mdtrt, NULL, err));
    else
        TRY(exec2(f, "DELETE FROM fee_lines WHERE mdtrt_id=?1 AND setl_id IS NULL AND chrg_bchno=?2", mdtrt, bch, err));
    yb_jw_null(w);
    return YB_OK;
}

static yb_rc h_discharge(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "dscginfo", err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], mdtrt[YB_ID_MAX], end[24];
    TRY(str_at(n, "endtime", "input.dscginfo", 1, end, sizeof end, err));
    visit_row v;
    TRY(person_visit(f, r, n, "input.dscginfo", 1, mdtrt, psn, &v, err));
    yb_datetime t, b0;
    if (yb_datetime_parse(end, strlen(end), &t))
        return yb_err_set(err, YB_E_INVALID, "input.dscginfo.endtime", end, "not a time yyyy-MM-dd HH:mm:ss");
    if (!yb_datetime_parse(v.begn, strlen(v.begn), &b0) && t < b0)
        return yb_err_set(err, YB_E_INVALID, "input.dscginfo.endtime", end, "出院时间早于入院时间 (before the admission)");
    char tb[20];
    TRY(exec2(f, "UPDATE visits SET endtime=?2 WHERE mdtrt_id=?1", mdtrt, yb_datetime_fmt(t, tb), err));
    TRY(store_diags(f, r, mdtrt, err));
    yb_jw_null(w);
    return YB_OK;
}

/* 2404 cancel an admission (like 2202), 2405 cancel a discharge */
static yb_rc h_undischarge(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "data", err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], mdtrt[YB_ID_MAX];
    visit_row v;
    TRY(person_visit(f, r, n, "input.data", 1, mdtrt, psn, &v, err));
    if (!v.end[0]) return yb_err_set(err, YB_E_STATE, "input.data.mdtrt_id", mdtrt, "未办理出院 (not discharged)");
    TRY(exec2(f, "UPDATE visits SET endtime=NULL WHERE mdtrt_id=?1", mdtrt, NULL, err));
    yb_jw_null(w);
    return YB_OK;
}

static yb_rc h_line_cancel(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "data", err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], mdtrt[YB_ID_MAX], sn[YB_ID_MAX];
    TRY(str_at(n, "feedetl_sn", "input.data", 0, sn, sizeof sn, err));
    visit_row v;
    TRY(person_visit(f, r, n, "input.data", 1, mdtrt, psn, &v, err));
    if (!sn[0] || !strcmp(sn, "0000")) {
        TRY(exec2(f, "DELETE FROM fee_lines WHERE mdtrt_id=?1 AND setl_id IS NULL", mdtrt, NULL, err));
    } else {
        TRY(exec2(f, "DELETE FROM fee_lines WHERE mdtrt_id=?1 AND setl_id IS NULL AND feedetl_sn=?2", mdtrt, sn, err));
        if (sqlite3_changes(yb_db_sql(f->db)) != 1)
            return yb_err_set(err, YB_E_NOTFOUND, "input.data.feedetl_sn", sn, "明细不存在或已结算 (no such unsettled line)");
    }
    yb_jw_null(w);
    return YB_OK;
}

/* ------------------------------------------------------------------ settlement */

/* Copy the "output" of a service reply into w. */
/* The service's output plus, when the rules ran, "audit_result": {hit_cnt, deny_cnt, review_flag,
 * result[] (the hits as 3101 rows)}. The service's reply is an envelope whose last member is
 * "output" (io/visit_json.c): its text is copied as it is, without parsing it again (the reply is
 * ended in place for the copy and given back as it was). */
static yb_rc copy_output_audit(char *reply, const char *hits, size_t n, size_t deny, size_t review, yb_jw *w,
                               yb_err *err) {
    char *o = strstr(reply, "\"output\":");
    char *end = strrchr(reply, '}');
    if (!o || !end || end <= o + 9)
        return yb_err_set(err, YB_E_INTERNAL, NULL, NULL, "service reply without output");
    o += 9;
    size_t len = (size_t)(end - o);
    if (hits && len >= 2 && o[len - 1] == '}') {
        o[len - 1] = '\0'; /* reopen the output object */
        yb_jw_raw(w, o);
        o[len - 1] = '}';
        char tail[160];
        snprintf(tail, sizeof tail, ",\"audit_result\":{\"hit_cnt\":%zu,\"deny_cnt\":%zu,\"review_flag\":\"%s\",\"result\":", n,
                 deny, review ? "1" : "0");
        yb_jw_append(w, tail);
        yb_jw_append(w, hits);
        yb_jw_append(w, "}}");
    } else {
        *end = '\0';
        yb_jw_raw(w, o);
        *end = '}';
    }
    return YB_OK;
}

static yb_rc copy_output(char *reply, yb_jw *w, yb_err *err) {
    return copy_output_audit(reply, NULL, 0, 0, 0, w, err);
}

/* ------------------------------------------------------------------ audit before settlement */

typedef struct hit_sink {
    yb_jw *w;
    size_t n, deny, review;
    const char *task;      /* the request's msgid */
    const char *only;      /* report only hits of this mdtrt_id ("" or NULL: all) */
} hit_sink;

/* One hit as a 3101 result row (docs/audit.md, audit-rules §5): the rule, its content, amount and
 * basis, and the lines it names (rx_id = the line's feedetl_sn or order rx_id; vola_item_type 1
 * violating, 2 involved). jr_id/jrd_id are unique within the reply: task id + numbers. */
static void put_hit_json(yb_jw *w, const yb_audit_hit *h, const char *task, size_t k) {
    char id[96];
    yb_jw_open(w, '{');
    snprintf(id, sizeof id, "%s-%zu", task, k + 1);
    yb_jw_key(w, "jr_id");
    yb_jw_str(w, id);
    yb_jw_key(w, "rule_id");
    yb_jw_str(w, h->rule_id);
    yb_jw_key(w, "rule_name");
    yb_jw_str(w, h->rule_name);
    yb_jw_key(w, "vola_cont");
    yb_jw_str(w, h->vola_cont);
    yb_jw_key(w, "patn_id");
    yb_jw_str(w, h->psn_no);
    yb_jw_key(w, "mdtrt_id");
    yb_jw_str(w, h->mdtrt_id);
    yb_jw_key(w, "vola_amt");
    yb_jw_dec(w, h->vola_amt, 2);
    yb_jw_key(w, "vola_amt_stas");
    yb_jw_str(w, h->vola_amt_stas ? "1" : "0");
    yb_jw_key(w, "sev_deg");
    yb_jw_str(w, h->sev_deg == 1 ? "1" : h->sev_deg == 2 ? "2" : "3");
    yb_jw_key(w, "vola_evid");
    yb_jw_str(w, h->vola_evid);
    yb_jw_key(w, "vola_bhvr_type");
    yb_jw_str(w, h->vola_bhvr_type);
    yb_jw_key(w, "task_id");
    yb_jw_str(w, task);
    yb_jw_key(w, "effect");
    yb_jw_str(w, yb_audit_effect_name(h->effect));
    yb_jw_key(w, "judge_result_detail_dtos");
    yb_jw_open(w, '[');
    for (size_t i = 0; i < h->n_refs; i++) {
        const yb_audit_ref *x = &h->refs[i];
        yb_jw_open(w, '{');
        snprintf(id, sizeof id, "%s-%zu-%zu", task, k + 1, i + 1);
        yb_jw_key(w, "jrd_id");
        yb_jw_str(w, id);
        yb_jw_key(w, "patn_id");
        yb_jw_str(w, h->psn_no);
        yb_jw_key(w, "mdtrt_id");
        yb_jw_str(w, x->mdtrt_id);
        yb_jw_key(w, "rx_id");
        yb_jw_str(w, x->feedetl_sn);
        yb_jw_key(w, "vola_item_type");
        yb_jw_str(w, x->item_type == 1 ? "1" : "2");
        yb_jw_key(w, "vola_amt");
        yb_jw_dec(w, x->vola_amt, 2);
        yb_jw_close(w, '}');
    }
    yb_jw_close(w, ']');
    yb_jw_close(w, '}');
}

static yb_rc sink_hit(void *ctx, const yb_audit_hit *h) {
    hit_sink *s = ctx;
    if (s->only && *s->only && strcmp(s->only, h->mdtrt_id)) return YB_OK;
    put_hit_json(s->w, h, s->task, s->n);
    s->n++;
    if (h->effect == YB_AUDIT_DENY) s->deny++;
    if (h->effect == YB_AUDIT_REVIEW) s->review++;
    return YB_OK;
}

static yb_rc grow_lines(yb_line **lines, size_t *cap, size_t need, size_t **orig, yb_err *err) {
    if (need <= *cap) return YB_OK;
    size_t nc = *cap ? *cap : 16;
    while (nc < need) nc *= 2;
    yb_line *nl = realloc(*lines, nc * sizeof *nl);
    if (!nl) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    *lines = nl;
    size_t *no = realloc(*orig, nc * sizeof *no);
    if (!no) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    *orig = no;
    *cap = nc;
    return YB_OK;
}

/* A visit's stored diagnoses (at most cap). */
static size_t load_diags(yb_fsi *f, const char *mdtrt, yb_audit_diag *dg, size_t cap) {
    sqlite3_stmt *q = NULL;
    size_t n = 0;
    if (yb_db_prepare(f->db, "SELECT diag_code, maindiag_flag FROM visit_diags WHERE mdtrt_id=?1 ORDER BY seq", &q, NULL))
        return 0;
    sqlite3_bind_text(q, 1, mdtrt, -1, SQLITE_STATIC);
    while (n < cap && sqlite3_step(q) == SQLITE_ROW) {
        memset(&dg[n], 0, sizeof dg[n]);
        yb_scopy(dg[n].code, sizeof dg[n].code, col_text(q, 0));
        dg[n++].main = sqlite3_column_int(q, 1);
    }
    yb_db_done(q);
    return n;
}

/* The person's settled visits of the last 400 days before this one, oldest first, go through the
 * rules to build the history (their hits were reported when they were settled); then this visit's
 * lines are audited and replaced by the settlement lines (a denied line as 全自费, a partly denied
 * one as its paid rest and a "-D" part). The hits are written to w as an array. */
static yb_rc audit_visit(yb_fsi *f, yb_visit_doc *d, yb_jw *w, hit_sink *sink, yb_err *err) {
    yb__batch_audit *ba = yb__batch_audit_new(f->rules);
    if (!ba) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    yb_line *hl = NULL;
    size_t hcap = 0, hn = 0, *orig = NULL;
    sqlite3_stmt *st = NULL;
    char cur[YB_ID_MAX] = "", since[24] = "";
    yb_visit hv;
    memset(&hv, 0, sizeof hv);
    if (d->visit.begntime != YB_DATETIME_NONE) {
        char b[24];
        yb_datetime_fmt(d->visit.begntime - (int64_t)400 * 86400, b);
        yb_scopy(since, sizeof since, b);
    }
    yb_rc rc = yb_db_prepare(f->db,
                             "SELECT v.mdtrt_id, v.med_type, ifnull(v.begntime,''), ifnull(v.endtime,''),"
                             " ifnull(v.fixmedins_code,''), l.feedetl_sn, l.med_list_codg, ifnull(l.fee_ocur_time,''),"
                             " l.cnt, l.pric, l.det_item_fee_sumamt"
                             " FROM visits v JOIN fee_lines l ON l.mdtrt_id = v.mdtrt_id AND l.setl_id IS NOT NULL"
                             " WHERE v.psn_no=?1 AND v.state='settled' AND v.mdtrt_id<>?2 AND ifnull(v.begntime,'') >= ?3"
                             " ORDER BY v.begntime, v.mdtrt_id, l.rowid",
                             &st, err);
    if (!rc) {
        sqlite3_bind_text(st, 1, d->person.psn_no, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, d->visit.mdtrt_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, since, -1, SQLITE_STATIC);
    }
    for (;;) {
        int row = !rc && sqlite3_step(st) == SQLITE_ROW;
        if (!rc && hn && (!row || strcmp(col_text(st, 0), cur))) {
            size_t n = hn;
            yb_audit_diag hd[32];
            yb__batch_audit_diags(ba, hd, load_diags(f, cur, hd, 32));
            rc = grow_lines(&hl, &hcap, 2 * hn, &orig, err);
            if (!rc) rc = yb__batch_audit_visit(ba, &d->person, &hv, hl, &n, orig, err);
            hn = 0;
        }
        if (rc || !row) break;
        if (!hn) {
            yb_scopy(cur, sizeof cur, col_text(st, 0));
            memset(&hv, 0, sizeof hv);
            yb_scopy(hv.mdtrt_id, sizeof hv.mdtrt_id, cur);
            yb_scopy(hv.med_type, sizeof hv.med_type, col_text(st, 1));
            yb_scopy(hv.fixmedins_code, sizeof hv.fixmedins_code, col_text(st, 4));
            yb_scopy(hv.hosp_lv, sizeof hv.hosp_lv, d->visit.hosp_lv);
            hv.begntime = hv.endtime = YB_DATETIME_NONE;
            const char *t = col_text(st, 2);
            if (*t) yb_datetime_parse(t, strlen(t), &hv.begntime);
            t = col_text(st, 3);
            if (*t) yb_datetime_parse(t, strlen(t), &hv.endtime);
        }
        if ((rc = grow_lines(&hl, &hcap, hn + 1, &orig, err))) break;
        line_from_row(st, 5, &hl[hn++]);
    }
    yb_db_done(st);
    free(hl);
    if (!rc) {
        /* this visit: its lines grow to at most twice their number */
        size_t n = d->n_lines;
        size_t *o2 = NULL;
        yb_line *nl = realloc(d->lines, (2 * n + 1) * sizeof *nl);
        if (!nl) rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        else d->lines = nl;
        if (!rc && !(o2 = malloc((2 * n + 1) * sizeof *o2))) rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        /* the visit's stored diagnoses */
        yb_audit_diag dg[32];
        size_t ndg = load_diags(f, d->visit.mdtrt_id, dg, 32);
        yb__batch_audit_diags(ba, dg, ndg);
        yb_jw_open(w, '[');
        yb__batch_audit_on_hit(ba, sink_hit, sink);
        if (!rc) rc = yb__batch_audit_visit(ba, &d->person, &d->visit, d->lines, &d->n_lines, o2, err);
        yb_jw_close(w, ']');
        free(o2);
    }
    free(orig);
    yb__batch_audit_free(ba);
    return rc;
}

/* ------------------------------------------------------------------ 3101 / 3102 */

/* A time of a request: "yyyy-MM-dd HH:mm:ss", or a date alone at `day_time` (" 00:00:00" for the
 * start of the day, " 23:59:59" for the end of a period). */
static yb_rc time_at(json_object *o, const char *k, const char *path, int required, const char *day_time,
                     yb_datetime *out, yb_err *err) {
    char b[40], p[160];
    TRY(str_at(o, k, path, required, b, 32, err));
    *out = YB_DATETIME_NONE;
    if (!b[0]) return YB_OK;
    if (strlen(b) == 10) strcat(b, day_time);
    if (yb_datetime_parse(b, strlen(b), out)) {
        snprintf(p, sizeof p, "%s.%s", path, k);
        return yb_err_set(err, YB_E_INVALID, p, b, "not a time yyyy-MM-dd HH:mm:ss");
    }
    return YB_OK;
}

typedef struct enc_ord {
    json_object *o;
    char adm[32];
    size_t i;
} enc_ord;

static int enc_cmp(const void *a, const void *b) {
    const enc_ord *x = a, *y = b;
    int c = strcmp(x->adm, y->adm);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* One encounter through the rules (the history h holds the patient's earlier encounters). */
static yb_rc audit_encounter(yb_fsi *f, req *r, yb_auditor *a, yb_audit_history *h, const yb_person *pn,
                             json_object *e, const char *path, hit_sink *sink, yb_err *err) {
    yb_audit_visit av;
    memset(&av, 0, sizeof av);
    av.person = *pn;
    yb_visit *v = &av.visit;
    char lv[8], ins[8], p[192];
    TRY(str_at(e, "mdtrt_id", path, 1, v->mdtrt_id, sizeof v->mdtrt_id, err));
    TRY(str_at(e, "med_type", path, 0, v->med_type, sizeof v->med_type, err));
    TRY(str_at(e, "medins_id", path, 0, v->fixmedins_code, sizeof v->fixmedins_code, err));
    TRY(str_at(e, "medins_lv", path, 0, lv, sizeof lv, err));
    TRY(str_at(e, "insutype", path, 0, ins, sizeof ins, err));
    yb_scopy(v->hosp_lv, sizeof v->hosp_lv, lv[0] ? lv : r->inst_lv);
    if (!v->fixmedins_code[0]) snprintf(v->fixmedins_code, sizeof v->fixmedins_code, "%s", r->fix);
    if (ins[0]) snprintf(av.person.insutype, sizeof av.person.insutype, "%s", ins);
    TRY(time_at(e, "adm_date", path, 0, " 00:00:00", &v->begntime, err));
    TRY(time_at(e, "dscg_date", path, 0, " 00:00:00", &v->endtime, err));
    json_object *dg = get(e, "fsi_diagnose_dtos"), *od = get(e, "fsi_order_dtos");
    size_t nd = dg && json_object_get_type(dg) == json_type_array ? json_object_array_length(dg) : 0;
    size_t no = od && json_object_get_type(od) == json_type_array ? json_object_array_length(od) : 0;
    if (no > YB_VISIT_MAX_LINES) {
        snprintf(p, sizeof p, "%s.fsi_order_dtos", path);
        return yb_err_set(err, YB_E_LIMIT, p, NULL, "more than %d orders", YB_VISIT_MAX_LINES);
    }
    yb_audit_diag *diags = calloc(nd + 1, sizeof *diags);
    yb_audit_line *lines = calloc(no + 1, sizeof *lines);
    yb_rc rc = diags && lines ? YB_OK : yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    for (size_t i = 0; i < nd && !rc; i++) {
        json_object *x = json_object_array_get_idx(dg, i);
        char q[192], flag[4];
        snprintf(q, sizeof q, "%s.fsi_diagnose_dtos[%zu]", path, i);
        rc = str_at(x, "dise_codg", q, 1, diags[i].code, sizeof diags[i].code, err);
        if (!rc) rc = str_at(x, "maindise_flag", q, 0, flag, sizeof flag, err);
        diags[i].main = flag[0] == '1';
        json_object *nm = get(x, "dise_name");
        diags[i].name = nm ? json_object_get_string(nm) : NULL;
    }
    for (size_t i = 0; i < no && !rc; i++) {
        json_object *x = json_object_array_get_idx(od, i);
        yb_audit_line *l = &lines[i];
        char q[192];
        snprintf(q, sizeof q, "%s.fsi_order_dtos[%zu]", path, i);
        if (json_object_get_type(x) != json_type_object) {
            rc = yb_err_set(err, YB_E_INVALID, q, NULL, "an order object expected");
            break;
        }
        if ((rc = str_at(x, "rx_id", q, 1, l->line.feedetl_sn, sizeof l->line.feedetl_sn, err))) break;
        if ((rc = str_at(x, "hilist_code", q, 1, l->line.med_list_codg, sizeof l->line.med_list_codg, err))) break;
        json_object *nm = get(x, "hilist_name");
        l->name = nm ? json_object_get_string(nm) : NULL;
        json_object *dp = get(x, "drord_dept_name");
        l->dept = dp ? json_object_get_string(dp) : NULL;
        if ((rc = time_at(x, "drord_begn_date", q, 0, " 00:00:00", &l->line.fee_ocur_time, err))) break;
        if (l->line.fee_ocur_time == YB_DATETIME_NONE) l->line.fee_ocur_time = v->begntime;
        snprintf(p, sizeof p, "%s.cnt", q);
        if ((rc = yb_json_qty(get(x, "cnt"), p, 1, &l->line.cnt, err))) break;
        snprintf(p, sizeof p, "%s.pric", q);
        if ((rc = yb_json_price(get(x, "pric"), p, &l->line.pric, err))) break;
        snprintf(p, sizeof p, "%s.sumamt", q);
        if ((rc = yb_json_money(get(x, "sumamt"), p, 1, &l->line.sumamt, err))) break;
    }
    av.diags = diags;
    av.n_diags = nd;
    av.lines = lines;
    av.n_lines = no;
    if (!rc) rc = yb_audit_visit_run(a, h, &av, sink_hit, sink, err);
    free(diags);
    free(lines);
    return rc;
}

/* 3101 明细审核事前事中分析 / 3102 事中分析: the patients' encounters of the request through the
 * rules (rule_ids limits them), each patient's encounters in admission order with one history;
 * hits of curr_mdtrt_id only when it is given. Nothing is stored. */
static yb_rc h_audit(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    if (!f->rules)
        return yb_err_set(err, YB_E_STATE, "infno", r->infno,
                          "未启用智能审核规则 (the server runs without audit rules: start it with --rules DIR)");
    json_object *d = node(r, "data", err);
    if (!d) return err->rc;
    char ids[1024];
    TRY(str_at(d, "rule_ids", "input.data", 0, ids, sizeof ids, err));
    json_object *pts = get(d, "patient_dtos");
    if (!pts || json_object_get_type(pts) != json_type_array || !json_object_array_length(pts))
        return yb_err_set(err, YB_E_INVALID, "input.data.patient_dtos", NULL, "a list of patients expected");
    size_t np = json_object_array_length(pts);
    if (np > 1000) return yb_err_set(err, YB_E_LIMIT, "input.data.patient_dtos", NULL, "more than 1000 patients");
    yb_auditor *a = NULL;
    yb_audit_history *h = yb_audit_history_new();
    yb_rc rc = h && !yb_auditor_new(f->rules, &a) ? YB_OK : yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    if (!rc && ids[0] && (rc = yb_auditor_select(a, ids, err))) {
        yb_err_clear(err);
        rc = yb_err_set(err, YB_E_NOTFOUND, "input.data.rule_ids", ids, "规则编码不存在 (no such rule in the server's set)");
    }
    hit_sink sink = {w, 0, 0, 0, r->msgid, NULL};
    yb_jw_open(w, '{');
    yb_jw_key(w, "result");
    yb_jw_open(w, '[');
    enc_ord *ord = NULL;
    for (size_t i = 0; i < np && !rc; i++) {
        json_object *pt = json_object_array_get_idx(pts, i);
        char path[96], gend[4], brdy[32], cur[YB_ID_MAX];
        snprintf(path, sizeof path, "input.data.patient_dtos[%zu]", i);
        yb_person pn;
        memset(&pn, 0, sizeof pn);
        pn.brdy = YB_DATE_NONE;
        if ((rc = str_at(pt, "patn_id", path, 1, pn.psn_no, sizeof pn.psn_no, err))) break;
        if ((rc = str_at(pt, "gend", path, 0, gend, sizeof gend, err))) break;
        if ((rc = str_at(pt, "brdy", path, 0, brdy, sizeof brdy, err))) break;
        if ((rc = str_at(pt, "curr_mdtrt_id", path, 0, cur, sizeof cur, err))) break;
        pn.gend = gend[0] == '1' ? 1 : gend[0] == '2' ? 2 : 0;
        if (brdy[0] && yb_date_parse(brdy, strlen(brdy) >= 10 ? 10 : strlen(brdy), &pn.brdy)) {
            char p[128];
            snprintf(p, sizeof p, "%s.brdy", path);
            rc = yb_err_set(err, YB_E_INVALID, p, brdy, "not a date yyyy-MM-dd");
            break;
        }
        json_object *es = get(pt, "fsi_encounter_dtos");
        size_t ne = es && json_object_get_type(es) == json_type_array ? json_object_array_length(es) : 0;
        if (!ne) {
            char p[128];
            snprintf(p, sizeof p, "%s.fsi_encounter_dtos", path);
            rc = yb_err_set(err, YB_E_INVALID, p, NULL, "a list of encounters expected");
            break;
        }
        free(ord);
        if (!(ord = calloc(ne, sizeof *ord))) {
            rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
            break;
        }
        for (size_t k = 0; k < ne; k++) {
            ord[k].o = json_object_array_get_idx(es, k);
            ord[k].i = k;
            json_object *ad = get(ord[k].o, "adm_date");
            yb_scopy(ord[k].adm, sizeof ord[k].adm, ad ? json_object_get_string(ad) : "");
        }
        qsort(ord, ne, sizeof *ord, enc_cmp);
        yb_audit_history_reset(h);
        sink.only = cur;
        for (size_t k = 0; k < ne && !rc; k++) {
            char ep[160];
            snprintf(ep, sizeof ep, "%s.fsi_encounter_dtos[%zu]", path, ord[k].i);
            if (json_object_get_type(ord[k].o) != json_type_object) {
                rc = yb_err_set(err, YB_E_INVALID, ep, NULL, "an encounter object expected");
                break;
            }
            rc = audit_encounter(f, r, a, h, &pn, ord[k].o, ep, &sink, err);
        }
    }
    free(ord);
    yb_jw_close(w, ']');
    yb_jw_close(w, '}');
    yb_auditor_free(a);
    yb_audit_history_free(h);
    return rc;
}

static yb_rc h_settle(yb_fsi *f, req *r, yb_jw *w, int pre, yb_err *err) {
    json_object *n = node(r, "data", err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], mdtrt[YB_ID_MAX], flag[4];
    TRY(str_at(n, "acct_used_flag", "input.data", 0, flag, sizeof flag, err));
    visit_row v;
    TRY(person_visit(f, r, n, "input.data", 0, mdtrt, psn, &v, err));
    if (!strcmp(v.state, "cancelled")) return yb_err_set(err, YB_E_STATE, "input.data.mdtrt_id", mdtrt, "就诊已撤销 (the visit was cancelled)");
    int inpatient = r->infno[0] == '2' && r->infno[1] == '3'; /* 2303/2304 */
    if (inpatient) {
        char mid[4];
        TRY(str_at(n, "mid_setl_flag", "input.data", 0, mid, sizeof mid, err));
        if (!v.end[0] && strcmp(mid, "1"))
            return yb_err_set(err, YB_E_STATE, "input.data.mdtrt_id", mdtrt,
                              "未办理出院，不能结算 (not discharged; set mid_setl_flag 1 for an interim settlement)");
    }
    yb_visit_doc d;
    TRY(visit_doc(f, r, mdtrt, &v, &d, err));
    /* an interim settlement (in hospital still): the stay stays open for more lines */
    d.mid_setl = inpatient && !v.end[0];
    if (!d.n_lines) {
        yb_visit_doc_release(&d);
        return yb_err_set(err, YB_E_STATE, "input.data.mdtrt_id", mdtrt, "无待结算的费用明细 (no uploaded fee lines to settle)");
    }
    d.visit.acct_used_flag = flag[0] == '1';
    /* declared totals, when given, must equal the uploaded lines */
    yb_fen *dst[] = {&d.decl_medfee, &d.decl_fulamt, &d.decl_overlmt, &d.decl_preselfpay, &d.decl_inscp};
    static const unsigned bit[] = {YB_DECL_MEDFEE, YB_DECL_FULAMT, YB_DECL_OVERLMT, YB_DECL_PRESELFPAY, YB_DECL_INSCP};
    int nd = 0;
    /* each total's path; its key is what follows "input.data." */
    static const char *const decl_path[] = {"input.data.medfee_sumamt", "input.data.fulamt_ownpay_amt",
                                            "input.data.overlmt_selfpay", "input.data.preselfpay_amt",
                                            "input.data.inscp_scp_amt"};
    for (int i = 0; i < 5; i++) {
        json_object *x = get(n, decl_path[i] + sizeof "input.data." - 1);
        if (!x) continue;
        yb_rc rc = yb_json_money(x, decl_path[i], 0, dst[i], err);
        if (rc) {
            yb_visit_doc_release(&d);
            return rc;
        }
        nd++;
        d.decl_given |= bit[i]; /* each total given is checked on its own */
    }
    d.has_decl = nd == 5;
    /* the audit rules, when the server has them: deny hits make the violating part 全自费 */
    yb_jw aw;
    yb_jw_init(&aw);
    hit_sink sink = {&aw, 0, 0, 0, r->msgid, NULL};
    yb_rc rc = YB_OK;
    if (f->rules) {
        rc = audit_visit(f, &d, &aw, &sink, err);
        /* the split the hospital declared came from the fee upload, before the audit: with a deny
         * hit only the total (unchanged) is checked */
        if (!rc && sink.deny) {
            d.decl_given &= YB_DECL_MEDFEE;
            d.has_decl = 0;
        }
    }
    char *hits = yb_jw_finish(&aw);
    yb_settle_result res;
    if (!rc) rc = yb_svc_settle(f->db, f->rd, &d, r->body, r->len, pre, &res, err);
    yb_visit_doc_release(&d);
    if (rc) {
        free(hits);
        return rc;
    }
    rc = copy_output_audit(res.reply, f->rules ? hits : NULL, sink.n, sink.deny, sink.review, w, err);
    free(hits);
    yb_settle_result_release(&res);
    return rc;
}

static yb_rc reverse_and_reply(yb_fsi *f, const char *setl_id, const char *psn, yb_jw *w, yb_err *err) {
    yb_settle_result res;
    TRY(yb_svc_reverse(f->db, setl_id, psn, &res, err));
    /* a visit whose settlement is cancelled may be settled again */
    yb_rc rc = copy_output(res.reply, w, err);
    yb_settle_result_release(&res);
    return rc;
}

static yb_rc h_setl_cancel(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "data", err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], setl[32], mdtrt[YB_ID_MAX];
    TRY(str_at(n, "setl_id", "input.data", 1, setl, sizeof setl, err));
    TRY(str_at(n, "psn_no", "input.data", 1, psn, sizeof psn, err));
    TRY(str_at(n, "mdtrt_id", "input.data", 0, mdtrt, sizeof mdtrt, err));
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db, "SELECT mdtrt_id, ifnull(fixmedins_code,'') FROM settlements WHERE setl_id=?1", &st, err));
    sqlite3_bind_text(st, 1, setl, -1, SQLITE_STATIC);
    int found = sqlite3_step(st) == SQLITE_ROW;
    char m[YB_ID_MAX] = "", fx[32] = "";
    if (found) {
        yb_scopy(m, sizeof m, col_text(st, 0));
        yb_scopy(fx, sizeof fx, col_text(st, 1));
    }
    yb_db_done(st);
    if (!found) return yb_err_set(err, YB_E_NOTFOUND, "input.data.setl_id", setl, "结算信息不存在 (no such settlement)");
    if (strcmp(fx, r->fix)) return yb_err_set(err, YB_E_PERM, "input.data.setl_id", setl, "结算不属于本机构 (another institution's settlement)");
    if (mdtrt[0] && strcmp(mdtrt, m)) return yb_err_set(err, YB_E_INVALID, "input.data.mdtrt_id", mdtrt, "结算不属于该就诊 (the settlement is of another visit)");
    return reverse_and_reply(f, setl, psn, w, err);
}

static yb_rc h_reversal(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "data", err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], omsgid[48], oinfno[8];
    TRY(str_at(n, "psn_no", "input.data", 1, psn, sizeof psn, err));
    TRY(str_at(n, "omsgid", "input.data", 1, omsgid, sizeof omsgid, err));
    TRY(str_at(n, "oinfno", "input.data", 1, oinfno, sizeof oinfno, err));
    if (strcmp(oinfno, "2207") && strcmp(oinfno, "2207A"))
        return yb_err_set(err, YB_E_INVALID, "input.data.oinfno", oinfno, "冲正只支持结算交易 2207 (only 2207 can be reversed here)");
    /* the original's recorded reply (msg_log, written with the settlement; packed, mostly) names
     * its settlement */
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db,
                      "SELECT reply FROM msg_log WHERE fixmedins_code=?1 AND msgid=?2 AND infno IN ('2207', '2207A')",
                      &st, err));
    sqlite3_bind_text(st, 1, r->fix, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, omsgid, -1, SQLITE_STATIC);
    char setl[32] = "", *orig = NULL;
    yb_rc rc = YB_OK;
    if (sqlite3_step(st) == SQLITE_ROW) rc = yb_col_unpacked(st, 0, &orig, err);
    yb_db_done(st);
    if (rc) return rc;
    if (orig) {
        json_object *o = json_tokener_parse(orig), *v;
        if (o && json_object_object_get_ex(o, "output", &v) && json_object_object_get_ex(v, "setlinfo", &v) &&
            json_object_object_get_ex(v, "setl_id", &v) && json_object_is_type(v, json_type_string))
            snprintf(setl, sizeof setl, "%s", json_object_get_string(v));
        if (o) json_object_put(o);
        free(orig);
    }
    if (!setl[0]) return yb_err_set(err, YB_E_NOTFOUND, "input.data.omsgid", omsgid, "原交易不存在 (no settlement with this msgid)");
    return reverse_and_reply(f, setl, psn, w, err);
}

/* ------------------------------------------------------------------ reconciliation and queries */

/* 3201: the institution's totals for a period against ours (settlements and their reversals). */
static yb_rc h_reconcile(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "data", err);
    if (!n) return err->rc;
    char insutype[8], begn[24], end[24], refd[4];
    TRY(str_at(n, "insutype", "input.data", 0, insutype, sizeof insutype, err));
    TRY(str_at(n, "stmt_begndate", "input.data", 1, begn, sizeof begn, err));
    TRY(str_at(n, "stmt_enddate", "input.data", 1, end, sizeof end, err));
    TRY(str_at(n, "refd_setl_flag", "input.data", 0, refd, sizeof refd, err));
    yb_date b0, e0;
    if (yb_date_parse(begn, strnlen(begn, 10), &b0)) return yb_err_set(err, YB_E_INVALID, "input.data.stmt_begndate", begn, "not a date");
    if (yb_date_parse(end, strnlen(end, 10), &e0)) return yb_err_set(err, YB_E_INVALID, "input.data.stmt_enddate", end, "not a date");
    yb_fen theirs[3];
    static const char *const keys[] = {"medfee_sumamt", "fund_pay_sumamt", "acct_pay"};
    for (int i = 0; i < 3; i++) {
        char p[64];
        snprintf(p, sizeof p, "input.data.%s", keys[i]);
        TRY(yb_json_money(get(n, keys[i]), p, 1, &theirs[i], err));
    }
    json_object *cnt = get(n, "fixmedins_setl_cnt");
    long long their_cnt = cnt ? json_object_get_int64(cnt) : -1;
    char bb[12], eb[12];
    yb_date_fmt(b0, bb);
    yb_date_fmt(e0, eb);
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db,
                      "SELECT ifnull(sum(medfee_sumamt),0), ifnull(sum(fund_pay_sumamt),0), ifnull(sum(acct_pay),0),"
                      " count(*) FROM settlements WHERE fixmedins_code=?1 AND (?2 = '' OR insutype=?2)"
                      " AND substr(setl_time,1,10) BETWEEN ?3 AND ?4 AND (?5 = '' OR refd_setl_flag=CAST(?5 AS INTEGER))",
                      &st, err));
    sqlite3_bind_text(st, 1, r->fix, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, insutype, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, bb, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, eb, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, refd, -1, SQLITE_STATIC);
    yb_fen ours[3] = {0, 0, 0};
    long long our_cnt = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < 3; i++) ours[i] = sqlite3_column_int64(st, i);
        our_cnt = sqlite3_column_int64(st, 3);
    }
    yb_db_done(st);
    char dscr[400] = "";
    size_t used = 0;
    for (int i = 0; i < 3; i++)
        if (ours[i] != theirs[i]) {
            char a[48], b[48];
            used += (size_t)snprintf(dscr + used, sizeof dscr - used, "%s%s 机构%s 中心%s", used ? "; " : "", keys[i],
                                     yb_fen_fmt(theirs[i], a), yb_fen_fmt(ours[i], b));
            if (used >= sizeof dscr) used = sizeof dscr - 1;
        }
    if (their_cnt >= 0 && their_cnt != our_cnt && used < sizeof dscr - 1)
        used += (size_t)snprintf(dscr + used, sizeof dscr - used, "%s笔数 机构%lld 中心%lld", used ? "; " : "", their_cnt, our_cnt);
    yb_jw_open(w, '{');
    yb_jw_key(w, "stmtinfo");
    yb_jw_open(w, '{');
    yb_jw_key(w, "setl_optins");
    yb_jw_str(w, r->inst_area);
    yb_jw_key(w, "stmt_rslt");
    yb_jw_str(w, used ? "1" : "0");
    yb_jw_key(w, "stmt_rslt_dscr");
    yb_jw_str(w, used ? dscr : "对账一致");
    yb_jw_close(w, '}');
    yb_jw_close(w, '}');
    return YB_OK;
}

/* 5203: settlements of a person at this institution (by setl_id or mdtrt_id when given). */
static yb_rc h_q_settlements(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "data", err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], setl[32], mdtrt[YB_ID_MAX];
    TRY(str_at(n, "psn_no", "input.data", 1, psn, sizeof psn, err));
    TRY(str_at(n, "setl_id", "input.data", 0, setl, sizeof setl, err));
    TRY(str_at(n, "mdtrt_id", "input.data", 0, mdtrt, sizeof mdtrt, err));
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db,
                      "SELECT setl_id, mdtrt_id, insutype, ifnull(med_type,''), setl_time, medfee_sumamt, fund_pay_sumamt,"
                      " hifp_pay, psn_part_amt, acct_pay, psn_cash_pay, refd_setl_flag, ifnull(init_setl_id,'') FROM settlements"
                      " WHERE mdtrt_id IN (SELECT mdtrt_id FROM visits WHERE psn_no=?1) AND psn_no=?1 AND fixmedins_code=?2"
                      " AND (?3 = '' OR setl_id=?3) AND (?4 = '' OR mdtrt_id=?4)"
                      " ORDER BY setl_id LIMIT 500",
                      &st, err));
    sqlite3_bind_text(st, 1, psn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->fix, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, setl, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, mdtrt, -1, SQLITE_STATIC);
    static const char *const tk[] = {"setl_id", "mdtrt_id", "insutype", "med_type", "setl_time"};
    static const char *const mk[] = {"medfee_sumamt", "fund_pay_sumamt", "hifp_pay", "psn_part_amt", "acct_pay", "psn_cash_pay"};
    yb_jw_open(w, '{');
    yb_jw_key(w, "setlinfo");
    yb_jw_open(w, '[');
    while (sqlite3_step(st) == SQLITE_ROW) {
        yb_jw_open(w, '{');
        for (int i = 0; i < 5; i++) {
            yb_jw_key(w, tk[i]);
            yb_jw_str(w, col_text(st, i));
        }
        for (int i = 0; i < 6; i++) {
            yb_jw_key(w, mk[i]);
            yb_jw_money(w, sqlite3_column_int64(st, 5 + i));
        }
        yb_jw_key(w, "refd_setl_flag");
        yb_jw_str(w, sqlite3_column_int(st, 11) ? "1" : "0");
        yb_jw_key(w, "init_setl_id");
        yb_jw_str(w, col_text(st, 12)[0] ? col_text(st, 12) : NULL);
        yb_jw_close(w, '}');
    }
    yb_db_done(st);
    yb_jw_close(w, ']');
    yb_jw_close(w, '}');
    return YB_OK;
}

/* 5206: a person's accumulators (cum_ym yyyyMM selects the year; empty = every year). */
static yb_rc h_q_accum(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "data", err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], ym[12];
    TRY(str_at(n, "psn_no", "input.data", 1, psn, sizeof psn, err));
    TRY(str_at(n, "cum_ym", "input.data", 0, ym, sizeof ym, err));
    int year = 0;
    if (ym[0]) {
        if (strlen(ym) < 4 || ym[0] < '1' || ym[0] > '9') return yb_err_set(err, YB_E_INVALID, "input.data.cum_ym", ym, "yyyyMM expected");
        for (int i = 0; i < 4; i++) {
            if (ym[i] < '0' || ym[i] > '9') return yb_err_set(err, YB_E_INVALID, "input.data.cum_ym", ym, "yyyyMM expected");
            year = year * 10 + (ym[i] - '0');
        }
    }
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db,
                      "SELECT insutype, year, key, value FROM accum WHERE psn_no=?1 AND (?2 = 0 OR year=?2) AND value <> 0"
                      " ORDER BY insutype, year, key",
                      &st, err));
    sqlite3_bind_text(st, 1, psn, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, year);
    yb_jw_open(w, '{');
    yb_jw_key(w, "cuminfo");
    yb_jw_open(w, '[');
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *key = col_text(st, 2);
        yb_jw_open(w, '{');
        yb_jw_key(w, "insutype");
        yb_jw_str(w, col_text(st, 0));
        yb_jw_key(w, "year");
        yb_jw_int(w, sqlite3_column_int(st, 1));
        yb_jw_key(w, "cum_type_code");
        yb_jw_str(w, key);
        yb_jw_key(w, "cum");
        if (!strncmp(key, "adm/", 4)) yb_jw_int(w, sqlite3_column_int64(st, 3));
        else yb_jw_money(w, sqlite3_column_int64(st, 3));
        yb_jw_close(w, '}');
    }
    yb_db_done(st);
    yb_jw_close(w, ']');
    yb_jw_close(w, '}');
    return YB_OK;
}

/* 1301 (drugs), 1305 (service items), 1306 (consumables): the catalogue in pages. The list type
 * picks the entries (drugs 1xx, items 2xx, consumables 3xx); page_num from 1, page_size 1..1000. */
static yb_rc h_catalog(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "data", err);
    if (!n) return err->rc;
    long long page = 1, size = 100;
    json_object *x;
    if ((x = get(n, "page_num"))) page = json_object_get_int64(x);
    if ((x = get(n, "page_size"))) size = json_object_get_int64(x);
    if (page < 1) return yb_err_set(err, YB_E_INVALID, "input.data.page_num", yb_json_text_of(get(n, "page_num")), "pages count from 1");
    if (size < 1 || size > 1000)
        return yb_err_set(err, YB_E_INVALID, "input.data.page_size", yb_json_text_of(get(n, "page_size")), "page_size is 1..1000");
    const char *prefix = !strcmp(r->infno, "1301") ? "1" : !strcmp(r->infno, "1305") ? "2" : "3";
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db, "SELECT count(*) FROM catalog WHERE substr(list_type,1,1)=?1", &st, err));
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
    long long total = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    yb_db_done(st);
    TRY(yb_db_prepare(f->db,
                      "SELECT med_list_codg, name, list_type, chrgitm_lv, selfpay_prop, cap1, cap2, cap3, begndate,"
                      " ifnull(enddate,''), admdvs FROM catalog WHERE substr(list_type,1,1)=?1"
                      " ORDER BY med_list_codg, admdvs, begndate LIMIT ?2 OFFSET ?3",
                      &st, err));
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, size);
    sqlite3_bind_int64(st, 3, (page - 1) * size);
    yb_jw_open(w, '{');
    yb_jw_key(w, "recordCounts");
    yb_jw_int(w, total);
    yb_jw_key(w, "pages");
    yb_jw_int(w, (total + size - 1) / size);
    yb_jw_key(w, "pageNum");
    yb_jw_int(w, page);
    yb_jw_key(w, "pageSize");
    yb_jw_int(w, size);
    yb_jw_key(w, "data");
    yb_jw_open(w, '[');
    while (sqlite3_step(st) == SQLITE_ROW) {
        yb_jw_open(w, '{');
        static const char *const tk[] = {"med_list_codg", "name", "list_type", "chrgitm_lv"};
        for (int i = 0; i < 4; i++) {
            yb_jw_key(w, tk[i]);
            yb_jw_str(w, col_text(st, i));
        }
        yb_jw_key(w, "selfpay_prop");
        yb_jw_dec(w, sqlite3_column_int64(st, 4), YB_RATIO_SCALE);
        for (int k = 0; k < 3; k++) {
            char key[32];
            snprintf(key, sizeof key, "pric_uplmt_amt_lv%d", k + 1);
            yb_jw_key(w, key);
            if (sqlite3_column_type(st, 5 + k) == SQLITE_NULL) yb_jw_null(w);
            else yb_jw_dec(w, sqlite3_column_int64(st, 5 + k), YB_PRICE_SCALE);
        }
        yb_jw_key(w, "begndate");
        yb_jw_str(w, col_text(st, 8));
        yb_jw_key(w, "enddate");
        yb_jw_str(w, col_text(st, 9)[0] ? col_text(st, 9) : NULL);
        yb_jw_key(w, "admdvs");
        yb_jw_str(w, col_text(st, 10)[0] ? col_text(st, 10) : NULL);
        yb_jw_close(w, '}');
    }
    yb_db_done(st);
    yb_jw_close(w, ']');
    yb_jw_close(w, '}');
    return YB_OK;
}

/* 5201: a person's visits at this institution; 5204: the fee lines of one of them. */
/* {"<list>": [ {keys[i]: column i as text, null when empty} per row ]} from a bound statement,
 * which is given back. */
static void text_rows(yb_jw *w, const char *list, sqlite3_stmt *st, const char *const *keys, int n) {
    yb_jw_open(w, '{');
    yb_jw_key(w, list);
    yb_jw_open(w, '[');
    while (sqlite3_step(st) == SQLITE_ROW) {
        yb_jw_open(w, '{');
        for (int i = 0; i < n; i++) {
            yb_jw_key(w, keys[i]);
            yb_jw_str(w, col_text(st, i)[0] ? col_text(st, i) : NULL);
        }
        yb_jw_close(w, '}');
    }
    yb_db_done(st);
    yb_jw_close(w, ']');
    yb_jw_close(w, '}');
}

/* 2001 人员待遇享受检查: may the person be treated under this insurance type and visit type here
 * on this date? One row per check (trt_chk_type): 01 enrolment in the insurance type, 02 a
 * benefit block of the person's area's policy in force on the date covers the visit type, 03
 * (inpatient visit types) not in hospital already. trt_enjymnt_flag 1 = may, 0 = may not, with
 * the reason in trt_chk_rslt. Reads only. */
static yb_rc h_benefit(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "data", err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], insutype[8], med[12];
    TRY(str_at(n, "psn_no", "input.data", 1, psn, sizeof psn, err));
    TRY(str_at(n, "insutype", "input.data", 1, insutype, sizeof insutype, err));
    TRY(str_at(n, "med_type", "input.data", 1, med, sizeof med, err));
    yb_datetime bt;
    TRY(time_at(n, "begntime", "input.data", 1, " 00:00:00", &bt, err));
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db,
                      "SELECT p.insu_admdvs, ifnull(pi.insu_admdvs, p.insu_admdvs), pi.insutype IS NOT NULL FROM persons p"
                      " LEFT JOIN person_insu pi ON pi.psn_no = p.psn_no AND pi.insutype = ?2 WHERE p.psn_no = ?1",
                      &st, err));
    sqlite3_bind_text(st, 1, psn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, insutype, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        yb_db_done(st);
        return yb_err_set(err, YB_E_NOTFOUND, "input.data.psn_no", psn, "未查询到参保人 (no such insured person)");
    }
    char area[8];
    yb_scopy(area, sizeof area, col_text(st, 1));
    int enrolled = sqlite3_column_int(st, 2);
    yb_db_done(st);
    char why[3][160];
    int okv[3], nchk = 2;
    okv[0] = enrolled;
    snprintf(why[0], sizeof why[0], enrolled ? "参保险种%s" : "未参加险种%s (not enrolled in this insurance type)", insutype);
    const yb_policy *pol = yb_refdata_policy(f->rd, area, yb_datetime_date(bt));
    const yb_insutype_policy *ip = pol ? yb_policy_insutype(pol, insutype) : NULL;
    const yb_block *blk = ip ? yb_policy_block(ip, med) : NULL;
    okv[1] = blk != NULL;
    if (blk) snprintf(why[1], sizeof why[1], "医疗类别%s按%s待遇结算 (policy %s %s)", med, blk->name, pol->admdvs, pol->version);
    else if (!pol) snprintf(why[1], sizeof why[1], "参保地%s在该日期无有效待遇政策 (no policy in force)", area);
    else snprintf(why[1], sizeof why[1], "险种%s无医疗类别%s的待遇 (no benefit for this visit type)", insutype, med);
    if (med[0] == '2' || !strcmp(med, "52")) {
        char other[YB_ID_MAX] = "";
        TRY(yb_db_prepare(f->db,
                          "SELECT mdtrt_id FROM visits WHERE psn_no=?1 AND state='registered' AND endtime IS NULL"
                          " AND (med_type LIKE '2%' OR med_type='52') LIMIT 1",
                          &st, err));
        sqlite3_bind_text(st, 1, psn, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) snprintf(other, sizeof other, "%s", col_text(st, 0));
        yb_db_done(st);
        okv[2] = !other[0];
        snprintf(why[2], sizeof why[2], other[0] ? "在院中，就诊%s未出院 (in hospital already)" : "无在院记录", other);
        nchk = 3;
    }
    static const char *const type[] = {"01", "02", "03"};
    char d[11];
    yb_date_fmt(yb_datetime_date(bt), d);
    yb_jw_open(w, '{');
    yb_jw_key(w, "trtinfo");
    yb_jw_open(w, '[');
    for (int i = 0; i < nchk; i++) {
        yb_jw_open(w, '{');
        yb_jw_key(w, "psn_no");
        yb_jw_str(w, psn);
        yb_jw_key(w, "trt_chk_type");
        yb_jw_str(w, type[i]);
        yb_jw_key(w, "fund_pay_type");
        yb_jw_str(w, i == 1 && blk ? blk->fund_pay_type : NULL);
        yb_jw_key(w, "trt_enjymnt_flag");
        yb_jw_str(w, okv[i] ? "1" : "0");
        yb_jw_key(w, "begndate");
        yb_jw_str(w, d);
        yb_jw_key(w, "enddate");
        yb_jw_str(w, NULL);
        yb_jw_key(w, "trt_chk_rslt");
        yb_jw_str(w, why[i]);
        yb_jw_close(w, '}');
    }
    yb_jw_close(w, ']');
    yb_jw_close(w, '}');
    return YB_OK;
}

/* The statement sql (?1 = the visit) for the visit of data{psn_no, mdtrt_id}, which must be the
 * person's and this institution's (settled or not). */
static yb_rc visit_query(yb_fsi *f, req *r, const char *sql, sqlite3_stmt **st, yb_err *err) {
    json_object *n = node(r, "data", err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], mdtrt[YB_ID_MAX];
    visit_row v;
    TRY(person_visit(f, r, n, "input.data", 0, mdtrt, psn, &v, err));
    TRY(yb_db_prepare(f->db, sql, st, err));
    sqlite3_bind_text(*st, 1, mdtrt, -1, SQLITE_TRANSIENT);
    return YB_OK;
}

/* 5202: a visit's diagnoses at this institution. */
static yb_rc h_q_diags(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    sqlite3_stmt *st;
    TRY(visit_query(f, r,
                    "SELECT mdtrt_id, diag_type, diag_srt_no, diag_code, diag_name, maindiag_flag, diag_time FROM visit_diags"
                    " WHERE mdtrt_id=?1 ORDER BY seq",
                    &st, err));
    static const char *const k[] = {"mdtrt_id", "diag_type", "diag_srt_no", "diag_code", "diag_name", "maindiag_flag", "diag_time"};
    text_rows(w, "diseinfo", st, k, 7);
    return YB_OK;
}

static yb_rc h_q_visits(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "data", err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], mdtrt[YB_ID_MAX];
    TRY(str_at(n, "psn_no", "input.data", 1, psn, sizeof psn, err));
    TRY(str_at(n, "mdtrt_id", "input.data", 0, mdtrt, sizeof mdtrt, err));
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db,
                      "SELECT mdtrt_id, insutype, med_type, ifnull(begntime,''), ifnull(endtime,''), state FROM visits"
                      " WHERE psn_no=?1 AND fixmedins_code=?2 AND (?3 = '' OR mdtrt_id=?3) ORDER BY begntime LIMIT 500",
                      &st, err));
    sqlite3_bind_text(st, 1, psn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->fix, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, mdtrt, -1, SQLITE_STATIC);
    static const char *const k[] = {"mdtrt_id", "insutype", "med_type", "begntime", "endtime", "state"};
    text_rows(w, "mdtrtinfo", st, k, 6);
    return YB_OK;
}

/* 5205 慢特病用药记录: the drug lines (catalogue list_type 1xx, else codes of drugs: X… western,
 * Z… patent Chinese, T… decoction pieces) of the person's settled chronic and special disease
 * outpatient visits (med_type 14…) at any institution, from begntime to endtime, oldest first
 * (at most 1000). */
static yb_rc h_q_chronic(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    json_object *n = node(r, "data", err);
    if (!n) return err->rc;
    char psn[YB_ID_MAX], tb_s[20], te_s[20];
    TRY(str_at(n, "psn_no", "input.data", 1, psn, sizeof psn, err));
    yb_datetime tb, te;
    TRY(time_at(n, "begntime", "input.data", 1, " 00:00:00", &tb, err));
    TRY(time_at(n, "endtime", "input.data", 1, " 23:59:59", &te, err));
    yb_datetime_fmt(tb, tb_s);
    yb_datetime_fmt(te, te_s);
    if (te < tb) return yb_err_set(err, YB_E_INVALID, "input.data.endtime", te_s, "结束时间早于开始时间 (before begntime)");
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db,
                      "SELECT l.mdtrt_id, v.fixmedins_code, v.med_type, l.feedetl_sn, l.med_list_codg, ifnull(l.fee_ocur_time,''),"
                      " l.cnt, l.pric, l.det_item_fee_sumamt, l.setl_id FROM fee_lines l JOIN visits v ON v.mdtrt_id = l.mdtrt_id"
                      " LEFT JOIN catalog c ON c.med_list_codg = l.med_list_codg"
                      " WHERE v.psn_no=?1 AND v.state='settled' AND v.med_type LIKE '14%' AND l.setl_id IS NOT NULL"
                      " AND ifnull(l.fee_ocur_time, v.begntime) BETWEEN ?2 AND ?3"
                      " AND (c.list_type LIKE '1%' OR (c.list_type IS NULL AND substr(l.med_list_codg, 1, 1) IN ('X','Z','T')))"
                      " GROUP BY l.mdtrt_id, l.feedetl_sn ORDER BY ifnull(l.fee_ocur_time, v.begntime), l.mdtrt_id LIMIT 1000",
                      &st, err));
    sqlite3_bind_text(st, 1, psn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, tb_s, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, te_s, -1, SQLITE_STATIC);
    static const char *const k[] = {"mdtrt_id", "fixmedins_code", "med_type", "feedetl_sn", "med_list_codg", "fee_ocur_time"};
    yb_jw_open(w, '{');
    yb_jw_key(w, "feedetail");
    yb_jw_open(w, '[');
    while (sqlite3_step(st) == SQLITE_ROW) {
        yb_jw_open(w, '{');
        for (int i = 0; i < 6; i++) {
            yb_jw_key(w, k[i]);
            yb_jw_str(w, col_text(st, i)[0] ? col_text(st, i) : NULL);
        }
        yb_jw_key(w, "cnt");
        yb_jw_dec(w, sqlite3_column_int64(st, 6), YB_QTY_SCALE);
        yb_jw_key(w, "pric");
        yb_jw_dec(w, sqlite3_column_int64(st, 7), YB_PRICE_SCALE);
        yb_jw_key(w, "det_item_fee_sumamt");
        yb_jw_money(w, sqlite3_column_int64(st, 8));
        yb_jw_key(w, "setl_id");
        yb_jw_str(w, col_text(st, 9));
        yb_jw_close(w, '}');
    }
    yb_db_done(st);
    yb_jw_close(w, ']');
    yb_jw_close(w, '}');
    return YB_OK;
}

static yb_rc h_q_lines(yb_fsi *f, req *r, yb_jw *w, yb_err *err) {
    sqlite3_stmt *st;
    TRY(visit_query(f, r,
                    "SELECT feedetl_sn, med_list_codg, ifnull(fee_ocur_time,''), cnt, pric, det_item_fee_sumamt,"
                    " ifnull(setl_id,'') FROM fee_lines WHERE mdtrt_id=?1 ORDER BY rowid",
                    &st, err));
    yb_jw_open(w, '{');
    yb_jw_key(w, "feedetail");
    yb_jw_open(w, '[');
    while (sqlite3_step(st) == SQLITE_ROW) {
        yb_jw_open(w, '{');
        yb_jw_key(w, "feedetl_sn");
        yb_jw_str(w, col_text(st, 0));
        yb_jw_key(w, "med_list_codg");
        yb_jw_str(w, col_text(st, 1));
        yb_jw_key(w, "fee_ocur_time");
        yb_jw_str(w, col_text(st, 2)[0] ? col_text(st, 2) : NULL);
        yb_jw_key(w, "cnt");
        yb_jw_dec(w, sqlite3_column_int64(st, 3), YB_QTY_SCALE);
        yb_jw_key(w, "pric");
        yb_jw_dec(w, sqlite3_column_int64(st, 4), YB_PRICE_SCALE);
        yb_jw_key(w, "det_item_fee_sumamt");
        yb_jw_money(w, sqlite3_column_int64(st, 5));
        yb_jw_key(w, "setl_id");
        yb_jw_str(w, col_text(st, 6)[0] ? col_text(st, 6) : NULL);
        yb_jw_close(w, '}');
    }
    yb_db_done(st);
    yb_jw_close(w, ']');
    yb_jw_close(w, '}');
    return YB_OK;
}

/* ------------------------------------------------------------------ dispatch */

typedef yb_rc (*handler)(yb_fsi *, req *, yb_jw *, yb_err *);

static yb_rc h_presettle(yb_fsi *f, req *r, yb_jw *w, yb_err *err) { return h_settle(f, r, w, 1, err); }
static yb_rc h_dosettle(yb_fsi *f, req *r, yb_jw *w, yb_err *err) { return h_settle(f, r, w, 0, err); }

static const struct {
    const char *infno;
    handler fn;
    int own_tx;   /* the handler's service opens its own transaction */
    int writes;   /* record in msg_log */
} table[] = {
    {"9001", h_signin, 0, 1},       {"9002", h_signout, 0, 1},        {"1101", h_person, 0, 0},
    {"1201", h_medins, 0, 0},       {"2201", h_register, 0, 1},       {"2202", h_unregister, 0, 1},
    {"2203", h_visitinfo, 0, 1},    {"2203A", h_visitinfo, 0, 1},     {"2204", h_feeup, 0, 1},
    {"2205", h_feecancel, 0, 1},    {"2206", h_presettle, 1, 0},      {"2206A", h_presettle, 1, 0},
    {"2207", h_dosettle, 1, 1},     {"2207A", h_dosettle, 1, 1},      {"2208", h_setl_cancel, 1, 1},
    {"2601", h_reversal, 1, 1},
    {"2401", h_admit, 0, 1},        {"2402", h_discharge, 0, 1},      {"2404", h_unregister, 0, 1},
    {"2405", h_undischarge, 0, 1},  {"2301", h_feeup, 0, 1},          {"2302", h_line_cancel, 0, 1},
    {"2303", h_presettle, 1, 0},    {"2304", h_dosettle, 1, 1},       {"2305", h_setl_cancel, 1, 1},
    {"3201", h_reconcile, 0, 0},    {"5203", h_q_settlements, 0, 0},  {"5206", h_q_accum, 0, 0},
    {"1301", h_catalog, 0, 0},      {"1305", h_catalog, 0, 0},        {"1306", h_catalog, 0, 0},
    {"5201", h_q_visits, 0, 0},     {"5204", h_q_lines, 0, 0},
    {"5202", h_q_diags, 0, 0},      {"5205", h_q_chronic, 0, 0},      {"2001", h_benefit, 0, 0},      {"3101", h_audit, 0, 0},        {"3102", h_audit, 0, 0},
};

/* A transaction that only reads: nothing recorded in the message log, no service's own
 * transaction (a settlement or pre-settlement). */
static int reads_only(size_t k) { return !table[k].writes && !table[k].own_tx; }

static void stamp(char out[18]) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char b[16];
    strftime(b, sizeof b, "%Y%m%d%H%M%S", &tm);
    snprintf(out, 18, "%s%03d", b, (int)(tv.tv_usec / 1000) % 1000);
}

static char *envelope(yb_fsi *f, const char *recv_time, const yb_err *e, const char *output) {
    char ref[40], now[18];
    stamp(now);
    unsigned long seq = __atomic_add_fetch(f->seqp ? f->seqp : &f->seq, 1, __ATOMIC_RELAXED);
    /* "%.6s%.14s%010lu" of area, time and sequence, without snprintf (every reply has one) */
    char sq[24];
    memcpy(ref, f->area[0] ? f->area : "000000", 6);
    size_t n = strnlen(ref, 6);
    memcpy(ref + n, now, 14); /* now: 17 digits */
    ref[n + 14] = '\0';
    yb_scat(ref, sizeof ref, yb_sint(sq, (long long)(seq % 10000000000ul), 10));
    yb_jw w;
    yb_jw_init(&w);
    yb_jw_open(&w, '{');
    YB_JW_KEY(&w, "infcode");
    yb_jw_int(&w, e ? -1 : 0);
    YB_JW_KEY(&w, "inf_refmsgid");
    yb_jw_str(&w, ref);
    YB_JW_KEY(&w, "refmsg_time");
    yb_jw_str(&w, recv_time);
    YB_JW_KEY(&w, "respond_time");
    yb_jw_str(&w, now);
    YB_JW_KEY(&w, "err_msg");
    if (e) {
        char msg[700], d[600];
        yb_err_fmt(e, d, sizeof d);
        snprintf(msg, sizeof msg, "FSI-%s", d);
        yb_jw_str(&w, msg);
    } else {
        yb_jw_str(&w, "success");
    }
    YB_JW_KEY(&w, "warn_msg");
    yb_jw_null(&w);
    YB_JW_KEY(&w, "cainfo");
    yb_jw_null(&w);
    YB_JW_KEY(&w, "signtype");
    yb_jw_null(&w);
    YB_JW_KEY(&w, "output");
    if (output) yb_jw_raw(&w, output);
    else yb_jw_null(&w);
    yb_jw_close(&w, '}');
    return yb_jw_finish(&w);
}

/* The institution the signature proves, "" for an unsigned request. */
static yb_rc authenticate(yb_fsi *f, const yb_fsi_auth *a, const char *body, size_t len, char caller[32], yb_err *err) {
    caller[0] = '\0';
    if (!a || ((!a->key || !*a->key) && (!a->signature || !*a->signature))) return YB_OK;
    if (!a->key || !*a->key) return yb_err_set(err, YB_E_PERM, "x-ca-key", "", "签名缺少机构编码 (x-ca-key missing)");
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db, "SELECT secret_e FROM institutions WHERE fixmedins_code=?1", &st, err));
    sqlite3_bind_text(st, 1, a->key, -1, SQLITE_STATIC);
    int found = sqlite3_step(st) == SQLITE_ROW;
    char secret[256] = ""; /* sealed at rest (store/pdata.c); opened here only for the check, then wiped */
    yb_rc rc = YB_OK;
    if (found && sqlite3_column_type(st, 0) == SQLITE_BLOB)
        rc = yb_pd_open(f->db, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), secret, sizeof secret, err);
    yb_db_done(st);
    if (!rc && !found) rc = yb_err_set(err, YB_E_PERM, "x-ca-key", a->key, "定点医药机构不存在 (unknown institution)");
    else if (!rc && !secret[0]) rc = yb_err_set(err, YB_E_PERM, "x-ca-key", a->key, "机构未配置密钥 (the institution has no secret)");
    if (!rc) rc = yb_sign_verify(secret, a->signature, body, len, a->now, a->window > 0 ? a->window : 300, err);
    sodium_memzero(secret, sizeof secret); /* on every path: a failed open may have written into it */
    if (rc) return rc;
    yb_scopy(caller, 32, a->key);
    return YB_OK;
}

static yb_rc check_envelope(yb_fsi *f, req *r, const char *caller, yb_err *err) {
    if (json_object_get_type(r->root) != json_type_object)
        return yb_err_set(err, YB_E_INVALID, "", NULL, "报文不是JSON对象 (the message is not a JSON object)");
    TRY(str_at(r->root, "infno", "", 1, r->infno, sizeof r->infno, err));
    TRY(str_at(r->root, "msgid", "", 1, r->msgid, sizeof r->msgid, err));
    TRY(str_at(r->root, "fixmedins_code", "", 1, r->fix, sizeof r->fix, err));
    TRY(str_at(r->root, "mdtrtarea_admvs", "", 0, r->area, sizeof r->area, err));
    TRY(str_at(r->root, "insuplc_admdvs", "", 0, r->insuplc, sizeof r->insuplc, err));
    TRY(str_at(r->root, "sign_no", "", 0, r->sign_no, sizeof r->sign_no, err));
    r->input = get(r->root, "input");
    if (!r->input || json_object_get_type(r->input) != json_type_object)
        return yb_err_set(err, YB_E_INVALID, "input", NULL, "required object missing");
    if (caller[0] && strcmp(caller, r->fix))
        return yb_err_set(err, YB_E_PERM, "fixmedins_code", r->fix, "机构编码与签名不符 (the code differs from the signing institution)");
    /* the institution and the sign-in, memoised on the connection (read by every request; the
     * connection forgets them when either table changes, yb_db_memo_get) */
    struct {
        char lv[sizeof r->inst_lv], area[sizeof r->inst_area];
        int has_secret;
    } inst;
    if (yb_db_memo_get(f->db, MEMO_INSTITUTION, r->fix, &inst, sizeof inst) != (int)sizeof inst) {
        sqlite3_stmt *st;
        TRY(yb_db_prepare(f->db, "SELECT hosp_lv, admdvs, secret_e IS NOT NULL FROM institutions WHERE fixmedins_code=?1", &st, err));
        sqlite3_bind_text(st, 1, r->fix, -1, SQLITE_STATIC);
        int found = sqlite3_step(st) == SQLITE_ROW;
        if (found) {
            memset(&inst, 0, sizeof inst);
            yb_scopy(inst.lv, sizeof inst.lv, col_text(st, 0));
            yb_scopy(inst.area, sizeof inst.area, col_text(st, 1));
            inst.has_secret = sqlite3_column_int(st, 2);
        }
        yb_db_done(st);
        if (!found) return yb_err_set(err, YB_E_PERM, "fixmedins_code", r->fix, "定点医药机构不存在 (unknown institution)");
        yb_db_memo_put(f->db, MEMO_INSTITUTION, r->fix, &inst, sizeof inst);
    }
    memcpy(r->inst_lv, inst.lv, sizeof r->inst_lv);
    memcpy(r->inst_area, inst.area, sizeof r->inst_area);
    if (inst.has_secret && !caller[0])
        return yb_err_set(err, YB_E_PERM, "x-ca-signature", "", "该机构的请求必须签名 (this institution must sign its requests)");
    if (strcmp(r->infno, "9001") != 0) {
        char key[YB_MEMO_KEY], yes;
        int memo = memo_key2(key, r->sign_no, r->fix);
        if (!memo || yb_db_memo_get(f->db, MEMO_SIGN_IN, key, &yes, 1) != 1) {
            sqlite3_stmt *st;
            TRY(yb_db_prepare(f->db, "SELECT 1 FROM sign_ins WHERE sign_no=?1 AND fixmedins_code=?2 AND signed_out_at IS NULL", &st, err));
            sqlite3_bind_text(st, 1, r->sign_no, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, r->fix, -1, SQLITE_STATIC);
            int found = sqlite3_step(st) == SQLITE_ROW;
            yb_db_done(st);
            if (!found) return yb_err_set(err, YB_E_PERM, "sign_no", r->sign_no, "未签到或签到号无效 (not signed in: call 9001)");
            yes = 1;
            if (memo) yb_db_memo_put(f->db, MEMO_SIGN_IN, key, &yes, 1);
        }
    }
    return YB_OK;
}

/* The recorded reply of this msgid (same body), or an error (other body); NULL when new. */
static yb_rc replay(yb_fsi *f, req *r, char **reply, yb_err *err) {
    *reply = NULL;
    sqlite3_stmt *st;
    TRY(yb_db_prepare(f->db, "SELECT body_hash, reply FROM msg_log WHERE fixmedins_code=?1 AND msgid=?2", &st, err));
    sqlite3_bind_text(st, 1, r->fix, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->msgid, -1, SQLITE_STATIC);
    yb_rc rc = YB_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        if (strcmp(col_text(st, 0), r->hash))
            rc = yb_err_set(err, YB_E_DUPLICATE, "msgid", r->msgid, "报文ID重复且内容不同 (msgid already used for another message)");
        else
            rc = yb_col_unpacked(st, 1, reply, err); /* stored packed when that was smaller */
    }
    yb_db_done(st);
    return rc;
}

/* The reply is stored packed (textpack.h) when that is smaller: a settlement's reply then takes a
 * quarter of the page it would take as text. */
static yb_rc record(yb_fsi *f, req *r, const char *reply, yb_err *err) {
    unsigned char *packed;
    size_t np;
    TRY(yb_pack_text(reply, strlen(reply), &packed, &np, err));
    sqlite3_stmt *st;
    yb_rc rc = yb_db_prepare(f->db, "INSERT INTO msg_log(fixmedins_code, msgid, infno, body_hash, reply) VALUES (?1,?2,?3,?4,?5)", &st, err);
    if (!rc) {
        sqlite3_bind_text(st, 1, r->fix, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, r->msgid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, r->infno, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->hash, -1, SQLITE_STATIC);
        if (packed)
            sqlite3_bind_blob(st, 5, packed, (int)np, SQLITE_STATIC);
        else
            sqlite3_bind_text(st, 5, reply, -1, SQLITE_STATIC);
        rc = yb_db_step_done(f->db, st, err);
        yb_db_done(st);
    }
    free(packed);
    return rc;
}

char *yb_fsi_error_reply(yb_fsi *f, const yb_err *e) {
    char recv[18];
    stamp(recv);
    return envelope(f, recv, e, NULL);
}

void yb_fsi_prepare(const char *body, size_t len, yb_fsi_pre *p) {
    memset(p, 0, sizeof *p);
    stamp(p->recv);
    hash_body(body, len, p->hash);
    p->rc = yb_json_parse(body, len, "request", &p->root, &p->err);
}

int yb_fsi_is_read(const yb_fsi_pre *p) {
    json_object *v;
    if (p->rc || !p->root || !json_object_object_get_ex(p->root, "infno", &v) || !json_object_is_type(v, json_type_string))
        return 0;
    const char *infno = json_object_get_string(v);
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++)
        if (!strcmp(table[k].infno, infno)) return reads_only(k);
    return 0;
}

void yb_fsi_pre_release(yb_fsi_pre *p) {
    if (p->root) json_object_put(p->root);
    p->root = NULL;
}

yb_rc yb_fsi_handle(yb_fsi *f, const char *body, size_t len, const yb_fsi_auth *auth, char **reply) {
    yb_fsi_pre p;
    yb_fsi_prepare(body, len, &p);
    yb_rc rc = yb_fsi_handle_pre(f, body, len, auth, &p, reply);
    yb_fsi_pre_release(&p);
    return rc;
}

yb_rc yb_fsi_handle_pre(yb_fsi *f, const char *body, size_t len, const yb_fsi_auth *auth, yb_fsi_pre *pre, char **reply) {
    char recv[18];
    memcpy(recv, pre->recv, sizeof recv);
    yb_err e;
    yb_err_clear(&e);
    req r;
    memset(&r, 0, sizeof r);
    r.body = body;
    r.len = len;
    memcpy(r.hash, pre->hash, sizeof r.hash);
    char caller[32];
    /* the signature first: an unsigned or wrongly signed request learns nothing of its parse */
    yb_rc rc = authenticate(f, auth, body, len, caller, &e);
    if (!rc && pre->rc) {
        e = pre->err;
        rc = pre->rc;
    }
    if (!rc) r.root = pre->root; /* borrowed: the caller frees it (yb_fsi_pre_release), off the writer */
    if (!rc) rc = check_envelope(f, &r, caller, &e);
    char *prev = NULL;
    if (!rc) rc = replay(f, &r, &prev, &e);
    if (!rc && prev) {
        *reply = prev;
        return YB_OK;
    }
    size_t k = 0;
    if (!rc) {
        while (k < sizeof table / sizeof table[0] && strcmp(table[k].infno, r.infno)) k++;
        if (k == sizeof table / sizeof table[0])
            rc = yb_err_set(&e, YB_E_INVALID, "infno", r.infno, "不支持的交易编号 (transaction not supported)");
    }
    if (!rc && f->readonly && !reads_only(k))
        rc = yb_err_set(&e, YB_E_INTERNAL, "infno", r.infno, "a transaction that writes was sent to a reading context");
    yb_jw w;
    yb_jw_init(&w);
    if (!rc) {
        /* One transaction for the handler, the reply record and the audit-log entry (a service
         * that opens its own transaction runs as a savepoint inside it): a write is either all
         * there with its recorded reply, or not at all. */
        char actor[64];
        snprintf(actor, sizeof actor, "institution %s", r.fix);
        yb_db_set_actor(f->db, actor);
        rc = f->readonly ? yb_db_begin_read(f->db, &e) : yb_db_begin(f->db, &e);
        if (!rc) rc = table[k].fn(f, &r, &w, &e);
        char *out = !rc ? yb_jw_finish(&w) : NULL;
        char *rep = !rc ? envelope(f, recv, NULL, out) : NULL;
        if (!rc && (!out || !rep)) rc = yb_err_set(&e, YB_E_NOMEM, NULL, NULL, "out of memory");
        if (!rc && table[k].writes) rc = record(f, &r, rep, &e);
        /* a settlement's own entry (action settle: setl_id, mdtrt_id and msgid) records it already */
        if (!rc && table[k].writes && table[k].fn != h_dosettle) {
            char action[16];
            snprintf(action, sizeof action, "fsi.%s", r.infno);
            rc = yb_alog_append(f->db, yb_db_actor(f->db), action, r.msgid, NULL, &e);
        }
        if (!rc) rc = yb_db_commit(f->db, &e);
        free(out);
        if (rc) {
            yb_db_rollback(f->db);
            free(rep);
        } else {
            *reply = rep;
        }
    }
    if (rc) {
        char *junk = yb_jw_finish(&w);
        free(junk);
        *reply = envelope(f, recv, &e, NULL);
    }
    return rc;
}
