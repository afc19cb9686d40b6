/*
 * visit_json.c — the one-visit document and the interface replies (see include/yibao/visit_json.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/json_num.h"
#include "yibao/visit_json.h"

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

/* Optional string field: absent or null leaves out unchanged. */
static yb_rc opt_str(json_object *o, const char *k, const char *path, char *out, size_t cap, yb_err *err) {
    json_object *v = get(o, k);
    if (!v) return YB_OK;
    char p[128];
    snprintf(p, sizeof p, "%s.%s", path, k);
    return yb_json_str(v, p, out, cap, err);
}

static yb_rc req_str(json_object *o, const char *k, const char *path, char *out, size_t cap, yb_err *err) {
    char p[128];
    snprintf(p, sizeof p, "%s.%s", path, k);
    json_object *v = get(o, k);
    if (!v) return yb_err_set(err, YB_E_INVALID, p, NULL, "required field missing");
    TRY(yb_json_str(v, p, out, cap, err));
    if (!out[0]) return yb_err_set(err, YB_E_INVALID, p, "", "required field is empty");
    return YB_OK;
}

static yb_rc opt_time(json_object *o, const char *k, const char *path, yb_datetime *out, yb_err *err) {
    json_object *v = get(o, k);
    if (!v) return YB_OK;
    const char *t = yb_json_text_of(v);
    if (t && !*t) return YB_OK;
    char p[128];
    snprintf(p, sizeof p, "%s.%s", path, k);
    return yb_json_datetime(v, p, out, err);
}

static yb_rc parse_line(json_object *o, size_t i, yb_line *l, yb_err *err) {
    char path[64], p[128];
    snprintf(path, sizeof path, "input.feedetail[%zu]", i);
    if (json_object_get_type(o) != json_type_object)
        return yb_err_set(err, YB_E_INVALID, path, NULL, "a fee line object expected");
    memset(l, 0, sizeof *l);
    l->fee_ocur_time = YB_DATETIME_NONE;
    TRY(req_str(o, "feedetl_sn", path, l->feedetl_sn, sizeof l->feedetl_sn, err));
    TRY(req_str(o, "med_list_codg", path, l->med_list_codg, sizeof l->med_list_codg, err));
    TRY(opt_time(o, "fee_ocur_time", path, &l->fee_ocur_time, err));
    json_object *v;
    snprintf(p, sizeof p, "%s.cnt", path);
    if (!(v = get(o, "cnt"))) return yb_err_set(err, YB_E_INVALID, p, NULL, "required field missing");
    TRY(yb_json_qty(v, p, 1, &l->cnt, err));
    snprintf(p, sizeof p, "%s.pric", path);
    if (!(v = get(o, "pric"))) return yb_err_set(err, YB_E_INVALID, p, NULL, "required field missing");
    TRY(yb_json_price(v, p, &l->pric, err));
    snprintf(p, sizeof p, "%s.det_item_fee_sumamt", path);
    if (!(v = get(o, "det_item_fee_sumamt"))) return yb_err_set(err, YB_E_INVALID, p, NULL, "required field missing");
    TRY(yb_json_money(v, p, 1, &l->sumamt, err));
    return YB_OK;
}

static yb_rc parse_doc(json_object *root, yb_visit_doc *d, yb_err *err) {
    if (json_object_get_type(root) != json_type_object)
        return yb_err_set(err, YB_E_INVALID, "", NULL, "an interface envelope object expected");
    TRY(opt_str(root, "infno", "", d->infno, sizeof d->infno, err));
    TRY(opt_str(root, "msgid", "", d->msgid, sizeof d->msgid, err));
    TRY(opt_str(root, "fixmedins_code", "", d->fixmedins_code, sizeof d->fixmedins_code, err));
    TRY(opt_str(root, "fixmedins_name", "", d->fixmedins_name, sizeof d->fixmedins_name, err));
    TRY(req_str(root, "mdtrtarea_admvs", "", d->visit.mdtrtarea_admvs, sizeof d->visit.mdtrtarea_admvs, err));
    TRY(opt_str(root, "insuplc_admdvs", "", d->insuplc_admdvs, sizeof d->insuplc_admdvs, err));
    json_object *input = get(root, "input");
    if (!input || json_object_get_type(input) != json_type_object)
        return yb_err_set(err, YB_E_INVALID, "input", NULL, "required object missing");
    json_object *data = get(input, "data");
    if (!data || json_object_get_type(data) != json_type_object)
        return yb_err_set(err, YB_E_INVALID, "input.data", NULL, "required object missing");
    const char *dp = "input.data";
    yb_person *psn = &d->person;
    yb_visit *v = &d->visit;
    TRY(req_str(data, "psn_no", dp, psn->psn_no, sizeof psn->psn_no, err));
    TRY(req_str(data, "mdtrt_id", dp, v->mdtrt_id, sizeof v->mdtrt_id, err));
    TRY(req_str(data, "med_type", dp, v->med_type, sizeof v->med_type, err));
    TRY(req_str(data, "insutype", dp, psn->insutype, sizeof psn->insutype, err));
    TRY(req_str(data, "hosp_lv", dp, v->hosp_lv, sizeof v->hosp_lv, err));
    TRY(opt_str(data, "rloc_type", dp, v->rloc_type, sizeof v->rloc_type, err));
    snprintf(v->fixmedins_code, sizeof v->fixmedins_code, "%s", d->fixmedins_code);
    strcpy(psn->insu_admdvs, d->insuplc_admdvs[0] ? d->insuplc_admdvs : v->mdtrtarea_admvs);
    v->begntime = v->endtime = YB_DATETIME_NONE;
    TRY(opt_time(data, "begntime", dp, &v->begntime, err));
    TRY(opt_time(data, "endtime", dp, &v->endtime, err));
    if (v->begntime == YB_DATETIME_NONE)
        return yb_err_set(err, YB_E_INVALID, "input.data.begntime", NULL, "required field missing");
    json_object *x;
    if ((x = get(data, "acct_used_flag"))) TRY(yb_json_flag(x, "input.data.acct_used_flag", &v->acct_used_flag, err));
    static const char *const decl[] = {"medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt",
                                       "inscp_scp_amt"};
    yb_fen *dst[] = {&d->decl_medfee, &d->decl_fulamt, &d->decl_overlmt, &d->decl_preselfpay, &d->decl_inscp};
    int ndecl = 0;
    for (int i = 0; i < 5; i++) {
        if (!(x = get(data, decl[i]))) continue;
        char p[96];
        snprintf(p, sizeof p, "input.data.%s", decl[i]);
        TRY(yb_json_money(x, p, 0, dst[i], err));
        ndecl++;
    }
    if (ndecl && ndecl < 5)
        return yb_err_set(err, YB_E_INVALID, "input.data.medfee_sumamt", NULL,
                          "give all five declared totals or none");
    d->has_decl = ndecl == 5;
    /* the person */
    json_object *pi = get(input, "psninfo");
    const char *pp = "input.psninfo";
    if (!pi || json_object_get_type(pi) != json_type_object)
        return yb_err_set(err, YB_E_INVALID, pp, NULL, "required object missing");
    TRY(req_str(pi, "psn_type", pp, psn->psn_type, sizeof psn->psn_type, err));
    if ((x = get(pi, "cvlserv_flag"))) TRY(yb_json_flag(x, "input.psninfo.cvlserv_flag", &psn->cvlserv_flag, err));
    if ((x = get(pi, "sp_psn_type"))) {
        if (json_object_get_type(x) == json_type_array) {
            /* idetinfo-style list: [{"psn_idet_type": "..."}] or ["...", ...] */
            size_t n = json_object_array_length(x), used = 0;
            for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(x, i);
                json_object *t = json_object_get_type(e) == json_type_object ? get(e, "psn_idet_type") : e;
                const char *s = yb_json_text_of(t);
                char p[96];
                snprintf(p, sizeof p, "input.psninfo.sp_psn_type[%zu]", i);
                if (!s) return yb_err_set(err, YB_E_INVALID, p, NULL, "an identity code expected");
                size_t sl = strlen(s);
                if (used + sl + 2 > sizeof psn->sp_psn_type)
                    return yb_err_set(err, YB_E_LIMIT, p, s, "identities longer than %zu bytes", sizeof psn->sp_psn_type - 1);
                if (used) psn->sp_psn_type[used++] = '|';
                memcpy(psn->sp_psn_type + used, s, sl + 1);
                used += sl;
            }
        } else {
            TRY(yb_json_str(x, "input.psninfo.sp_psn_type", psn->sp_psn_type, sizeof psn->sp_psn_type, err));
        }
    }
    if ((x = get(pi, "gend"))) {
        const char *g = yb_json_text_of(x);
        if (!g || (strcmp(g, "1") && strcmp(g, "2") && strcmp(g, "0") && strcmp(g, "9")))
            return yb_err_set(err, YB_E_INVALID, "input.psninfo.gend", g, "gend is 1 (male) or 2 (female)");
        psn->gend = g[0] == '1' ? 1 : g[0] == '2' ? 2 : 0;
    }
    psn->brdy = YB_DATE_NONE;
    if ((x = get(pi, "brdy"))) TRY(yb_json_date(x, "input.psninfo.brdy", &psn->brdy, err));
    if ((x = get(pi, "balc"))) {
        TRY(yb_json_money(x, "input.psninfo.balc", 0, &d->balc, err));
        d->has_balc = 1;
    }
    /* the fee lines: a list, or one object as some clients send */
    json_object *fd = get(input, "feedetail");
    if (!fd) return yb_err_set(err, YB_E_INVALID, "input.feedetail", NULL, "required list missing");
    size_t n = json_object_get_type(fd) == json_type_array ? json_object_array_length(fd) : 1;
    if (json_object_get_type(fd) != json_type_array && json_object_get_type(fd) != json_type_object)
        return yb_err_set(err, YB_E_INVALID, "input.feedetail", NULL, "a list of fee lines expected");
    if (n > YB_VISIT_MAX_LINES)
        return yb_err_set(err, YB_E_LIMIT, "input.feedetail", NULL, "more than %d fee lines in one visit", YB_VISIT_MAX_LINES);
    d->lines = calloc(n ? n : 1, sizeof *d->lines);
    if (!d->lines) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_object *lo = json_object_get_type(fd) == json_type_array ? json_object_array_get_idx(fd, i) : fd;
        TRY(parse_line(lo, i, &d->lines[i], err));
        d->n_lines++;
    }
    return YB_OK;
}

yb_rc yb_visit_doc_parse(const char *text, size_t len, const char *fname, yb_visit_doc *doc, yb_err *err) {
    memset(doc, 0, sizeof *doc);
    json_object *root = NULL;
    yb_rc rc = yb_json_parse(text, len, fname, &root, err);
    if (rc) return rc;
    rc = parse_doc(root, doc, err);
    json_object_put(root);
    if (rc) {
        yb_err_at(err, fname, 0);
        yb_visit_doc_release(doc);
    }
    return rc;
}

void yb_visit_doc_release(yb_visit_doc *doc) {
    if (!doc) return;
    free(doc->lines);
    doc->lines = NULL;
    doc->n_lines = 0;
}

yb_rc yb_visit_doc_check_totals(const yb_visit_doc *d, const yb_settlement *s, yb_err *err) {
    if (!d->has_decl) return YB_OK;
    const struct {
        const char *f;
        yb_fen decl, got;
    } t[] = {
        {"medfee_sumamt", d->decl_medfee, s->medfee_sumamt},
        {"fulamt_ownpay_amt", d->decl_fulamt, s->fulamt_ownpay_amt},
        {"overlmt_selfpay", d->decl_overlmt, s->overlmt_selfpay},
        {"preselfpay_amt", d->decl_preselfpay, s->preselfpay_amt},
        {"inscp_scp_amt", d->decl_inscp, s->inscp_scp_amt},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].decl != t[i].got) {
            char p[64], a[48], b[48];
            snprintf(p, sizeof p, "input.data.%s", t[i].f);
            return yb_err_set(err, YB_E_MISMATCH, p, yb_fen_fmt(t[i].decl, a), "declared total differs from the fee lines (%s)",
                              yb_fen_fmt(t[i].got, b));
        }
    return YB_OK;
}

static void kv_str(yb_jw *w, const char *k, const char *v) {
    yb_jw_key(w, k);
    yb_jw_str(w, v);
}

static void kv_money(yb_jw *w, const char *k, yb_fen v) {
    yb_jw_key(w, k);
    yb_jw_money(w, v);
}

char *yb_reply_settlement(const yb_visit_doc *d, const yb_settlement *s, const yb_line_split *sp, const char *setl_id,
                          const char *setl_time, int sign) {
    yb_jw w;
    yb_jw_init(&w);
    yb_jw_open(&w, '{');
    yb_jw_key(&w, "infcode");
    yb_jw_int(&w, 0);
    kv_str(&w, "inf_refmsgid", d->msgid[0] ? d->msgid : NULL);
    kv_str(&w, "err_msg", "success");
    kv_str(&w, "warn_msg", NULL);
    yb_jw_key(&w, "output");
    yb_write_settlement_output(&w, d, s, sp, setl_id, setl_time, sign);
    yb_jw_close(&w, '}');
    return yb_jw_finish(&w);
}

void yb_write_settlement_output(yb_jw *wp, const yb_visit_doc *d, const yb_settlement *s, const yb_line_split *sp,
                                const char *setl_id, const char *setl_time, int sign) {
#define w (*wp)
    yb_jw_open(&w, '{');
    yb_jw_key(&w, "setlinfo");
    yb_jw_open(&w, '{');
    const yb_person *p = &d->person;
    kv_str(&w, "mdtrt_id", d->visit.mdtrt_id);
    kv_str(&w, "setl_id", setl_id);
    kv_str(&w, "psn_no", p->psn_no);
    kv_str(&w, "insutype", p->insutype);
    kv_str(&w, "psn_type", p->psn_type);
    kv_str(&w, "cvlserv_flag", p->cvlserv_flag ? "1" : "0");
    kv_str(&w, "setl_time", setl_time);
    kv_str(&w, "med_type", d->visit.med_type);
    kv_str(&w, "insuplc_admdvs", p->insu_admdvs);
    kv_str(&w, "mdtrtarea_admvs", d->visit.mdtrtarea_admvs);
    const struct {
        const char *k;
        yb_fen v;
    } m[] = {
        {"medfee_sumamt", s->medfee_sumamt},   {"fulamt_ownpay_amt", s->fulamt_ownpay_amt},
        {"overlmt_selfpay", s->overlmt_selfpay}, {"preselfpay_amt", s->preselfpay_amt},
        {"inscp_scp_amt", s->inscp_scp_amt},   {"dedc_std", s->dedc_std},
        {"act_pay_dedc", s->act_pay_dedc},     {"hifp_pay", s->hifp_pay},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) kv_money(&w, m[i].k, sign * m[i].v);
    yb_jw_key(&w, "pool_prop_selfpay");
    yb_jw_dec(&w, s->pool_prop, YB_RATIO_SCALE);
    const struct {
        const char *k;
        yb_fen v;
    } m2[] = {
        {"cvlserv_pay", s->cvlserv_pay}, {"hifes_pay", s->hifes_pay},   {"hifmi_pay", s->hifmi_pay},
        {"hifob_pay", s->hifob_pay},     {"hifdm_pay", s->hifdm_pay},   {"maf_pay", s->maf_pay},
        {"oth_pay", s->oth_pay},         {"fund_pay_sumamt", s->fund_pay_sumamt},
        {"psn_part_amt", s->psn_part_amt}, {"acct_pay", s->acct_pay}, {"psn_cash_pay", s->psn_cash_pay},
        {"hosp_part_amt", s->hosp_part_amt}, {"balc", s->balc}, {"acct_mulaid_pay", 0},
    };
    for (size_t i = 0; i < sizeof m2 / sizeof m2[0]; i++)
        kv_money(&w, m2[i].k, !strcmp(m2[i].k, "balc") ? m2[i].v : sign * m2[i].v);
    kv_str(&w, "medins_setl_id", d->msgid[0] ? d->msgid : NULL);
    kv_str(&w, "refd_setl_flag", sign < 0 ? "1" : "0");
    kv_str(&w, "policy_version", s->policy_version);
    kv_str(&w, "benefit_block", s->block[0] ? s->block : NULL);
    yb_jw_close(&w, '}');
    yb_jw_key(&w, "setldetail");
    yb_jw_open(&w, '[');
    for (int i = 0; i < s->n_funds; i++) {
        const yb_fund_row *f = &s->funds[i];
        yb_jw_open(&w, '{');
        kv_str(&w, "fund_pay_type", f->fund_pay_type);
        kv_str(&w, "fund_pay_type_name", f->name);
        kv_money(&w, "inscp_scp_amt", sign * f->base);
        if (f->cap_left == YB_NO_CAP) kv_str(&w, "crt_payb_lmt_amt", NULL);
        else kv_money(&w, "crt_payb_lmt_amt", f->cap_left);
        kv_money(&w, "fund_payamt", sign * f->payamt);
        kv_str(&w, "setl_proc_info", f->proc_info);
        yb_jw_close(&w, '}');
    }
    yb_jw_close(&w, ']');
    yb_jw_key(&w, "result");
    yb_jw_open(&w, '[');
    for (size_t i = 0; sp && i < d->n_lines; i++) {
        const yb_line *l = &d->lines[i];
        const yb_line_split *x = &sp[i];
        yb_jw_open(&w, '{');
        kv_str(&w, "feedetl_sn", l->feedetl_sn);
        kv_str(&w, "med_list_codg", l->med_list_codg);
        kv_money(&w, "det_item_fee_sumamt", sign * l->sumamt);
        yb_jw_key(&w, "cnt");
        yb_jw_dec(&w, sign * l->cnt, YB_QTY_SCALE);
        yb_jw_key(&w, "pric");
        yb_jw_dec(&w, l->pric, YB_PRICE_SCALE);
        yb_jw_key(&w, "pric_uplmt_amt");
        yb_jw_dec(&w, x->pric_uplmt_amt, YB_PRICE_SCALE);
        yb_jw_key(&w, "selfpay_prop");
        yb_jw_dec(&w, x->selfpay_prop, YB_RATIO_SCALE);
        kv_money(&w, "fulamt_ownpay_amt", sign * x->fulamt_ownpay_amt);
        kv_money(&w, "overlmt_amt", sign * x->overlmt_amt);
        kv_money(&w, "preselfpay_amt", sign * x->preselfpay_amt);
        kv_money(&w, "inscp_scp_amt", sign * x->inscp_scp_amt);
        kv_str(&w, "chrgitm_lv", x->chrgitm_lv[0] ? x->chrgitm_lv : NULL);
        kv_str(&w, "list_type", x->list_type[0] ? x->list_type : NULL);
        yb_jw_close(&w, '}');
    }
    yb_jw_close(&w, ']');
    yb_jw_close(&w, '}');
#undef w
}

char *yb_reply_error(const yb_err *e, const char *msgid) {
    char msg[700], detail[600];
    yb_err_fmt(e, detail, sizeof detail);
    snprintf(msg, sizeof msg, "处理失败: %s", detail);
    yb_jw w;
    yb_jw_init(&w);
    yb_jw_open(&w, '{');
    yb_jw_key(&w, "infcode");
    yb_jw_int(&w, -1);
    kv_str(&w, "inf_refmsgid", msgid && *msgid ? msgid : NULL);
    kv_str(&w, "err_msg", msg);
    kv_str(&w, "warn_msg", NULL);
    yb_jw_key(&w, "output");
    yb_jw_null(&w);
    yb_jw_close(&w, '}');
    return yb_jw_finish(&w);
}
