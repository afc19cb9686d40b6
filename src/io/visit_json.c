/*
 * visit_json.c — the one-visit document and the interface replies (see include/yibao/visit_json.h
 * and docs/settle-json.md).
 *
 * Parsing follows the interface's rules: unknown fields are ignored, a list node may arrive as one
 * object (feedetail), numbers may be JSON numbers or strings, an absent or null field is absent.
 * Every known field is checked (type, length, decimals, dates) and an error names its JSON path;
 * on any error the document holds nothing allocated. The number of fee lines is bounded by
 * YB_VISIT_MAX_LINES.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/json_num.h"
#include "yibao/visit_json.h"
#include "yibao/str.h"

#define TRY(expr)                     \
    do {                              \
        yb_rc rc_ = (expr);           \
        if (rc_ != YB_OK) return rc_; \
    } while (0)

/* Field k of object o; NULL when o is not an object, or k is absent or null. */
static json_object *get(json_object *o, const char *k) {
    json_object *v = NULL;
    if (!o || json_object_get_type(o) != json_type_object) return NULL;
    return json_object_object_get_ex(o, k, &v) && json_object_get_type(v) != json_type_null ? v : NULL;
}

static void join(char *out, size_t cap, const char *path, const char *k) {
    snprintf(out, cap, "%s%s%s", path, *path ? "." : "", k);
}

/* Optional string field: absent or null leaves out unchanged. */
static yb_rc opt_str(json_object *o, const char *k, const char *path, char *out, size_t cap, yb_err *err) {
    json_object *v = get(o, k);
    if (!v) return YB_OK;
    char p[128];
    join(p, sizeof p, path, k);
    return yb_json_str(v, p, out, cap, err);
}

static yb_rc req_str(json_object *o, const char *k, const char *path, char *out, size_t cap, yb_err *err) {
    char p[128];
    join(p, sizeof p, path, k);
    json_object *v = get(o, k);
    if (!v) return yb_err_set(err, YB_E_INVALID, p, NULL, "required field missing");
    TRY(yb_json_str(v, p, out, cap, err));
    if (!out[0]) return yb_err_set(err, YB_E_INVALID, p, "", "required field is empty");
    return YB_OK;
}

/* An insurance area: 6 digits. */
static yb_rc area(const char *s, const char *path, yb_err *err) {
    int ok = strlen(s) == 6;
    for (int i = 0; ok && i < 6; i++) ok = s[i] >= '0' && s[i] <= '9';
    return ok ? YB_OK : yb_err_set(err, YB_E_INVALID, path, s, "an insurance area has 6 digits");
}

/* Optional time; an empty string is absent (clients send "" for unknown times). */
static yb_rc opt_time(json_object *o, const char *k, const char *path, yb_datetime *out, yb_err *err) {
    json_object *v = get(o, k);
    if (!v) return YB_OK;
    const char *t = yb_json_text_of(v);
    if (t && !*t) return YB_OK;
    char p[128];
    join(p, sizeof p, path, k);
    return yb_json_datetime(v, p, out, err);
}

static yb_rc req_dec(json_object *o, const char *k, const char *path, int scale, int allow_neg, int64_t *out,
                     yb_err *err) {
    char p[128];
    join(p, sizeof p, path, k);
    json_object *v = get(o, k);
    if (!v) return yb_err_set(err, YB_E_INVALID, p, NULL, "required field missing");
    switch (scale) {
    case YB_FEN_SCALE: return yb_json_money(v, p, allow_neg, out, err);
    case YB_QTY_SCALE: return yb_json_qty(v, p, allow_neg, out, err);
    default: return yb_json_price(v, p, out, err);
    }
}

/* A line's own mdtrt_id / psn_no (2204 carries them) must be the visit's when given. */
static yb_rc same_as(json_object *o, const char *k, const char *path, const char *want, yb_err *err) {
    json_object *v = get(o, k);
    if (!v) return YB_OK;
    char p[128], got[YB_ID_MAX];
    join(p, sizeof p, path, k);
    TRY(yb_json_str(v, p, got, sizeof got, err));
    if (got[0] && strcmp(got, want))
        return yb_err_set(err, YB_E_MISMATCH, p, got, "differs from input.data.%s of the visit", k);
    return YB_OK;
}

static yb_rc parse_line(json_object *o, size_t i, const yb_visit_doc *d, yb_line *l, yb_err *err) {
    char path[64];
    snprintf(path, sizeof path, "input.feedetail[%zu]", i);
    if (json_object_get_type(o) != json_type_object)
        return yb_err_set(err, YB_E_INVALID, path, NULL, "a fee line object expected");
    memset(l, 0, sizeof *l);
    l->fee_ocur_time = YB_DATETIME_NONE;
    TRY(req_str(o, "feedetl_sn", path, l->feedetl_sn, sizeof l->feedetl_sn, err));
    TRY(req_str(o, "med_list_codg", path, l->med_list_codg, sizeof l->med_list_codg, err));
    TRY(same_as(o, "mdtrt_id", path, d->visit.mdtrt_id, err));
    TRY(same_as(o, "psn_no", path, d->person.psn_no, err));
    TRY(opt_time(o, "fee_ocur_time", path, &l->fee_ocur_time, err));
    /* cnt and the amount may be negative (a refund line of 2301); a price may not */
    TRY(req_dec(o, "cnt", path, YB_QTY_SCALE, 1, &l->cnt, err));
    TRY(req_dec(o, "pric", path, YB_PRICE_SCALE, 0, &l->pric, err));
    TRY(req_dec(o, "det_item_fee_sumamt", path, YB_FEN_SCALE, 1, &l->sumamt, err));
    return YB_OK;
}

/* Does an idetinfo entry hold on day `on`? Its begntime/endtime, when given, bound it. */
static yb_rc idet_holds(json_object *e, const char *path, yb_date on, int *holds, yb_err *err) {
    yb_datetime b = YB_DATETIME_NONE, x = YB_DATETIME_NONE;
    TRY(opt_time(e, "begntime", path, &b, err));
    TRY(opt_time(e, "endtime", path, &x, err));
    *holds = !((b != YB_DATETIME_NONE && on < yb_datetime_date(b)) || (x != YB_DATETIME_NONE && on > yb_datetime_date(x)));
    return YB_OK;
}

/* sp_psn_type: "a|b" as a string, or an idetinfo-style list [{"psn_idet_type": "..."}] or ["...", ...]. */
static yb_rc parse_identities(json_object *x, yb_date on, yb_person *psn, yb_err *err) {
    if (json_object_get_type(x) != json_type_array)
        return yb_json_str(x, "input.psninfo.sp_psn_type", psn->sp_psn_type, sizeof psn->sp_psn_type, err);
    size_t n = json_object_array_length(x), used = 0;
    for (size_t i = 0; i < n; i++) {
        char p[96], code[32];
        snprintf(p, sizeof p, "input.psninfo.sp_psn_type[%zu]", i);
        json_object *e = json_object_array_get_idx(x, i), *t = e;
        if (json_object_get_type(e) == json_type_object) {
            int holds = 1;
            TRY(idet_holds(e, p, on, &holds, err));
            if (!holds) continue; /* an identity that has ended (or not begun) on the visit's day */
            snprintf(p, sizeof p, "input.psninfo.sp_psn_type[%zu].psn_idet_type", i);
            t = get(e, "psn_idet_type");
            if (!t) return yb_err_set(err, YB_E_INVALID, p, NULL, "required field missing");
        }
        TRY(yb_json_str(t, p, code, sizeof code, err));
        if (!code[0]) continue;
        if (strchr(code, '|')) return yb_err_set(err, YB_E_INVALID, p, code, "an identity code may not hold '|'");
        size_t sl = strlen(code);
        if (used + sl + 2 > sizeof psn->sp_psn_type)
            return yb_err_set(err, YB_E_LIMIT, p, code, "identities longer than %zu bytes in all", sizeof psn->sp_psn_type - 1);
        if (used) psn->sp_psn_type[used++] = '|';
        memcpy(psn->sp_psn_type + used, code, sl + 1);
        used += sl;
    }
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
    TRY(area(d->visit.mdtrtarea_admvs, "mdtrtarea_admvs", err));
    TRY(opt_str(root, "insuplc_admdvs", "", d->insuplc_admdvs, sizeof d->insuplc_admdvs, err));
    if (d->insuplc_admdvs[0]) TRY(area(d->insuplc_admdvs, "insuplc_admdvs", err));
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
    yb_scopy(v->fixmedins_code, sizeof v->fixmedins_code, d->fixmedins_code);
    memcpy(psn->insu_admdvs, d->insuplc_admdvs[0] ? d->insuplc_admdvs : v->mdtrtarea_admvs, sizeof psn->insu_admdvs);
    v->begntime = v->endtime = YB_DATETIME_NONE;
    TRY(opt_time(data, "begntime", dp, &v->begntime, err));
    TRY(opt_time(data, "endtime", dp, &v->endtime, err));
    if (v->begntime == YB_DATETIME_NONE)
        return yb_err_set(err, YB_E_INVALID, "input.data.begntime", NULL, "required field missing");
    if (v->endtime != YB_DATETIME_NONE && v->endtime < v->begntime) {
        char b[24];
        return yb_err_set(err, YB_E_INVALID, "input.data.endtime", yb_datetime_fmt(v->endtime, b), "before begntime");
    }
    json_object *x;
    if ((x = get(data, "acct_used_flag"))) TRY(yb_json_flag(x, "input.data.acct_used_flag", &v->acct_used_flag, err));
    /* declared totals: each one given must later equal the computed one */
    static const char *const decl[] = {"medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt",
                                       "inscp_scp_amt"};
    yb_fen *dst[] = {&d->decl_medfee, &d->decl_fulamt, &d->decl_overlmt, &d->decl_preselfpay, &d->decl_inscp};
    for (int i = 0; i < 5; i++) {
        if (!(x = get(data, decl[i]))) continue;
        char p[96];
        snprintf(p, sizeof p, "input.data.%s", decl[i]);
        TRY(yb_json_money(x, p, 0, dst[i], err));
        d->decl_given |= 1u << i;
    }
    d->has_decl = d->decl_given == YB_DECL_ALL;
    /* the person */
    json_object *pi = get(input, "psninfo");
    const char *pp = "input.psninfo";
    if (!pi || json_object_get_type(pi) != json_type_object)
        return yb_err_set(err, YB_E_INVALID, pp, NULL, "required object missing");
    TRY(req_str(pi, "psn_type", pp, psn->psn_type, sizeof psn->psn_type, err));
    if ((x = get(pi, "cvlserv_flag"))) TRY(yb_json_flag(x, "input.psninfo.cvlserv_flag", &psn->cvlserv_flag, err));
    if ((x = get(pi, "sp_psn_type"))) TRY(parse_identities(x, yb_settle_date(v), psn, err));
    if ((x = get(pi, "gend"))) {
        const char *g = yb_json_text_of(x);
        /* GB/T 2261.1: 1 male, 2 female, 0 unknown, 9 not stated; "" is absent */
        if (g && !*g) g = "0";
        if (!g || (strcmp(g, "1") && strcmp(g, "2") && strcmp(g, "0") && strcmp(g, "9")))
            return yb_err_set(err, YB_E_INVALID, "input.psninfo.gend", g, "gend is 1 (male), 2 (female), 0 or 9 (unknown)");
        psn->gend = g[0] == '1' ? 1 : g[0] == '2' ? 2 : 0;
    }
    psn->brdy = YB_DATE_NONE;
    if ((x = get(pi, "brdy"))) {
        const char *t = yb_json_text_of(x);
        if (t && *t) {
            /* a birth date is personal: the error does not repeat it */
            yb_err e2;
            yb_err_clear(&e2);
            if (yb_json_date(x, "input.psninfo.brdy", &psn->brdy, &e2))
                return yb_err_set(err, e2.rc, "input.psninfo.brdy", NULL, "not a valid date yyyy-MM-dd");
        }
    }
    if ((x = get(pi, "balc"))) {
        TRY(yb_json_money(x, "input.psninfo.balc", 0, &d->balc, err));
        d->has_balc = 1;
    }
    /* the fee lines: a list, or one object as some clients send */
    json_object *fd = get(input, "feedetail");
    if (!fd) return yb_err_set(err, YB_E_INVALID, "input.feedetail", NULL, "required list missing");
    json_type ft = json_object_get_type(fd);
    if (ft != json_type_array && ft != json_type_object)
        return yb_err_set(err, YB_E_INVALID, "input.feedetail", yb_json_text_of(fd), "a list of fee lines expected");
    size_t n = ft == json_type_array ? json_object_array_length(fd) : 1;
    if (n == 0) return yb_err_set(err, YB_E_INVALID, "input.feedetail", NULL, "no fee lines: nothing to settle");
    if (n > YB_VISIT_MAX_LINES)
        return yb_err_set(err, YB_E_LIMIT, "input.feedetail", NULL, "more than %d fee lines in one visit", YB_VISIT_MAX_LINES);
    d->lines = calloc(n, sizeof *d->lines);
    if (!d->lines) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_object *lo = ft == json_type_array ? json_object_array_get_idx(fd, i) : fd;
        TRY(parse_line(lo, i, d, &d->lines[i], err));
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
    unsigned given = d->has_decl ? YB_DECL_ALL : d->decl_given;
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
        if ((given & (1u << i)) && t[i].decl != t[i].got) {
            char p[64], a[48], b[48];
            snprintf(p, sizeof p, "input.data.%s", t[i].f);
            return yb_err_set(err, YB_E_MISMATCH, p, yb_fen_fmt(t[i].decl, a), "declared total differs from the fee lines' %s",
                              yb_fen_fmt(t[i].got, b));
        }
    return YB_OK;
}

static void kv_strn(yb_jw *w, const char *k, size_t n, const char *v) {
    yb_jw_keyn(w, k, n);
    yb_jw_str(w, v);
}

static void kv_moneyn(yb_jw *w, const char *k, size_t n, yb_fen v) {
    yb_jw_keyn(w, k, n);
    yb_jw_money(w, v);
}
/* the keys are literals: their lengths are known, and they need no escaping */
#define kv_str(w, lit, v) kv_strn((w), "" lit, sizeof(lit) - 1, (v))
#define kv_money(w, lit, v) kv_moneyn((w), "" lit, sizeof(lit) - 1, (v))

char *yb_reply_settlement(const yb_visit_doc *d, const yb_settlement *s, const yb_line_split *sp, const char *setl_id,
                          const char *setl_time, int sign) {
    yb_jw w;
    yb_jw_init(&w);
    yb_jw_open(&w, '{');
    YB_JW_KEY(&w, "infcode");
    yb_jw_int(&w, 0);
    kv_str(&w, "inf_refmsgid", d->msgid[0] ? d->msgid : NULL);
    kv_str(&w, "err_msg", "success");
    kv_str(&w, "warn_msg", NULL);
    YB_JW_KEY(&w, "output");
    yb_write_settlement_output(&w, d, s, sp, setl_id, setl_time, sign);
    yb_jw_close(&w, '}');
    return yb_jw_finish(&w);
}

void yb_write_settlement_output(yb_jw *wp, const yb_visit_doc *d, const yb_settlement *s, const yb_line_split *sp,
                                const char *setl_id, const char *setl_time, int sign) {
#define w (*wp)
    yb_jw_open(&w, '{');
    YB_JW_KEY(&w, "setlinfo");
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
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) kv_moneyn(&w, m[i].k, strlen(m[i].k), sign * m[i].v);
    YB_JW_KEY(&w, "pool_prop_selfpay");
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
        kv_moneyn(&w, m2[i].k, strlen(m2[i].k), !strcmp(m2[i].k, "balc") ? m2[i].v : sign * m2[i].v);
    kv_str(&w, "medins_setl_id", d->msgid[0] ? d->msgid : NULL);
    kv_str(&w, "refd_setl_flag", sign < 0 ? "1" : "0");
    kv_str(&w, "policy_version", s->policy_version);
    kv_str(&w, "benefit_block", s->block[0] ? s->block : NULL);
    yb_jw_close(&w, '}');
    YB_JW_KEY(&w, "setldetail");
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
    YB_JW_KEY(&w, "result");
    yb_jw_open(&w, '[');
    for (size_t i = 0; sp && i < d->n_lines; i++) {
        const yb_line *l = &d->lines[i];
        const yb_line_split *x = &sp[i];
        yb_jw_open(&w, '{');
        kv_str(&w, "feedetl_sn", l->feedetl_sn);
        kv_str(&w, "med_list_codg", l->med_list_codg);
        kv_money(&w, "det_item_fee_sumamt", sign * l->sumamt);
        YB_JW_KEY(&w, "cnt");
        yb_jw_dec(&w, sign * l->cnt, YB_QTY_SCALE);
        YB_JW_KEY(&w, "pric");
        yb_jw_dec(&w, l->pric, YB_PRICE_SCALE);
        YB_JW_KEY(&w, "pric_uplmt_amt");
        yb_jw_dec(&w, x->pric_uplmt_amt, YB_PRICE_SCALE);
        YB_JW_KEY(&w, "selfpay_prop");
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

/* The kind of an error in the words a cashier's screen shows. */
static const char *kind_zh(yb_rc rc) {
    switch (rc) {
    case YB_E_NOMEM: return "内存不足";
    case YB_E_INVALID: return "数据格式错误";
    case YB_E_OVERFLOW: return "数值超出范围";
    case YB_E_PRECISION: return "小数位数超限";
    case YB_E_NOTFOUND: return "数据不存在";
    case YB_E_IO: return "读写失败";
    case YB_E_DB: return "数据库错误";
    case YB_E_STATE: return "当前状态不允许此操作";
    case YB_E_MISMATCH: return "数据不一致";
    case YB_E_DUPLICATE: return "数据重复";
    case YB_E_POLICY: return "无适用政策";
    case YB_E_LIMIT: return "超出数量或长度限制";
    case YB_E_USAGE: return "用法错误";
    case YB_E_PERM: return "无权限";
    case YB_E_INTERNAL: return "内部错误";
    default: return "未知错误";
    }
}

char *yb_reply_error(const yb_err *e, const char *msgid) {
    char msg[720], detail[600];
    yb_err_fmt(e, detail, sizeof detail);
    snprintf(msg, sizeof msg, "处理失败(%s): %s", kind_zh(e ? e->rc : YB_E_INTERNAL), detail);
    yb_jw w;
    yb_jw_init(&w);
    yb_jw_open(&w, '{');
    YB_JW_KEY(&w, "infcode");
    yb_jw_int(&w, -1);
    kv_str(&w, "inf_refmsgid", msgid && *msgid ? msgid : NULL);
    kv_str(&w, "err_msg", msg);
    kv_str(&w, "warn_msg", NULL);
    YB_JW_KEY(&w, "output");
    yb_jw_null(&w);
    yb_jw_close(&w, '}');
    return yb_jw_finish(&w);
}
