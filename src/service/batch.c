/*
 * batch.c — batch settlement of extract tables (see include/yibao/batch.h).
 *
 * Three sorted streams are merge-joined by psn_no:
 *   visits    key  psn_no \1 settle-time \1 mdtrt_id   data: every mdtrt_d field + source line
 *   lines     key  psn_no \1 mdtrt_id \1 seq           data: the parsed yb_line + source line + parse error
 *   balances  key  psn_no \1 insutype                  data: balance + source line
 * Each stream is an external sort: records are appended to an arena until run_bytes, the arena's
 * pointers are sorted and, when the input does not fit in one run, written to a temporary run file;
 * the runs are then merged. With one run nothing touches the disk.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yibao/batch.h"
#include "yibao/csv.h"

/* ------------------------------------------------------------------ records and sorting */

typedef struct rec {
    uint32_t len;      /* bytes after this header */
    uint32_t keylen;   /* key first, then data */
    char b[];
} rec;

typedef struct sorter {
    char *arena;
    size_t used, cap;
    rec **v;
    size_t n, vcap;
    FILE **runs;
    size_t nruns;
    const char *tmpdir;
    char dir[512];
    /* merge state */
    rec **head;        /* current record of each run */
    size_t pos;        /* next in-memory record when nruns == 0 */
    int finished;
} sorter;

static int rec_cmp(const void *a, const void *b) {
    const rec *x = *(rec *const *)a, *y = *(rec *const *)b;
    uint32_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
    int c = memcmp(x->b, y->b, n);
    if (c) return c;
    return x->keylen < y->keylen ? -1 : x->keylen > y->keylen;
}

static yb_rc spill(sorter *s, yb_err *err) {
    qsort(s->v, s->n, sizeof *s->v, rec_cmp);
    char path[600];
    snprintf(path, sizeof path, "%s/run%p-%zu", s->dir, (void *)s, s->nruns);
    FILE *f = fopen(path, "w+b");
    if (f) unlink(path); /* the file lives until closed, and vanishes on a crash too */
    if (!f) return yb_err_set(err, YB_E_IO, NULL, NULL, "cannot create a temporary sort file in %s", s->dir);
    for (size_t i = 0; i < s->n; i++)
        if (fwrite(s->v[i], sizeof(rec) + s->v[i]->len, 1, f) != 1) {
            fclose(f);
            return yb_err_set(err, YB_E_IO, NULL, NULL, "cannot write a temporary sort file (disk full?)");
        }
    fflush(f);
    rewind(f);
    FILE **nr = realloc(s->runs, (s->nruns + 1) * sizeof *nr);
    if (!nr) {
        fclose(f);
        return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    }
    s->runs = nr;
    s->runs[s->nruns++] = f;
    s->used = 0;
    s->n = 0;
    return YB_OK;
}

static yb_rc sorter_add(sorter *s, const char *key, uint32_t keylen, const void *data, uint32_t dlen, yb_err *err) {
    size_t need = (sizeof(rec) + keylen + dlen + 7) & ~(size_t)7;
    if (s->used + need > s->cap && s->n > 0) {
        yb_rc rc = spill(s, err);
        if (rc) return rc;
    }
    if (need > s->cap) return yb_err_set(err, YB_E_LIMIT, NULL, NULL, "record larger than the sort run");
    if (s->n == s->vcap) {
        size_t nc = s->vcap ? s->vcap * 2 : 4096;
        rec **nv = realloc(s->v, nc * sizeof *nv);
        if (!nv) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        s->v = nv;
        s->vcap = nc;
    }
    rec *r = (rec *)(s->arena + s->used);
    r->len = keylen + dlen;
    r->keylen = keylen;
    memcpy(r->b, key, keylen);
    memcpy(r->b + keylen, data, dlen);
    s->v[s->n++] = r;
    s->used += need;
    return YB_OK;
}

static rec *read_run(FILE *f) {
    rec h;
    if (fread(&h, sizeof h, 1, f) != 1) return NULL;
    rec *r = malloc(sizeof h + h.len);
    if (!r) return NULL;
    *r = h;
    if (fread(r->b, 1, h.len, f) != h.len) {
        free(r);
        return NULL;
    }
    return r;
}

/* Finish input: sort what is in memory; with runs on disk, spill it too and open the merge. */
static yb_rc sorter_finish(sorter *s, yb_err *err) {
    if (s->nruns == 0) {
        qsort(s->v, s->n, sizeof *s->v, rec_cmp);
        s->pos = 0;
        return YB_OK;
    }
    if (s->n) {
        yb_rc rc = spill(s, err);
        if (rc) return rc;
    }
    s->head = calloc(s->nruns, sizeof *s->head);
    if (!s->head) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    for (size_t i = 0; i < s->nruns; i++) s->head[i] = read_run(s->runs[i]);
    return YB_OK;
}

/* Peek the smallest record (NULL at the end). Borrowed until sorter_pop. */
static const rec *sorter_peek(sorter *s) {
    if (s->nruns == 0) return s->pos < s->n ? s->v[s->pos] : NULL;
    const rec *best = NULL;
    for (size_t i = 0; i < s->nruns; i++)
        if (s->head[i] && (!best || rec_cmp(&s->head[i], &best) < 0)) best = s->head[i];
    return best;
}

/* Take the smallest record: the caller owns the returned copy (free it). */
static rec *sorter_pop(sorter *s) {
    if (s->nruns == 0) {
        if (s->pos >= s->n) return NULL;
        rec *r = s->v[s->pos++];
        rec *c = malloc(sizeof *r + r->len);
        if (c) memcpy(c, r, sizeof *r + r->len);
        return c;
    }
    size_t bi = SIZE_MAX;
    for (size_t i = 0; i < s->nruns; i++)
        if (s->head[i] && (bi == SIZE_MAX || rec_cmp(&s->head[i], &s->head[bi]) < 0)) bi = i;
    if (bi == SIZE_MAX) return NULL;
    rec *r = s->head[bi];
    s->head[bi] = read_run(s->runs[bi]);
    return r;
}

static void sorter_free(sorter *s) {
    for (size_t i = 0; i < s->nruns; i++) {
        if (s->runs[i]) fclose(s->runs[i]);
        if (s->head) free(s->head[i]);
    }
    free(s->runs);
    free(s->head);
    free(s->v);
    free(s->arena);
    memset(s, 0, sizeof *s);
}

static yb_rc sorter_init(sorter *s, size_t run_bytes, const char *dir, yb_err *err) {
    memset(s, 0, sizeof *s);
    s->cap = run_bytes;
    s->arena = malloc(run_bytes);
    if (!s->arena) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "cannot allocate a sort run of %zu bytes", run_bytes);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    return YB_OK;
}

/* Key of a record, and its first field after psn_no. */
static int key_psn(const rec *r, const char **psn, size_t *n) {
    const char *k = r->b;
    const char *sep = memchr(k, 1, r->keylen);
    *psn = k;
    *n = sep ? (size_t)(sep - k) : r->keylen;
    return 0;
}

static int same_psn(const rec *r, const char *psn, size_t n) {
    const char *p;
    size_t m;
    key_psn(r, &p, &m);
    return m == n && !memcmp(p, psn, n);
}

/* ------------------------------------------------------------------ record payloads */

/* A visit: the mdtrt_d fields as NUL-separated strings after a header. */
typedef struct vhead {
    long line;
    uint32_t nfields;
} vhead;

typedef struct lrec {
    yb_line line;
    long src_line;
    char err[200];     /* parse error of this line, "" when none */
    char err_field[40];
    char err_value[64];
    int err_rc;
    int claimed;       /* taken by a visit of the person */
    char mdtrt_id[YB_ID_MAX];
} lrec;

typedef struct brec {
    yb_fen balc;
    long line;
} brec;

/* ------------------------------------------------------------------ columns */

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

enum { V_MDTRT, V_PSN, V_INSU, V_PSNTYPE, V_CVL, V_SP, V_AREA, V_HOSP, V_FIXAREA, V_BEGN, V_END, V_MED, V_RLOC,
       V_FIX, V_FIXNAME, V_GEND, V_BRDY, V_N };
static const char *const vcols[V_N] = {"mdtrt_id", "psn_no", "insutype", "psn_type", "cvlserv_flag", "sp_psn_type",
                                       "insu_admdvs", "hosp_lv", "fix_blng_admdvs", "begntime", "endtime", "med_type",
                                       "rloc_type", "fixmedins_code", "fixmedins_name", "gend", "brdy"};
enum { F_SN, F_MDTRT, F_PSN, F_TIME, F_CODE, F_CNT, F_PRIC, F_SUM, F_N };
static const char *const fcols[F_N] = {"bkkp_sn", "mdtrt_id", "psn_no", "fee_ocur_time", "med_list_codg", "cnt", "pric",
                                       "det_item_fee_sumamt"};

/* ------------------------------------------------------------------ the batch */

typedef struct acc_slot {
    char insutype[8];
    int year;
    yb_accum acc;
} acc_slot;

typedef struct bal_slot {
    char insutype[8];
    yb_fen balc;
} bal_slot;

typedef struct batch {
    const yb_refdata *rd;
    const yb_batch_opts *o;
    yb_batch_stats *st;
    FILE *out, *detail, *rejects;
    size_t nvcols;
    int vix[V_N];
    int acct_col;            /* index of acct_used_flag in mdtrt_d, -1 */
    int *setl_from_v;        /* for each setl_d column, the mdtrt_d column to copy, or -1 */
    int *setl_act;           /* for each setl_d column, what to write (ACT_*), decided once */
    const char **fp;         /* the current visit's fields, indexed once per visit */
    uint32_t fp_n;
    /* per person */
    acc_slot *acc;
    size_t nacc, acccap;
    bal_slot *bal;
    size_t nbal, balcap;
    lrec *lines;
    size_t nlines, linecap;
    yb_line *vlines;
    yb_line_split *splits;
    size_t vlcap;
} batch;

static void reject(batch *b, const char *file, long line, const char *mdtrt, const char *psn, const yb_err *e) {
    b->st->rejected++;
    if (b->rejects) {
        char ln[24], rcs[16];
        snprintf(ln, sizeof ln, "%ld", line);
        snprintf(rcs, sizeof rcs, "%s", yb_rc_str(e->rc));
        const char *row[] = {file, ln, mdtrt, psn, e->field, e->value, rcs, e->msg};
        yb_csv_put_row(b->rejects, row, 8);
    }
    if (b->o->on_rejected) {
        yb_reject r = {file, line, mdtrt, psn, e};
        b->o->on_rejected(b->o->ctx, &r);
    }
}

static yb_accum *acc_for(batch *b, const char *insutype, int year) {
    for (size_t i = 0; i < b->nacc; i++)
        if (b->acc[i].year == year && !strcmp(b->acc[i].insutype, insutype)) return &b->acc[i].acc;
    if (b->nacc == b->acccap) {
        size_t nc = b->acccap ? b->acccap * 2 : 8;
        acc_slot *n = realloc(b->acc, nc * sizeof *n);
        if (!n) return NULL;
        b->acc = n;
        b->acccap = nc;
    }
    acc_slot *s = &b->acc[b->nacc++];
    memset(s, 0, sizeof *s);
    snprintf(s->insutype, sizeof s->insutype, "%s", insutype);
    s->year = year;
    return &s->acc;
}

static bal_slot *bal_for(batch *b, const char *insutype) {
    for (size_t i = 0; i < b->nbal; i++)
        if (!strcmp(b->bal[i].insutype, insutype)) return &b->bal[i];
    return NULL;
}

static const char *vfield(const char *data, uint32_t nfields, int i) {
    if (i < 0 || (uint32_t)i >= nfields) return "";
    const char *p = data;
    for (int k = 0; k < i; k++) p += strlen(p) + 1;
    return p;
}

/* Index the fields of one visit record once, so that each access is O(1). */
static void index_fields(batch *b, const char *data, uint32_t nfields) {
    const char *p = data;
    for (uint32_t k = 0; k < nfields && k < b->nvcols; k++) {
        b->fp[k] = p;
        p += strlen(p) + 1;
    }
    b->fp_n = nfields < b->nvcols ? nfields : (uint32_t)b->nvcols;
}

static const char *fld(const batch *b, int i) { return i >= 0 && (uint32_t)i < b->fp_n ? b->fp[i] : ""; }

enum { ACT_EMPTY, ACT_COPY, ACT_SETL_ID, ACT_PROP, ACT_REFD, ACT_YEAR, ACT_ACCT, ACT_SETLWAY, ACT_BEGN, ACT_END,
       ACT_MONEY /* + index into the amounts of write_setl */ };
static const char *const money_cols[] = {
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_amt", "dedc_std", "crt_dedc",
    "act_pay_dedc", "hifp_pay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "hifdm_pay", "maf_pay",
    "othfund_pay", "fund_pay_sumamt", "psn_pay", "acct_pay", "cash_payamt", "balc", "acct_mulaid_pay",
    "ownpay_hosp_part",
};

static int setl_action(const char *col, int from_v) {
    for (size_t i = 0; i < sizeof money_cols / sizeof money_cols[0]; i++)
        if (!strcmp(col, money_cols[i])) return ACT_MONEY + (int)i;
    if (!strcmp(col, "setl_id")) return ACT_SETL_ID;
    if (!strcmp(col, "pool_prop_selfpay")) return ACT_PROP;
    if (!strcmp(col, "refd_setl_flag")) return ACT_REFD;
    if (!strcmp(col, "year")) return ACT_YEAR;
    if (!strcmp(col, "acct_used_flag")) return ACT_ACCT;
    if (!strcmp(col, "psn_setlway")) return ACT_SETLWAY;
    if (!strcmp(col, "begndate")) return ACT_BEGN;
    if (!strcmp(col, "enddate")) return ACT_END;
    return from_v >= 0 ? ACT_COPY : ACT_EMPTY;
}

static void put_money(FILE *f, yb_fen v) {
    char b[48];
    fputs(yb_fen_fmt(v, b), f);
}

static void write_setl(batch *b, const char *setl_id, const yb_settlement *s, int acct_flag) {
    FILE *f = b->out;
    char tmp[48];
    /* in the order of money_cols */
    const yb_fen amounts[] = {s->medfee_sumamt, s->fulamt_ownpay_amt, s->overlmt_selfpay, s->preselfpay_amt,
                              s->inscp_scp_amt, s->dedc_std, s->crt_dedc, s->act_pay_dedc, s->hifp_pay,
                              s->cvlserv_pay, s->hifes_pay, s->hifmi_pay, s->hifob_pay, s->hifdm_pay, s->maf_pay,
                              s->oth_pay, s->fund_pay_sumamt, s->psn_part_amt, s->acct_pay, s->psn_cash_pay, s->balc,
                              0, 0};
    for (size_t c = 0; c < yb_setl_d_ncolumns; c++) {
        if (c) fputc(',', f);
        int act = b->setl_act[c];
        const char *t;
        switch (act) {
        case ACT_EMPTY: break;
        case ACT_COPY:
            t = fld(b, b->setl_from_v[c]);
            yb_csv_put(f, t, strlen(t));
            break;
        case ACT_SETL_ID: fputs(setl_id, f); break;
        case ACT_PROP: fputs(yb_ratio_fmt(s->pool_prop, tmp), f); break;
        case ACT_REFD: fputc('0', f); break;
        case ACT_YEAR: fprintf(f, "%d", s->year); break;
        case ACT_ACCT: fputc(acct_flag ? '1' : '0', f); break;
        case ACT_SETLWAY: fputs("01", f); break;
        case ACT_BEGN:
        case ACT_END:
            t = fld(b, b->vix[act == ACT_BEGN ? V_BEGN : V_END]);
            fwrite(t, 1, strlen(t) < 10 ? strlen(t) : 10, f);
            break;
        default: put_money(f, amounts[act - ACT_MONEY]); break;
        }
    }
    fputc('\n', f);
}

static void write_detail(batch *b, const char *mdtrt, const char *setl_id, const char *psn, const yb_settlement *s) {
    if (!b->detail) return;
    for (int i = 0; i < s->n_funds; i++) {
        const yb_fund_row *r = &s->funds[i];
        char base[48], pay[48], left[48];
        yb_fen_fmt(r->base, base);
        yb_fen_fmt(r->payamt, pay);
        if (r->cap_left == YB_NO_CAP) left[0] = '\0';
        else yb_fen_fmt(r->cap_left, left);
        const char *row[] = {mdtrt, setl_id, psn, r->fund_pay_type, r->name, base, pay, left, r->proc_info};
        yb_csv_put_row(b->detail, row, 9);
    }
}

static int lrec_cmp_mdtrt(const void *a, const void *b2) {
    return strcmp(((const lrec *)a)->mdtrt_id, ((const lrec *)b2)->mdtrt_id);
}

/* Parse the visit fields of one mdtrt_d record into person + visit. */
static yb_rc parse_visit(batch *b, const char *d, uint32_t nf, yb_person *p, yb_visit *v, int *acct, yb_err *err) {
    memset(p, 0, sizeof *p);
    memset(v, 0, sizeof *v);
#define COPY(dst, idx)                                                                                   \
    do {                                                                                                 \
        const char *s_ = fld(b, b->vix[idx]);                                                            \
        if (strlen(s_) >= sizeof(dst)) return yb_err_set(err, YB_E_LIMIT, vcols[idx], s_, "value too long"); \
        strcpy(dst, s_);                                                                                 \
    } while (0)
    COPY(v->mdtrt_id, V_MDTRT);
    COPY(p->psn_no, V_PSN);
    COPY(p->insutype, V_INSU);
    COPY(p->psn_type, V_PSNTYPE);
    COPY(p->sp_psn_type, V_SP);
    COPY(p->insu_admdvs, V_AREA);
    COPY(v->hosp_lv, V_HOSP);
    COPY(v->mdtrtarea_admvs, V_FIXAREA);
    COPY(v->med_type, V_MED);
    COPY(v->rloc_type, V_RLOC);
    COPY(v->fixmedins_code, V_FIX);
#undef COPY
    if (!p->insutype[0]) return yb_err_set(err, YB_E_INVALID, "insutype", "", "empty insurance type");
    if (!v->med_type[0]) return yb_err_set(err, YB_E_INVALID, "med_type", "", "empty med_type");
    const char *cv = fld(b, b->vix[V_CVL]);
    if (*cv && strcmp(cv, "0") && strcmp(cv, "1")) return yb_err_set(err, YB_E_INVALID, "cvlserv_flag", cv, "0 or 1 expected");
    p->cvlserv_flag = cv[0] == '1';
    const char *g = fld(b, b->vix[V_GEND]);
    p->gend = g[0] == '1' ? 1 : g[0] == '2' ? 2 : 0;
    const char *bd = fld(b, b->vix[V_BRDY]);
    p->brdy = YB_DATE_NONE;
    if (*bd && yb_date_parse(bd, strnlen(bd, 10), &p->brdy) && yb_date_parse(bd, strlen(bd), &p->brdy))
        return yb_err_set(err, YB_E_INVALID, "brdy", bd, "not a date yyyy-MM-dd");
    const char *t = fld(b, b->vix[V_BEGN]);
    if (yb_datetime_parse(t, strlen(t), &v->begntime)) return yb_err_set(err, YB_E_INVALID, "begntime", t, "not a time yyyy-MM-dd HH:mm:ss");
    t = fld(b, b->vix[V_END]);
    v->endtime = YB_DATETIME_NONE;
    if (*t && yb_datetime_parse(t, strlen(t), &v->endtime)) return yb_err_set(err, YB_E_INVALID, "endtime", t, "not a time yyyy-MM-dd HH:mm:ss");
    const char *a = b->acct_col >= 0 ? fld(b, b->acct_col) : "";
    if (*a && strcmp(a, "0") && strcmp(a, "1")) return yb_err_set(err, YB_E_INVALID, "acct_used_flag", a, "0 or 1 expected");
    *acct = v->acct_used_flag = a[0] == '1';
    return YB_OK;
}

/* Settle one person's visits (already popped, in order) against their lines. */
static yb_rc settle_person(batch *b, rec **visits, size_t nv, yb_err *fatal) {
    /* lines sorted by mdtrt_id (stable by seq already) */
    qsort(b->lines, b->nlines, sizeof *b->lines, lrec_cmp_mdtrt);
    for (size_t i = 0; i < nv; i++) {
        const rec *r = visits[i];
        vhead hv; /* records are packed: copy the header out rather than cast */
        memcpy(&hv, r->b + r->keylen, sizeof hv);
        const vhead *h = &hv;
        const char *d = r->b + r->keylen + sizeof hv;
        index_fields(b, d, h->nfields);
        yb_person p;
        yb_visit v;
        int acct = 0;
        yb_err e;
        yb_err_clear(&e);
        const char *mdtrt = fld(b, b->vix[V_MDTRT]);
        const char *psn = fld(b, b->vix[V_PSN]);
        if (parse_visit(b, d, h->nfields, &p, &v, &acct, &e)) {
            reject(b, b->o->mdtrt_path, h->line, mdtrt, psn, &e);
            continue;
        }
        if (i > 0) { /* the same mdtrt_id twice for one person */
            int dup = 0;
            for (size_t k = 0; k < i && !dup; k++) {
                vhead hk;
                memcpy(&hk, visits[k]->b + visits[k]->keylen, sizeof hk);
                dup = !strcmp(vfield(visits[k]->b + visits[k]->keylen + sizeof hk, hk.nfields, b->vix[V_MDTRT]), mdtrt);
            }
            if (dup) {
                yb_err_set(&e, YB_E_DUPLICATE, "mdtrt_id", mdtrt, "visit listed twice in mdtrt_d");
                reject(b, b->o->mdtrt_path, h->line, mdtrt, psn, &e);
                continue;
            }
        }
        /* its lines */
        lrec key;
        snprintf(key.mdtrt_id, sizeof key.mdtrt_id, "%s", mdtrt);
        lrec *first = bsearch(&key, b->lines, b->nlines, sizeof *b->lines, lrec_cmp_mdtrt);
        size_t lo = 0, cnt = 0;
        if (first) {
            lo = (size_t)(first - b->lines);
            while (lo > 0 && !strcmp(b->lines[lo - 1].mdtrt_id, mdtrt)) lo--;
            while (lo + cnt < b->nlines && !strcmp(b->lines[lo + cnt].mdtrt_id, mdtrt)) cnt++;
            for (size_t k = lo; k < lo + cnt; k++) b->lines[k].claimed = 1;
        }
        if (!cnt) {
            yb_err_set(&e, YB_E_INVALID, "mdtrt_id", mdtrt, "the visit has no fee lines in fee_list_d");
            reject(b, b->o->mdtrt_path, h->line, mdtrt, psn, &e);
            continue;
        }
        const lrec *bad = NULL;
        for (size_t k = lo; k < lo + cnt && !bad; k++)
            if (b->lines[k].err[0]) bad = &b->lines[k];
        if (bad) {
            yb_err_set(&e, (yb_rc)bad->err_rc, bad->err_field, bad->err_value, "%s", bad->err);
            reject(b, b->o->fee_path, bad->src_line, mdtrt, psn, &e);
            continue;
        }
        if (cnt > b->vlcap) {
            yb_line *nl = realloc(b->vlines, cnt * sizeof *nl);
            yb_line_split *ns = nl ? realloc(b->splits, cnt * sizeof *ns) : NULL;
            if (nl) b->vlines = nl;
            if (!nl || !ns) return yb_err_set(fatal, YB_E_NOMEM, NULL, NULL, "out of memory");
            b->splits = ns;
            b->vlcap = cnt;
        }
        for (size_t k = 0; k < cnt; k++) b->vlines[k] = b->lines[lo + k].line;
        const yb_policy *pol = yb_refdata_policy(b->rd, p.insu_admdvs, yb_settle_date(&v));
        if (!pol) {
            char db[12];
            yb_err_set(&e, YB_E_POLICY, "insu_admdvs", p.insu_admdvs, "no policy of this area is in force on %s",
                       yb_date_fmt(yb_settle_date(&v), db));
            reject(b, b->o->mdtrt_path, h->line, mdtrt, psn, &e);
            continue;
        }
        yb_accum *acc = acc_for(b, p.insutype, yb_settle_year(&v));
        if (!acc) return yb_err_set(fatal, YB_E_NOMEM, NULL, NULL, "out of memory");
        bal_slot *bs = bal_for(b, p.insutype);
        yb_settle_in in = {pol, b->rd->catalog, &p, &v, b->vlines, cnt, acc, bs ? bs->balc : 0};
        yb_settlement s;
        if (yb_settle_calc(&in, &s, b->splits, &e)) {
            const char *file = b->o->mdtrt_path;
            long line = h->line;
            int li;
            if (sscanf(e.field, "feedetail[%d]", &li) == 1 && li >= 0 && (size_t)li < cnt) {
                file = b->o->fee_path;
                line = b->lines[lo + (size_t)li].src_line;
                const char *dot = strchr(e.field, '.');
                if (dot) memmove(e.field, dot + 1, strlen(dot));
                if (!strcmp(e.field, "feedetl_sn")) strcpy(e.field, "bkkp_sn");
            }
            reject(b, file, line, mdtrt, psn, &e);
            continue;
        }
        for (int k = 0; k < s.deltas.n; k++)
            if (yb_accum_add(acc, s.deltas.it[k].key, s.deltas.it[k].v))
                return yb_err_set(fatal, YB_E_LIMIT, "accumulators", s.deltas.it[k].key, "too many accumulators for one person");
        if (bs) bs->balc = s.balc;
        char setl_id[64];
        snprintf(setl_id, sizeof setl_id, "S%s", mdtrt);
        write_setl(b, setl_id, &s, acct);
        write_detail(b, mdtrt, setl_id, psn, &s);
        b->st->settled++;
        if (b->o->on_settled) b->o->on_settled(b->o->ctx, &p, &v, fld(b, b->vix[V_FIXNAME]), &s);
    }
    /* lines that no visit claimed */
    for (size_t k = 0; k < b->nlines;) {
        if (b->lines[k].claimed) {
            k++;
            continue;
        }
        size_t j = k;
        while (j < b->nlines && !b->lines[j].claimed && !strcmp(b->lines[j].mdtrt_id, b->lines[k].mdtrt_id)) j++;
        yb_err e;
        yb_err_clear(&e);
        yb_err_set(&e, YB_E_NOTFOUND, "mdtrt_id", b->lines[k].mdtrt_id,
                   "%zu fee line(s) of a visit that is not in mdtrt_d for this person", j - k);
        b->st->orphan_lines += j - k;
        reject(b, b->o->fee_path, b->lines[k].src_line, b->lines[k].mdtrt_id, "", &e);
        k = j;
    }
    return YB_OK;
}

/* ------------------------------------------------------------------ reading inputs */

static yb_rc read_visits(batch *b, sorter *s, yb_err *err) {
    yb_csv *c = NULL;
    yb_rc rc = yb_csv_open(b->o->mdtrt_path, &c, err);
    if (rc) return rc;
    rc = yb_csv_require(c, vcols, V_N, b->vix, err);
    if (rc) goto done;
    b->acct_col = yb_csv_col(c, "acct_used_flag");
    b->nvcols = yb_csv_ncols(c);
    b->setl_from_v = malloc(yb_setl_d_ncolumns * sizeof *b->setl_from_v);
    if (!b->setl_from_v) {
        rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        goto done;
    }
    b->setl_act = malloc(yb_setl_d_ncolumns * sizeof *b->setl_act);
    b->fp = malloc(b->nvcols * sizeof *b->fp);
    if (!b->setl_act || !b->fp) {
        rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < yb_setl_d_ncolumns; i++) {
        b->setl_from_v[i] = yb_csv_col(c, yb_setl_d_columns[i]);
        b->setl_act[i] = setl_action(yb_setl_d_columns[i], b->setl_from_v[i]);
    }
    char *buf = NULL;
    size_t cap = 0;
    int r;
    while ((r = yb_csv_next(c, err)) == 1) {
        b->st->visits++;
        /* data: header + all fields NUL-separated */
        size_t need = sizeof(vhead);
        for (size_t i = 0; i < b->nvcols; i++) need += strlen(yb_csv_field(c, (int)i, NULL)) + 1;
        if (need > cap) {
            char *nb = realloc(buf, need * 2);
            if (!nb) {
                rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
                break;
            }
            buf = nb;
            cap = need * 2;
        }
        vhead h = {yb_csv_line(c), (uint32_t)b->nvcols};
        memcpy(buf, &h, sizeof h);
        size_t o = sizeof h;
        for (size_t i = 0; i < b->nvcols; i++) {
            size_t n;
            const char *f = yb_csv_field(c, (int)i, &n);
            memcpy(buf + o, f, n + 1);
            o += n + 1;
        }
        /* key: psn_no \1 endtime-or-begntime \1 mdtrt_id */
        char key[256];
        const char *end = yb_csv_field(c, b->vix[V_END], NULL);
        int kl = snprintf(key, sizeof key, "%s\1%s\1%s", yb_csv_field(c, b->vix[V_PSN], NULL),
                          *end ? end : yb_csv_field(c, b->vix[V_BEGN], NULL), yb_csv_field(c, b->vix[V_MDTRT], NULL));
        if (kl < 0 || (size_t)kl >= sizeof key) kl = sizeof key - 1;
        rc = sorter_add(s, key, (uint32_t)kl, buf, (uint32_t)o, err);
        if (rc) break;
    }
    free(buf);
    if (!rc && r < 0) rc = err->rc ? err->rc : YB_E_INVALID;
done:
    yb_csv_close(c);
    return rc;
}

static void line_error(lrec *l, yb_rc rc, const char *field, const char *value, const char *msg) {
    if (l->err[0]) return;
    l->err_rc = rc;
    snprintf(l->err_field, sizeof l->err_field, "%s", field);
    snprintf(l->err_value, sizeof l->err_value, "%s", value);
    snprintf(l->err, sizeof l->err, "%s", msg);
}

static yb_rc read_lines(batch *b, sorter *s, yb_err *err) {
    yb_csv *c = NULL;
    yb_rc rc = yb_csv_open(b->o->fee_path, &c, err);
    if (rc) return rc;
    int ix[F_N];
    rc = yb_csv_require(c, fcols, F_N, ix, err);
    int hil = yb_csv_col(c, "hilist_code");
    int r = 0;
    unsigned long long seq = 0;
    while (!rc && (r = yb_csv_next(c, err)) == 1) {
        b->st->lines++;
        lrec l;
        memset(&l, 0, sizeof l);
        l.src_line = yb_csv_line(c);
        l.line.fee_ocur_time = YB_DATETIME_NONE;
        size_t n;
        const char *f = yb_csv_field(c, ix[F_SN], &n);
        if (!n) line_error(&l, YB_E_INVALID, "bkkp_sn", f, "empty fee line serial number");
        else if (n >= sizeof l.line.feedetl_sn) line_error(&l, YB_E_LIMIT, "bkkp_sn", f, "serial number too long");
        else memcpy(l.line.feedetl_sn, f, n + 1);
        f = yb_csv_field(c, ix[F_CODE], &n);
        if (!n && hil >= 0) f = yb_csv_field(c, hil, &n);
        if (n >= sizeof l.line.med_list_codg) line_error(&l, YB_E_LIMIT, "med_list_codg", f, "code too long");
        else memcpy(l.line.med_list_codg, f, n + 1);
        f = yb_csv_field(c, ix[F_TIME], &n);
        if (n && yb_datetime_parse(f, n, &l.line.fee_ocur_time))
            line_error(&l, YB_E_INVALID, "fee_ocur_time", f, "not a time yyyy-MM-dd HH:mm:ss");
        static const struct {
            int col;
            int scale;
            const char *name;
        } nums[] = {{F_CNT, YB_QTY_SCALE, "cnt"}, {F_PRIC, YB_PRICE_SCALE, "pric"}, {F_SUM, YB_FEN_SCALE, "det_item_fee_sumamt"}};
        int64_t *dst[] = {&l.line.cnt, &l.line.pric, &l.line.sumamt};
        for (int k = 0; k < 3; k++) {
            f = yb_csv_field(c, ix[nums[k].col], &n);
            yb_rc pr = yb_dec_parse(f, n, nums[k].scale, k != 1, dst[k]);
            if (pr == YB_E_PRECISION) {
                char m[64];
                snprintf(m, sizeof m, "more than %d decimals", nums[k].scale);
                line_error(&l, pr, nums[k].name, f, m);
            } else if (pr == YB_E_OVERFLOW) {
                line_error(&l, pr, nums[k].name, f, "number too large");
            } else if (pr) {
                line_error(&l, YB_E_INVALID, nums[k].name, f, k == 1 ? "not a non-negative decimal" : "not a decimal");
            }
        }
        const char *m = yb_csv_field(c, ix[F_MDTRT], &n);
        if (n >= sizeof l.mdtrt_id) {
            line_error(&l, YB_E_LIMIT, "mdtrt_id", m, "visit id too long");
            n = sizeof l.mdtrt_id - 1;
        }
        memcpy(l.mdtrt_id, m, n);
        l.mdtrt_id[n] = '\0';
        char key[160];
        int kl = snprintf(key, sizeof key, "%s\1%s\1%012llu", yb_csv_field(c, ix[F_PSN], NULL), l.mdtrt_id, seq++);
        if (kl < 0 || (size_t)kl >= sizeof key) kl = sizeof key - 1;
        rc = sorter_add(s, key, (uint32_t)kl, &l, sizeof l, err);
    }
    if (!rc && r < 0) rc = err->rc ? err->rc : YB_E_INVALID;
    yb_csv_close(c);
    return rc;
}

static yb_rc read_balances(batch *b, sorter *s, yb_err *err) {
    yb_csv *c = NULL;
    yb_rc rc = yb_csv_open(b->o->acct_path, &c, err);
    if (rc) return rc;
    static const char *const cols[] = {"psn_no", "insutype", "balc"};
    int ix[3];
    rc = yb_csv_require(c, cols, 3, ix, err);
    int r = 0;
    while (!rc && (r = yb_csv_next(c, err)) == 1) {
        size_t n;
        const char *f = yb_csv_field(c, ix[2], &n);
        brec br = {0, yb_csv_line(c)};
        yb_rc pr = yb_fen_parse(f, n, 0, &br.balc);
        if (pr) {
            yb_err_set(err, pr, "balc", f, pr == YB_E_PRECISION ? "more than 2 decimals" : "not a non-negative amount");
            yb_err_at(err, yb_csv_name(c), yb_csv_line(c));
            rc = pr;
            break;
        }
        char key[128];
        int kl = snprintf(key, sizeof key, "%s\1%s", yb_csv_field(c, ix[0], NULL), yb_csv_field(c, ix[1], NULL));
        if (kl < 0 || (size_t)kl >= sizeof key) kl = sizeof key - 1;
        rc = sorter_add(s, key, (uint32_t)kl, &br, sizeof br, err);
    }
    if (!rc && r < 0) rc = err->rc ? err->rc : YB_E_INVALID;
    yb_csv_close(c);
    return rc;
}

/* ------------------------------------------------------------------ driver */

static FILE *open_tmp(const char *final, char *tmp, size_t cap, yb_err *err) {
    snprintf(tmp, cap, "%s.tmp%ld", final, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        yb_err_set(err, YB_E_IO, NULL, NULL, "cannot write: %s", strerror(errno));
        yb_err_at(err, final, 0);
    }
    return f;
}

yb_rc yb_batch_settle(const yb_refdata *rd, const yb_batch_opts *o, yb_batch_stats *st, yb_err *err) {
    memset(st, 0, sizeof *st);
    batch b;
    memset(&b, 0, sizeof b);
    b.rd = rd;
    b.o = o;
    b.st = st;
    b.acct_col = -1;
    size_t run = o->run_bytes ? o->run_bytes : (size_t)64 << 20;
    const char *tmpdir = o->tmpdir ? o->tmpdir : getenv("TMPDIR");
    if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
    char dir[512];
    snprintf(dir, sizeof dir, "%s/yibao-batch-XXXXXX", tmpdir);
    if (!mkdtemp(dir)) return yb_err_set(err, YB_E_IO, "tmpdir", tmpdir, "cannot create a temporary directory");
    sorter vs, ls, bs;
    memset(&vs, 0, sizeof vs);
    memset(&ls, 0, sizeof ls);
    memset(&bs, 0, sizeof bs);
    char tout[600] = "", tdet[600] = "", trej[600] = "";
    yb_rc rc = sorter_init(&vs, run / 2, dir, err);
    if (!rc) rc = sorter_init(&ls, run / 2, dir, err);
    if (!rc) rc = sorter_init(&bs, o->acct_path ? run / 8 : 4096, dir, err);
    if (!rc) rc = read_visits(&b, &vs, err);
    if (!rc) rc = read_lines(&b, &ls, err);
    if (!rc && o->acct_path) rc = read_balances(&b, &bs, err);
    if (!rc) rc = sorter_finish(&vs, err);
    if (!rc) rc = sorter_finish(&ls, err);
    if (!rc) rc = sorter_finish(&bs, err);
    st->runs = vs.nruns + ls.nruns + bs.nruns;
    if (!rc && !(b.out = open_tmp(o->out_path, tout, sizeof tout, err))) rc = YB_E_IO;
    if (!rc && o->detail_path && !(b.detail = open_tmp(o->detail_path, tdet, sizeof tdet, err))) rc = YB_E_IO;
    if (!rc && o->rejects_path && !(b.rejects = open_tmp(o->rejects_path, trej, sizeof trej, err))) rc = YB_E_IO;
    if (!rc) {
        yb_csv_put_row(b.out, yb_setl_d_columns, yb_setl_d_ncolumns);
        if (b.detail) {
            static const char *const h[] = {"mdtrt_id", "setl_id", "psn_no", "fund_pay_type", "fund_pay_type_name",
                                            "inscp_scp_amt", "fund_payamt", "crt_payb_lmt_amt", "setl_proc_info"};
            yb_csv_put_row(b.detail, h, 9);
        }
        if (b.rejects) {
            static const char *const h[] = {"file", "line", "mdtrt_id", "psn_no", "field", "value", "rc", "message"};
            yb_csv_put_row(b.rejects, h, 8);
        }
    }
    rec **visits = NULL;
    size_t vcap = 0;
    while (!rc) {
        /* the next person: the smallest psn_no among the heads of the three streams */
        const rec *hv = sorter_peek(&vs), *hl = sorter_peek(&ls);
        if (!hv && !hl) break;
        const rec *pick = !hv ? hl : !hl ? hv : NULL;
        if (!pick) {
            const char *a, *c2;
            size_t an, cn;
            key_psn(hv, &a, &an);
            key_psn(hl, &c2, &cn);
            int cmp = memcmp(a, c2, an < cn ? an : cn);
            if (!cmp) cmp = an < cn ? -1 : an > cn;
            pick = cmp <= 0 ? hv : hl;
        }
        char psn[YB_ID_MAX * 4];
        const char *pp;
        size_t pn;
        key_psn(pick, &pp, &pn);
        if (pn >= sizeof psn) pn = sizeof psn - 1;
        memcpy(psn, pp, pn);
        psn[pn] = '\0';
        st->persons++;
        size_t nv = 0;
        while ((hv = sorter_peek(&vs)) && same_psn(hv, psn, pn)) {
            if (nv == vcap) {
                vcap = vcap ? vcap * 2 : 16;
                rec **nvv = realloc(visits, vcap * sizeof *nvv);
                if (!nvv) {
                    rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
                    break;
                }
                visits = nvv;
            }
            visits[nv++] = sorter_pop(&vs);
            if (!visits[nv - 1]) {
                nv--;
                rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
                break;
            }
        }
        b.nlines = 0;
        while (!rc && (hl = sorter_peek(&ls)) && same_psn(hl, psn, pn)) {
            rec *r = sorter_pop(&ls);
            if (!r) {
                rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
                break;
            }
            if (b.nlines == b.linecap) {
                size_t nc = b.linecap ? b.linecap * 2 : 256;
                lrec *nl = realloc(b.lines, nc * sizeof *nl);
                if (!nl) {
                    free(r);
                    rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
                    break;
                }
                b.lines = nl;
                b.linecap = nc;
            }
            memcpy(&b.lines[b.nlines++], r->b + r->keylen, sizeof(lrec));
            free(r);
        }
        /* balances of this person (skipping any of persons without visits) */
        b.nbal = 0;
        const rec *hb;
        while (!rc && (hb = sorter_peek(&bs))) {
            const char *bp;
            size_t bn;
            key_psn(hb, &bp, &bn);
            int cmp = memcmp(bp, psn, bn < pn ? bn : pn);
            if (!cmp) cmp = bn < pn ? -1 : bn > pn;
            if (cmp > 0) break;
            rec *r = sorter_pop(&bs);
            if (cmp == 0 && r) {
                if (b.nbal == b.balcap) {
                    b.balcap = b.balcap ? b.balcap * 2 : 4;
                    bal_slot *nb = realloc(b.bal, b.balcap * sizeof *nb);
                    if (!nb) {
                        free(r);
                        rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
                        break;
                    }
                    b.bal = nb;
                }
                bal_slot *sl = &b.bal[b.nbal++];
                const char *it = memchr(r->b, 1, r->keylen);
                size_t il = it ? r->keylen - (size_t)(it + 1 - r->b) : 0;
                if (il >= sizeof sl->insutype) il = sizeof sl->insutype - 1;
                memcpy(sl->insutype, it ? it + 1 : "", il);
                sl->insutype[il] = '\0';
                brec br;
                memcpy(&br, r->b + r->keylen, sizeof br);
                sl->balc = br.balc;
            }
            free(r);
        }
        b.nacc = 0;
        if (!rc) rc = settle_person(&b, visits, nv, err);
        for (size_t i = 0; i < nv; i++) free(visits[i]);
    }
    free(visits);
    if (!rc && b.out && (fflush(b.out) || ferror(b.out))) rc = yb_err_set(err, YB_E_IO, NULL, NULL, "write failed (disk full?)");
    FILE *fs[3] = {b.out, b.detail, b.rejects};
    const char *tmps[3] = {tout, tdet, trej}, *finals[3] = {o->out_path, o->detail_path, o->rejects_path};
    for (int i = 0; i < 3; i++) {
        if (!fs[i]) continue;
        if (fclose(fs[i]) && !rc) rc = yb_err_set(err, YB_E_IO, NULL, NULL, "write failed (disk full?)");
        if (!rc && rename(tmps[i], finals[i])) rc = yb_err_set(err, YB_E_IO, NULL, finals[i], "cannot rename the output into place");
    }
    if (rc)
        for (int i = 0; i < 3; i++)
            if (tmps[i][0]) unlink(tmps[i]);
    sorter_free(&vs);
    sorter_free(&ls);
    sorter_free(&bs);
    rmdir(dir);
    free(b.setl_from_v);
    free(b.setl_act);
    free(b.fp);
    free(b.acc);
    free(b.bal);
    free(b.lines);
    free(b.vlines);
    free(b.splits);
    return rc;
}
