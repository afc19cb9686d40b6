/*
 * extract.c — rows of the national extract tables to settlement inputs, settlements to setl_d and
 * setldetail rows (see include/yibao/extract.h).
 *
 * Every reading function checks its text exactly and reports the first problem with the file,
 * line, column and value; nothing here guesses a value it cannot read. The setl_d writer decides
 * each column's source once (a small plan), so a row costs one pass over the 100 columns.
 */
#include <stdlib.h>
#include <string.h>

#include "yibao/extract.h"

/* ------------------------------------------------------------------ reading helpers */

static yb_rc bad(const yb_csv *c, yb_err *err, yb_rc rc, const char *col, const char *val, const char *msg) {
    yb_err_set(err, rc, col, val, "%s", msg);
    yb_err_at(err, yb_csv_name(c), yb_csv_line(c));
    return rc;
}

/* Copy column `col` (named `name`) into dst[cap]. An id is required, has no control characters. */
enum { OPTIONAL = 0, REQUIRED = 1, ID = 3 };
static yb_rc text(const yb_csv *c, int col, const char *name, char *dst, size_t cap, int kind, yb_err *err) {
    size_t n;
    const char *s = yb_csv_field(c, col, &n);
    if (!n && (kind & REQUIRED)) return bad(c, err, YB_E_INVALID, name, s, "empty: a value is required");
    if (n >= cap) {
        char m[64];
        snprintf(m, sizeof m, "longer than %zu bytes", cap - 1);
        return bad(c, err, YB_E_LIMIT, name, s, m);
    }
    if (kind == ID)
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return bad(c, err, YB_E_INVALID, name, s, "control character in an id");
    memcpy(dst, s, n + 1);
    return YB_OK;
}

/* "" -> 0, "0" -> 0, "1" -> 1, anything else an error. */
static yb_rc flag(const yb_csv *c, int col, const char *name, int *out, yb_err *err) {
    size_t n;
    const char *s = yb_csv_field(c, col, &n);
    *out = 0;
    if (!n || (n == 1 && s[0] == '0')) return YB_OK;
    if (n == 1 && s[0] == '1') {
        *out = 1;
        return YB_OK;
    }
    return bad(c, err, YB_E_INVALID, name, s, "0 or 1 expected");
}

static yb_rc dec(const yb_csv *c, int col, const char *name, int scale, int allow_neg, int64_t *out, yb_err *err) {
    size_t n;
    const char *s = yb_csv_field(c, col, &n);
    yb_rc rc = yb_dec_parse(s, n, scale, allow_neg, out);
    if (!rc) return YB_OK;
    char m[64];
    if (rc == YB_E_PRECISION) snprintf(m, sizeof m, "more than %d decimals", scale);
    else if (rc == YB_E_OVERFLOW) snprintf(m, sizeof m, "number too large");
    else if (!n) snprintf(m, sizeof m, "empty: a decimal is required");
    else snprintf(m, sizeof m, "%s", allow_neg ? "not a decimal" : "not a non-negative decimal");
    return bad(c, err, rc == YB_E_PRECISION || rc == YB_E_OVERFLOW ? rc : YB_E_INVALID, name, s, m);
}

/* A time "yyyy-MM-dd HH:mm:ss" (or a date alone); empty -> YB_DATETIME_NONE unless required. */
static yb_rc when(const yb_csv *c, int col, const char *name, int required, yb_datetime *out, yb_err *err) {
    size_t n;
    const char *s = yb_csv_field(c, col, &n);
    *out = YB_DATETIME_NONE;
    if (!n && !required) return YB_OK;
    if (!n) return bad(c, err, YB_E_INVALID, name, s, "empty: a time yyyy-MM-dd HH:mm:ss is required");
    if (yb_datetime_parse(s, n, out)) return bad(c, err, YB_E_INVALID, name, s, "not a time yyyy-MM-dd HH:mm:ss");
    return YB_OK;
}

static yb_rc require(const yb_csv *c, int *const *dst, const char *const *names, size_t n, yb_err *err) {
    for (size_t i = 0; i < n; i++) {
        *dst[i] = yb_csv_col(c, names[i]);
        if (*dst[i] < 0) {
            yb_err_set(err, YB_E_INVALID, names[i], NULL, "missing column '%s'", names[i]);
            yb_err_at(err, yb_csv_name(c), 1);
            return YB_E_INVALID;
        }
    }
    return YB_OK;
}

/* ------------------------------------------------------------------ mdtrt_d */

yb_rc yb_mdtrt_map_init(yb_mdtrt_map *m, const yb_csv *c, yb_err *err) {
    static const char *const names[] = {"mdtrt_id", "psn_no", "insutype", "psn_type", "cvlserv_flag", "sp_psn_type",
                                        "insu_admdvs", "gend", "brdy", "hosp_lv", "fix_blng_admdvs", "rloc_type",
                                        "med_type", "begntime", "endtime", "fixmedins_code", "fixmedins_name"};
    int *const dst[] = {&m->mdtrt_id, &m->psn_no, &m->insutype, &m->psn_type, &m->cvlserv_flag, &m->sp_psn_type,
                        &m->insu_admdvs, &m->gend, &m->brdy, &m->hosp_lv, &m->fix_blng_admdvs, &m->rloc_type,
                        &m->med_type, &m->begntime, &m->endtime, &m->fixmedins_code, &m->fixmedins_name};
    _Static_assert(sizeof names / sizeof names[0] == sizeof dst / sizeof dst[0], "one name per column");
    m->acct_used_flag = yb_csv_col(c, "acct_used_flag");
    return require(c, dst, names, sizeof names / sizeof names[0], err);
}

yb_rc yb_mdtrt_read(const yb_mdtrt_map *m, const yb_csv *c, yb_person *p, yb_visit *v, yb_err *err) {
    memset(p, 0, sizeof *p);
    memset(v, 0, sizeof *v);
    p->brdy = YB_DATE_NONE;
    v->endtime = YB_DATETIME_NONE;
    yb_rc rc;
#define T(col, dst, kind)                                                                  \
    do {                                                                                   \
        if ((rc = text(c, m->col, #col, (dst), sizeof(dst), (kind), err)) != YB_OK) return rc; \
    } while (0)
    T(mdtrt_id, v->mdtrt_id, ID);
    T(psn_no, p->psn_no, ID);
    T(insutype, p->insutype, REQUIRED);
    T(psn_type, p->psn_type, OPTIONAL);
    T(sp_psn_type, p->sp_psn_type, OPTIONAL);
    T(insu_admdvs, p->insu_admdvs, REQUIRED);
    T(hosp_lv, v->hosp_lv, OPTIONAL);
    T(fix_blng_admdvs, v->mdtrtarea_admvs, OPTIONAL);
    T(rloc_type, v->rloc_type, OPTIONAL);
    T(med_type, v->med_type, REQUIRED);
    T(fixmedins_code, v->fixmedins_code, OPTIONAL);
#undef T
    if ((rc = flag(c, m->cvlserv_flag, "cvlserv_flag", &p->cvlserv_flag, err))) return rc;
    size_t n;
    const char *s = yb_csv_field(c, m->gend, &n);
    p->gend = n == 1 && s[0] == '1' ? 1 : n == 1 && s[0] == '2' ? 2 : 0; /* gend is not used to settle */
    s = yb_csv_field(c, m->brdy, &n);
    if (n) {
        yb_datetime t;
        if (yb_datetime_parse(s, n, &t)) return bad(c, err, YB_E_INVALID, "brdy", s, "not a date yyyy-MM-dd");
        p->brdy = yb_datetime_date(t);
    }
    if ((rc = when(c, m->begntime, "begntime", 1, &v->begntime, err))) return rc;
    if ((rc = when(c, m->endtime, "endtime", 0, &v->endtime, err))) return rc;
    if (v->endtime != YB_DATETIME_NONE && v->endtime < v->begntime)
        return bad(c, err, YB_E_INVALID, "endtime", yb_csv_field(c, m->endtime, NULL), "endtime before begntime");
    if (m->acct_used_flag >= 0 && (rc = flag(c, m->acct_used_flag, "acct_used_flag", &v->acct_used_flag, err)))
        return rc;
    return YB_OK;
}

/* ------------------------------------------------------------------ fee_list_d */

yb_rc yb_fee_map_init(yb_fee_map *m, const yb_csv *c, yb_err *err) {
    static const char *const names[] = {"bkkp_sn", "mdtrt_id", "psn_no", "fee_ocur_time", "cnt", "pric",
                                        "det_item_fee_sumamt"};
    int *const dst[] = {&m->bkkp_sn, &m->mdtrt_id, &m->psn_no, &m->fee_ocur_time, &m->cnt, &m->pric,
                        &m->det_item_fee_sumamt};
    _Static_assert(sizeof names / sizeof names[0] == sizeof dst / sizeof dst[0], "one name per column");
    yb_rc rc = require(c, dst, names, sizeof names / sizeof names[0], err);
    if (rc) return rc;
    m->med_list_codg = yb_csv_col(c, "med_list_codg");
    m->hilist_code = yb_csv_col(c, "hilist_code");
    if (m->med_list_codg < 0 && m->hilist_code < 0) {
        yb_err_set(err, YB_E_INVALID, "med_list_codg", NULL, "missing column 'med_list_codg' (nor is there 'hilist_code')");
        yb_err_at(err, yb_csv_name(c), 1);
        return YB_E_INVALID;
    }
    return YB_OK;
}

yb_rc yb_fee_read(const yb_fee_map *m, const yb_csv *c, yb_line *l, const char **mdtrt_id, const char **psn_no,
                  yb_err *err) {
    memset(l, 0, sizeof *l);
    if (mdtrt_id) *mdtrt_id = yb_csv_field(c, m->mdtrt_id, NULL);
    if (psn_no) *psn_no = yb_csv_field(c, m->psn_no, NULL);
    char id[YB_ID_MAX];
    yb_rc rc;
    if ((rc = text(c, m->mdtrt_id, "mdtrt_id", id, sizeof id, ID, err))) return rc;
    if ((rc = text(c, m->psn_no, "psn_no", id, sizeof id, ID, err))) return rc;
    if ((rc = text(c, m->bkkp_sn, "bkkp_sn", l->feedetl_sn, sizeof l->feedetl_sn, ID, err))) return rc;
    /* med_list_codg, else hilist_code (either column may be absent, not both) */
    size_t n = 0, hn = 0;
    if (m->med_list_codg >= 0) yb_csv_field(c, m->med_list_codg, &n);
    if (m->hilist_code >= 0) yb_csv_field(c, m->hilist_code, &hn);
    if (!n && !hn)
        return bad(c, err, YB_E_INVALID, m->med_list_codg >= 0 ? "med_list_codg" : "hilist_code", "",
                   "empty (and so is hilist_code): a code is required");
    int col = n ? m->med_list_codg : m->hilist_code;
    if ((rc = text(c, col, col == m->med_list_codg ? "med_list_codg" : "hilist_code", l->med_list_codg,
                   sizeof l->med_list_codg, REQUIRED, err)))
        return rc;
    if ((rc = when(c, m->fee_ocur_time, "fee_ocur_time", 0, &l->fee_ocur_time, err))) return rc;
    if ((rc = dec(c, m->cnt, "cnt", YB_QTY_SCALE, 1, &l->cnt, err))) return rc;
    if ((rc = dec(c, m->pric, "pric", YB_PRICE_SCALE, 0, &l->pric, err))) return rc;
    if ((rc = dec(c, m->det_item_fee_sumamt, "det_item_fee_sumamt", YB_FEN_SCALE, 1, &l->sumamt, err))) return rc;
    return YB_OK;
}

/* ------------------------------------------------------------------ balances */

yb_rc yb_balc_map_init(yb_balc_map *m, const yb_csv *c, yb_err *err) {
    static const char *const names[] = {"psn_no", "insutype", "balc"};
    int *const dst[] = {&m->psn_no, &m->insutype, &m->balc};
    return require(c, dst, names, 3, err);
}

yb_rc yb_balc_read(const yb_balc_map *m, const yb_csv *c, const char **psn_no, const char **insutype, yb_fen *balc,
                   yb_err *err) {
    *psn_no = yb_csv_field(c, m->psn_no, NULL);
    *insutype = yb_csv_field(c, m->insutype, NULL);
    char id[YB_ID_MAX], it[8];
    yb_rc rc;
    if ((rc = text(c, m->psn_no, "psn_no", id, sizeof id, ID, err))) return rc;
    if ((rc = text(c, m->insutype, "insutype", it, sizeof it, REQUIRED, err))) return rc;
    return dec(c, m->balc, "balc", YB_FEN_SCALE, 0, balc, err);
}

/* ------------------------------------------------------------------ setl_d */

const char *const yb_setl_d_columns[] = {
    "setl_id", "clr_optins", "medins_setl_id", "mdtrt_id", "init_setl_id", "psn_no", "psn_insu_rlts_id", "psn_name",
    "psn_cert_type", "certno", "gend", "naty", "brdy", "age", "insutype", "psn_type", "cvlserv_flag", "cvlserv_lv",
    "sp_psn_type", "sp_psn_type_lv", "clct_grde", "flxempe_flag", "nwb_flag", "insu_admdvs", "emp_no", "emp_name",
    "emp_type", "econ_type", "afil_indu", "afil_rlts", "emp_mgt_type", "pay_loc", "fixmedins_code", "fixmedins_name",
    "hosp_lv", "fix_blng_admdvs", "lmtpric_hosp_lv", "dedc_hosp_lv", "begndate", "enddate", "setl_time",
    "mdtrt_cert_type", "mdtrt_cert_no", "med_type", "setl_type", "clr_type", "clr_way", "psn_setlway", "medfee_sumamt",
    "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_amt", "dedc_std", "crt_dedc", "act_pay_dedc",
    "hifp_pay", "pool_prop_selfpay", "hi_agre_sumfee", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay",
    "hifdm_pay", "maf_pay", "othfund_pay", "fund_pay_sumamt", "psn_pay", "acct_pay", "cash_payamt", "ownpay_hosp_part",
    "balc", "acct_mulaid_pay", "refd_setl_flag", "cal_ipt_cnt", "setl_cashpay_way", "year", "dise_no", "dise_name",
    "invono", "manl_reim_rea", "vali_flag", "memo", "rid", "updt_time", "crter_id", "crter_name", "crte_time",
    "crte_optins_no", "opter_id", "opter_name", "opt_time", "optins_no", "poolarea_no", "mid_setl_flag",
    "acct_used_flag", "quts_type", "bydise_setl_payamt", "exct_item_fund_payamt", "pt",
};
const size_t yb_setl_d_ncolumns = sizeof yb_setl_d_columns / sizeof yb_setl_d_columns[0];
_Static_assert(sizeof yb_setl_d_columns / sizeof yb_setl_d_columns[0] == 100, "setl_d has 100 columns");

/* Where a column's value comes from. */
enum {
    S_EMPTY, S_PASS, S_MIDSETL, S_SETL_ID, S_MDTRT, S_PSN, S_INSUTYPE, S_PSN_TYPE, S_CVL, S_SP, S_AREA, S_FIXCODE, S_HOSP_LV,
    S_FIXAREA, S_MED_TYPE, S_BEGN, S_END, S_YEAR, S_ACCT, S_REFD, S_SETLWAY, S_PROP,
    S_MONEY /* + index into money_cols */
};

static const struct {
    const char *col;
    int src;
} known[] = {
    {"setl_id", S_SETL_ID},        {"mdtrt_id", S_MDTRT},       {"psn_no", S_PSN},
    {"insutype", S_INSUTYPE},      {"psn_type", S_PSN_TYPE},    {"cvlserv_flag", S_CVL},
    {"sp_psn_type", S_SP},         {"insu_admdvs", S_AREA},     {"fixmedins_code", S_FIXCODE},
    {"hosp_lv", S_HOSP_LV},        {"fix_blng_admdvs", S_FIXAREA}, {"med_type", S_MED_TYPE},
    {"begndate", S_BEGN},          {"enddate", S_END},          {"year", S_YEAR},
    {"acct_used_flag", S_ACCT},    {"refd_setl_flag", S_REFD},  {"psn_setlway", S_SETLWAY},
    {"pool_prop_selfpay", S_PROP}, {"mid_setl_flag", S_MIDSETL},
};

static const char *const money_cols[] = {
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_amt", "dedc_std", "crt_dedc",
    "act_pay_dedc", "hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "hifdm_pay", "maf_pay",
    "othfund_pay", "fund_pay_sumamt", "psn_pay", "acct_pay", "cash_payamt", "balc", "acct_mulaid_pay",
    "ownpay_hosp_part",
};
#define N_MONEY (sizeof money_cols / sizeof money_cols[0])

struct yb_setl_writer {
    FILE *fp;
    int src[100];       /* S_* per column; S_PASS columns take pass[pass_k[c]] */
    int pass_k[100];
    int pass_col[100];  /* pass-through k -> source column index */
    size_t npass;
    char *row;          /* the row being built: one fwrite per row rather than ~100 stdio calls */
    size_t n, cap;
    int oom;
};

yb_setl_writer *yb_setl_writer_new(FILE *fp, const char *const *src, size_t n_src) {
    yb_setl_writer *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->fp = fp;
    for (size_t c = 0; c < yb_setl_d_ncolumns; c++) {
        const char *name = yb_setl_d_columns[c];
        int s = -1;
        for (size_t i = 0; i < sizeof known / sizeof known[0] && s < 0; i++)
            if (!strcmp(known[i].col, name)) s = known[i].src;
        for (size_t i = 0; i < N_MONEY && s < 0; i++)
            if (!strcmp(money_cols[i], name)) s = S_MONEY + (int)i;
        if (s < 0) {
            s = S_EMPTY;
            for (size_t i = 0; i < n_src; i++)
                if (src[i] && !strcmp(src[i], name)) {
                    s = S_PASS;
                    w->pass_k[c] = (int)w->npass;
                    w->pass_col[w->npass++] = (int)i;
                    break;
                }
        }
        w->src[c] = s;
    }
    return w;
}

void yb_setl_writer_free(yb_setl_writer *w) {
    if (!w) return;
    free(w->row);
    free(w);
}

size_t yb_setl_writer_npass(const yb_setl_writer *w) { return w->npass; }

int yb_setl_writer_pass(const yb_setl_writer *w, size_t k) { return k < w->npass ? w->pass_col[k] : -1; }

void yb_setl_write_header(yb_setl_writer *w) { yb_csv_put_row(w->fp, yb_setl_d_columns, yb_setl_d_ncolumns); }

/* Room for n more bytes in the row; 0 when out of memory (remembered in w->oom). */
static int room(yb_setl_writer *w, size_t n) {
    if (w->n + n <= w->cap) return 1;
    size_t nc = w->cap ? w->cap : 4096;
    while (nc < w->n + n) nc *= 2;
    char *r = realloc(w->row, nc);
    if (!r) {
        w->oom = 1;
        return 0;
    }
    w->row = r;
    w->cap = nc;
    return 1;
}

static void put_raw(yb_setl_writer *w, const char *s, size_t n) {
    if (!room(w, n)) return;
    memcpy(w->row + w->n, s, n);
    w->n += n;
}

static void put_ch(yb_setl_writer *w, char ch) { put_raw(w, &ch, 1); }

/* A field, quoted when it holds a comma, quote, CR or LF (as yb_csv_put). */
static void put_field(yb_setl_writer *w, const char *s) {
    size_t k = strcspn(s, ",\"\r\n");
    if (!s[k]) {
        put_raw(w, s, k);
        return;
    }
    size_t n = k + strlen(s + k);
    if (!room(w, 2 * n + 2)) return;
    w->row[w->n++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') w->row[w->n++] = '"';
        w->row[w->n++] = s[i];
    }
    w->row[w->n++] = '"';
}

static void put_date(yb_setl_writer *w, yb_datetime t) {
    char b[12];
    if (t != YB_DATETIME_NONE) put_raw(w, yb_date_fmt(yb_datetime_date(t), b), 10);
}

static void put_dec(yb_setl_writer *w, int64_t v, int scale) {
    char b[48];
    yb_dec_fmt(v, scale, b);
    put_raw(w, b, strlen(b));
}

yb_rc yb_setl_write(yb_setl_writer *w, const char *setl_id, const yb_person *p, const yb_visit *v,
                    const yb_settlement *s, const char *const *pass) {
    /* in the order of money_cols */
    const yb_fen amounts[N_MONEY] = {s->medfee_sumamt, s->fulamt_ownpay_amt, s->overlmt_selfpay, s->preselfpay_amt,
                                     s->inscp_scp_amt, s->dedc_std, s->crt_dedc, s->act_pay_dedc, s->hifp_pay,
                                     s->cvlserv_pay, s->hifes_pay, s->hifmi_pay, s->hifob_pay, s->hifdm_pay, s->maf_pay,
                                     s->oth_pay, s->fund_pay_sumamt, s->psn_part_amt, s->acct_pay, s->psn_cash_pay,
                                     s->balc, 0 /* no mutual-aid account payments */, s->hosp_part_amt};
    w->n = 0;
    for (size_t c = 0; c < yb_setl_d_ncolumns; c++) {
        if (c) put_ch(w, ',');
        int src = w->src[c];
        switch (src) {
        case S_EMPTY: break;
        case S_PASS:
            if (pass && pass[w->pass_k[c]]) put_field(w, pass[w->pass_k[c]]);
            break;
        case S_SETL_ID: put_field(w, setl_id); break;
        case S_MDTRT: put_field(w, v->mdtrt_id); break;
        case S_PSN: put_field(w, p->psn_no); break;
        case S_INSUTYPE: put_field(w, p->insutype); break;
        case S_PSN_TYPE: put_field(w, p->psn_type); break;
        case S_CVL: put_ch(w, p->cvlserv_flag ? '1' : '0'); break;
        case S_SP: put_field(w, p->sp_psn_type); break;
        case S_AREA: put_field(w, p->insu_admdvs); break;
        case S_FIXCODE: put_field(w, v->fixmedins_code); break;
        case S_HOSP_LV: put_field(w, v->hosp_lv); break;
        case S_FIXAREA: put_field(w, v->mdtrtarea_admvs); break;
        case S_MED_TYPE: put_field(w, v->med_type); break;
        case S_BEGN: put_date(w, v->begntime); break;
        case S_END: put_date(w, v->endtime); break;
        case S_YEAR: put_dec(w, s->year, 0); break;
        case S_ACCT: put_ch(w, v->acct_used_flag ? '1' : '0'); break;
        case S_REFD: put_ch(w, '0'); break;
        case S_MIDSETL: put_ch(w, '0'); break; /* a batch settles the whole visit: never an interim settlement */
        case S_SETLWAY: put_raw(w, "01", 2); break; /* 按项目: settled line by line */
        case S_PROP: put_dec(w, s->pool_prop, YB_RATIO_SCALE); break;
        default: put_dec(w, amounts[src - S_MONEY], YB_FEN_SCALE); break;
        }
    }
    put_ch(w, '\n');
    if (w->oom) {
        w->oom = 0;
        return YB_E_NOMEM;
    }
    if (fwrite(w->row, 1, w->n, w->fp) != w->n) return YB_E_IO;
    return YB_OK;
}

/* ------------------------------------------------------------------ setldetail */

void yb_setldetail_write_header(FILE *fp) {
    static const char *const h[] = {"mdtrt_id", "setl_id", "psn_no", "fund_pay_type", "fund_pay_type_name",
                                    "inscp_scp_amt", "fund_payamt", "crt_payb_lmt_amt", "setl_proc_info"};
    yb_csv_put_row(fp, h, 9);
}

/* Append field s to line[*o..cap), quoted when needed; 0 when it does not fit. */
static int put_cell(char *line, size_t cap, size_t *o, const char *s, int first) {
    size_t k = strcspn(s, ",\"\r\n"), n = k + strlen(s + k);
    if (*o + 2 * n + 4 > cap) return 0;
    if (!first) line[(*o)++] = ',';
    if (!s[k]) {
        memcpy(line + *o, s, n);
        *o += n;
        return 1;
    }
    line[(*o)++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') line[(*o)++] = '"';
        line[(*o)++] = s[i];
    }
    line[(*o)++] = '"';
    return 1;
}

void yb_setldetail_write(FILE *fp, const char *mdtrt_id, const char *setl_id, const char *psn_no,
                         const yb_settlement *s) {
    for (int i = 0; i < s->n_funds; i++) {
        const yb_fund_row *r = &s->funds[i];
        char base[48], pay[48], left[48];
        yb_fen_fmt(r->base, base);
        yb_fen_fmt(r->payamt, pay);
        if (r->cap_left == YB_NO_CAP) left[0] = '\0';
        else yb_fen_fmt(r->cap_left, left);
        const char *row[] = {mdtrt_id, setl_id, psn_no, r->fund_pay_type, r->name, base, pay, left, r->proc_info};
        /* one fwrite per row; the fields are bounded (ids, names and proc_info of fixed arrays) */
        char line[2048];
        size_t o = 0;
        int ok = 1;
        for (int k = 0; k < 9 && ok; k++) ok = put_cell(line, sizeof line - 1, &o, row[k], k == 0);
        if (!ok) {
            yb_csv_put_row(fp, row, 9);
            continue;
        }
        line[o++] = '\n';
        fwrite(line, 1, o, fp);
    }
}
