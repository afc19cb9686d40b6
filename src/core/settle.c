/*
 * settle.c — the settlement calculator: one visit, pure, exact to the fen.
 *
 * The calculation is docs/settlement.md, in this order:
 *   1. line split (全自费 / 超限价 / 先行自付 / 政策范围内), catalogue of the place of treatment;
 *   2. cross-region extra pre-self-pay, moved from in-scope to pre-self-pay, spread over the lines;
 *   3. the basic pool of the visit's benefit block: deductible, ratio (+ retiree bonus), annual cap,
 *      over_cap;
 *   4. the supplementary layers in policy order: base, eligibility, threshold, segments,
 *      identity adjustments, annual cap;
 *   5. the person's part, the personal account, the cash part;
 *   6. the accumulator deltas (recorded along the way; the input accumulators are never written).
 *
 * Promises: every product is rounded once with yb_round_div (half away from zero, so a refund
 * line splits as the mirror image of the same charge); every sum and difference is checked and
 * an overflow is YB_E_OVERFLOW naming the field being computed; the result satisfies the
 * identities of settle.h (yb_settle_check runs before anything is returned). Nothing here reads a
 * clock, a file or a database: the caller loads the inputs and stores the outputs. The policy is
 * expected to have passed yb_policy_validate; counts and ratios are still clamped where an index
 * or a division depends on them, so an unvalidated policy gives a wrong answer, never a crash.
 *
 * Each decision the specification leaves open is marked "Decision:" below and listed in
 * docs/settlement.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/settle.h"
#include "yibao/str.h"

#define NO_LIMIT INT64_MAX
/* Decision: at most this many fee lines in one visit (a year-long stay stays far below it). */
#define SETTLE_MAX_LINES 1000000

int64_t yb_accum_get(const yb_accum *a, const char *key) {
    if (!a || !key) return 0;
    int n = a->n < YB_ACC_MAX ? a->n : YB_ACC_MAX;
    for (int i = 0; i < n; i++)
        if (!strcmp(a->it[i].key, key)) return a->it[i].v;
    return 0;
}

yb_rc yb_accum_add(yb_accum *a, const char *key, int64_t delta) {
    if (!a || !key || !*key || a->n < 0 || a->n > YB_ACC_MAX) return YB_E_INTERNAL;
    for (int i = 0; i < a->n; i++)
        if (!strcmp(a->it[i].key, key)) return yb_add(a->it[i].v, delta, &a->it[i].v);
    if (delta == 0) return YB_OK; /* a missing key is 0 already */
    if (strlen(key) >= YB_ACC_KEY) return YB_E_LIMIT;
    if (a->n >= YB_ACC_MAX) return YB_E_LIMIT;
    memcpy(a->it[a->n].key, key, strlen(key) + 1);
    a->it[a->n].v = delta;
    a->n++;
    return YB_OK;
}

/* The visit's time for the year and the policy date: end, else start. */
static yb_datetime visit_time(const yb_visit *v) {
    return v->endtime != YB_DATETIME_NONE ? v->endtime : v->begntime;
}

int yb_settle_year(const yb_visit *v) { return yb_date_year(yb_settle_date(v)); }

yb_date yb_settle_date(const yb_visit *v) { return yb_datetime_date(visit_time(v)); }

const char *yb_fund_field(const char *t) {
    if (!t) return "oth_pay";
    if (!strcmp(t, "320100")) return "cvlserv_pay";
    if (!strcmp(t, "330100")) return "hifob_pay";
    if (!strcmp(t, "390200")) return "hifmi_pay";
    if (!strcmp(t, "610100") || !strcmp(t, "610102")) return "maf_pay";
    if (!strcmp(t, "370100")) return "hifes_pay";
    if (!strcmp(t, "350100")) return "hifdm_pay";
    return "oth_pay";
}

static yb_fen *fund_slot(yb_settlement *s, const char *t) {
    const char *f = yb_fund_field(t);
    if (!strcmp(f, "cvlserv_pay")) return &s->cvlserv_pay;
    if (!strcmp(f, "hifob_pay")) return &s->hifob_pay;
    if (!strcmp(f, "hifmi_pay")) return &s->hifmi_pay;
    if (!strcmp(f, "maf_pay")) return &s->maf_pay;
    if (!strcmp(f, "hifes_pay")) return &s->hifes_pay;
    if (!strcmp(f, "hifdm_pay")) return &s->hifdm_pay;
    return &s->oth_pay;
}

static void fmt_left(int64_t left, char *buf) {
    if (left == NO_LIMIT || left == YB_NO_CAP) strcpy(buf, "不限");
    else yb_fen_fmt(left, buf);
}

static yb_rc overflow(yb_err *err, const char *field) {
    return yb_err_set(err, YB_E_OVERFLOW, field, NULL, "amount out of range while computing %s", field);
}

/* Checked arithmetic: on failure, YB_E_OVERFLOW naming `field`. */
#define CHK(expr, field)                                          \
    do {                                                          \
        if ((expr) != YB_OK) return overflow(err, (field));       \
    } while (0)

/* The same for line i's amounts: the field's name (in path) is formatted only on failure. */
#define CHK_LINE(expr)                                                            \
    do {                                                                          \
        if ((expr) != YB_OK) {                                                    \
            snprintf(path, sizeof path, "feedetail[%zu].det_item_fee_sumamt", i); \
            return overflow(err, path);                                           \
        }                                                                         \
    } while (0)

static int64_t clamp_ratio(int64_t r) { return r < 0 ? 0 : r > YB_RATIO_ONE ? YB_RATIO_ONE : r; }

static uint64_t hash_sn(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Index of the first line whose feedetl_sn repeats an earlier one, or -1 (open addressing,
 * table at least twice the line count). */
static long find_duplicate_sn(const yb_line *lines, size_t n, yb_rc *rc) {
    *rc = YB_OK;
    if (n < 2) return -1;
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    long *slot = malloc(cap * sizeof *slot);
    if (!slot) {
        *rc = YB_E_NOMEM;
        return -1;
    }
    for (size_t i = 0; i < cap; i++) slot[i] = -1;
    long dup = -1;
    for (size_t i = 0; i < n && dup < 0; i++) {
        size_t h = (size_t)hash_sn(lines[i].feedetl_sn) & (cap - 1);
        while (slot[h] >= 0) {
            if (!strcmp(lines[slot[h]].feedetl_sn, lines[i].feedetl_sn)) {
                dup = (long)i;
                break;
            }
            h = (h + 1) & (cap - 1);
        }
        if (dup < 0) slot[h] = (long)i;
    }
    free(slot);
    return dup;
}

/* Step 1: split each line and sum the visit totals. */
static yb_rc split_lines(const yb_settle_in *in, int cls, yb_settlement *s, yb_line_split *sp, yb_err *err) {
    const yb_visit *v = in->visit;
    char path[96], buf[48];
    for (size_t i = 0; i < in->n_lines; i++) {
        const yb_line *l = &in->lines[i];
        yb_line_split *o = &sp[i];
        memset(o, 0, sizeof *o);
        o->pric_uplmt_amt = YB_PRICE_NOCAP;
        if (!memchr(l->med_list_codg, '\0', sizeof l->med_list_codg)) {
            snprintf(path, sizeof path, "feedetail[%zu].med_list_codg", i);
            return yb_err_set(err, YB_E_LIMIT, path, NULL, "code longer than %d bytes (line %s)", YB_CODE_MAX - 1,
                              l->feedetl_sn);
        }
        if (l->pric < 0) {
            snprintf(path, sizeof path, "feedetail[%zu].pric", i);
            return yb_err_set(err, YB_E_INVALID, path, yb_price_fmt(l->pric, buf), "negative price (line %s)",
                              l->feedetl_sn);
        }
        /* Decision: a refund is a line with negative cnt and negative amount; a sign mismatch
         * between the two is refused like any other disagreement of amount and quantity. */
        if ((l->cnt < 0) != (l->sumamt < 0) && l->sumamt != 0) {
            snprintf(path, sizeof path, "feedetail[%zu].det_item_fee_sumamt", i);
            return yb_err_set(err, YB_E_MISMATCH, path, yb_fen_fmt(l->sumamt, buf),
                              "amount and quantity have different signs (line %s)", l->feedetl_sn);
        }
        yb_fen expect, diff;
        if (yb_fen_of_qty_price(l->cnt, l->pric, &expect) != YB_OK) {
            snprintf(path, sizeof path, "feedetail[%zu].cnt", i);
            return yb_err_set(err, YB_E_OVERFLOW, path, yb_qty_fmt(l->cnt, buf), "cnt x pric overflows (line %s)",
                              l->feedetl_sn);
        }
        if (yb_sub(l->sumamt, expect, &diff) != YB_OK || diff > 1 || diff < -1) {
            char eb[48];
            snprintf(path, sizeof path, "feedetail[%zu].det_item_fee_sumamt", i);
            return yb_err_set(err, YB_E_MISMATCH, path, yb_fen_fmt(l->sumamt, buf),
                              "differs from cnt x pric = %s by more than 0.01 (line %s)", yb_fen_fmt(expect, eb),
                              l->feedetl_sn);
        }
        /* the catalogue entry valid when the fee arose; the visit's start (else end) when absent */
        yb_datetime t = l->fee_ocur_time != YB_DATETIME_NONE ? l->fee_ocur_time
                        : v->begntime != YB_DATETIME_NONE    ? v->begntime
                                                             : v->endtime;
        const yb_cat_entry *e =
            in->catalog ? yb_catalog_find(in->catalog, l->med_list_codg, v->mdtrtarea_admvs, yb_datetime_date(t)) : NULL;
        if (e) {
            yb_scopy(o->chrgitm_lv, sizeof o->chrgitm_lv, e->chrgitm_lv);
            yb_scopy(o->list_type, sizeof o->list_type, e->list_type);
        }
        if (!e || !strcmp(e->chrgitm_lv, "03") || l->denied) {
            /* 目录外, 丙类 or denied by audit: all of it is the person's */
            o->fulamt_ownpay_amt = l->sumamt;
            o->selfpay_prop = YB_RATIO_ONE;
        } else {
            yb_price cap = e->cap[cls];
            yb_fen capped = l->sumamt;
            if (cap >= 0) {
                o->pric_uplmt_amt = cap;
                if (l->pric > cap) CHK_LINE(yb_fen_of_qty_price(l->cnt, cap, &capped));
            }
            CHK_LINE(yb_sub(l->sumamt, capped, &o->overlmt_amt));
            o->selfpay_prop = !strcmp(e->chrgitm_lv, "01") ? 0 : (yb_ratio)clamp_ratio(e->selfpay_prop);
            CHK_LINE(yb_fen_mul_ratio(capped, o->selfpay_prop, &o->preselfpay_amt));
            CHK_LINE(yb_sub(capped, o->preselfpay_amt, &o->inscp_scp_amt));
        }
        CHK(yb_add(s->medfee_sumamt, l->sumamt, &s->medfee_sumamt), "medfee_sumamt");
        CHK(yb_add(s->fulamt_ownpay_amt, o->fulamt_ownpay_amt, &s->fulamt_ownpay_amt), "fulamt_ownpay_amt");
        CHK(yb_add(s->overlmt_selfpay, o->overlmt_amt, &s->overlmt_selfpay), "overlmt_selfpay");
        CHK(yb_add(s->preselfpay_amt, o->preselfpay_amt, &s->preselfpay_amt), "preselfpay_amt");
        CHK(yb_add(s->inscp_scp_amt, o->inscp_scp_amt, &s->inscp_scp_amt), "inscp_scp_amt");
    }
    /* Decision: refunds may net against charges of the same visit, but no visit total may end
     * up negative — that would pay money out of a settlement. */
    static const struct {
        const char *name;
        size_t off;
    } totals[] = {
        {"medfee_sumamt", offsetof(yb_settlement, medfee_sumamt)},
        {"fulamt_ownpay_amt", offsetof(yb_settlement, fulamt_ownpay_amt)},
        {"overlmt_selfpay", offsetof(yb_settlement, overlmt_selfpay)},
        {"preselfpay_amt", offsetof(yb_settlement, preselfpay_amt)},
        {"inscp_scp_amt", offsetof(yb_settlement, inscp_scp_amt)},
    };
    for (size_t k = 0; k < sizeof totals / sizeof totals[0]; k++) {
        yb_fen t = *(const yb_fen *)((const char *)s + totals[k].off);
        if (t < 0)
            return yb_err_set(err, YB_E_INVALID, totals[k].name, yb_fen_fmt(t, buf),
                              "refund lines exceed the charges they refund: the visit total is negative");
    }
    return YB_OK;
}

/* Step 2. Decision: move `extra` from in-scope to pre-self-pay spread over the lines by the
 * cumulative method — line i gets round(extra*S_i/T) - round(extra*S_{i-1}/T), S_i the running
 * in-scope sum up to line i, T the visit's in-scope total. The parts add up to `extra` exactly,
 * each part is within one fen of the exact proportional share, and since extra <= T no line gives
 * more than its own in-scope amount (a refund line takes back the mirror image). */
static yb_rc spread_offsite(const yb_settle_in *in, yb_fen extra, yb_fen total, yb_line_split *sp, yb_err *err) {
    yb_fen run = 0, prev_alloc = 0;
    for (size_t i = 0; i < in->n_lines; i++) {
        if (!sp[i].inscp_scp_amt) continue;
        CHK(yb_add(run, sp[i].inscp_scp_amt, &run), "inscp_scp_amt");
        yb_fen upto;
        CHK(yb_round_div((yb_i128)extra * run, total, &upto), "offsite_extra");
        yb_fen part;
        CHK(yb_sub(upto, prev_alloc, &part), "offsite_extra");
        prev_alloc = upto;
        CHK(yb_sub(sp[i].inscp_scp_amt, part, &sp[i].inscp_scp_amt), "inscp_scp_amt");
        CHK(yb_add(sp[i].preselfpay_amt, part, &sp[i].preselfpay_amt), "preselfpay_amt");
    }
    return YB_OK;
}

static int holds_any(const yb_policy *p, const char (*names)[YB_POL_NAME], int n, const char *sp) {
    for (int i = 0; i < n && i < YB_POL_MAX_IDENT; i++)
        if (yb_policy_has_identity(p, names[i], sp)) return 1;
    return 0;
}

static yb_rc add_fund_row(yb_settlement *s, const char *type, const char *name, yb_fen base, yb_fen pay,
                          int64_t left, const char *info, yb_err *err) {
    if (s->n_funds >= YB_MAX_FUNDS)
        return yb_err_set(err, YB_E_LIMIT, "setldetail", NULL, "more than %d fund rows", YB_MAX_FUNDS);
    yb_fund_row *r = &s->funds[s->n_funds++];
    yb_scopy(r->fund_pay_type, sizeof r->fund_pay_type, type);
    yb_scopy(r->name, sizeof r->name, name);
    r->base = base;
    r->payamt = pay;
    r->cap_left = left == NO_LIMIT ? YB_NO_CAP : left;
    yb_scopy(r->proc_info, sizeof r->proc_info, info);
    return YB_OK;
}

static yb_rc acc_key(char *key, const char *kind, const char *name, yb_err *err) {
    size_t k = strlen(kind), n = strlen(name);
    if (k + 1 + n < YB_ACC_KEY) {
        memcpy(key, kind, k);
        key[k] = '/';
        memcpy(key + k + 1, name, n + 1);
        return YB_OK;
    }
    return yb_err_set(err, YB_E_LIMIT, "accumulators", name, "accumulator key longer than %d bytes", YB_ACC_KEY - 1);
}

static yb_rc delta(yb_settlement *s, const char *kind, const char *name, int64_t d, yb_err *err) {
    char key[YB_ACC_KEY];
    yb_rc rc = acc_key(key, kind, name, err);
    if (rc) return rc;
    rc = yb_accum_add(&s->deltas, key, d);
    if (rc) return yb_err_set(err, rc, "accumulators", key, "cannot record the accumulator delta");
    return YB_OK;
}

/* The person's accumulator before this visit. Decision: a negative value cannot come from any
 * sequence of settlements and reversals, so it is refused as corrupt input. */
static yb_rc acc_read(const yb_settle_in *in, const char *kind, const char *name, int64_t *out, yb_err *err) {
    char key[YB_ACC_KEY];
    yb_rc rc = acc_key(key, kind, name, err);
    if (rc) return rc;
    *out = yb_accum_get(in->acc, key);
    if (*out < 0) {
        char b[32];
        snprintf(b, sizeof b, "%lld", (long long)*out);
        return yb_err_set(err, YB_E_INVALID, key, b, "negative accumulator");
    }
    return YB_OK;
}

/* Step 3: the basic pool of the visit's block. */
static yb_rc settle_pool(const yb_settle_in *in, const yb_insutype_policy *ip, int cls, int retired,
                         const yb_block **blk_out, yb_settlement *s, yb_err *err) {
    const yb_block *b = yb_policy_block(ip, in->visit->med_type);
    *blk_out = b;
    if (!b) return YB_OK; /* not covered by the pool: hifp_pay 0, the visit is still settled */
    yb_scopy(s->block, sizeof s->block, b->name);
    yb_rc rc;
    yb_fen dedc = b->dedc_per == YB_DEDC_NONE ? 0 : b->dedc[cls];
    int nf = b->n_admission_factors < YB_POL_MAX_FACTORS ? b->n_admission_factors : YB_POL_MAX_FACTORS;
    int64_t adm = 0, dedc_paid = 0, pool_paid = 0;
    /* the rest of a stay whose interim settlements stand: the same admission, its deductible once */
    const yb_stay *stay = b->dedc_per == YB_DEDC_PER_ADMISSION && in->stay && !strcmp(in->stay->block, b->name)
                              ? in->stay : NULL;
    if (stay) {
        if (stay->dedc_std < 0 || stay->dedc_paid < 0 || stay->dedc_paid > stay->dedc_std) {
            char v[48];
            return yb_err_set(err, YB_E_INVALID, "dedc_std", yb_fen_fmt(stay->dedc_std, v),
                              "the stay's earlier settlements paid more deductible than their standard");
        }
        dedc = stay->dedc_std;
    }
    if (!stay && b->dedc_per == YB_DEDC_PER_ADMISSION && (rc = acc_read(in, "adm", b->name, &adm, err))) return rc;
    if (!stay && b->dedc_per == YB_DEDC_PER_ADMISSION && nf > 0) {
        /* the n-th admission of the year in this block, n = admissions counted before + 1; the last
         * factor applies to every later admission */
        int k = adm >= nf ? nf - 1 : (int)adm;
        CHK(yb_fen_mul_ratio(dedc, b->admission_factor[k], &dedc), "dedc_std");
    }
    s->dedc_std = dedc;
    if (b->dedc_per == YB_DEDC_PER_YEAR) {
        if ((rc = acc_read(in, "dedc", b->name, &dedc_paid, err))) return rc;
        CHK(yb_sub(dedc, dedc_paid, &s->crt_dedc), "crt_dedc");
        s->crt_dedc = yb_max64(0, s->crt_dedc);
    } else {
        /* per admission: nothing paid toward it before this admission, or what the stay's
         * interim settlements paid */
        s->crt_dedc = stay ? dedc - stay->dedc_paid : dedc;
    }
    s->act_pay_dedc = yb_min64(s->inscp_scp_amt, s->crt_dedc);
    yb_ratio ratio = (yb_ratio)clamp_ratio((int64_t)clamp_ratio(b->ratio[cls]) + (retired ? b->retiree_bonus : 0));
    s->pool_prop = ratio;
    yb_fen eligible;
    CHK(yb_sub(s->inscp_scp_amt, s->act_pay_dedc, &eligible), "act_pay_dedc");
    yb_fen cap = retired ? b->annual_cap_retired : b->annual_cap_active;
    if ((rc = acc_read(in, "pool", b->cap_group, &pool_paid, err))) return rc;
    int64_t left = NO_LIMIT;
    if (cap != YB_NO_CAP) {
        CHK(yb_sub(cap, pool_paid, &left), "crt_payb_lmt_amt");
        left = yb_max64(0, left);
    }
    yb_fen want;
    CHK(yb_fen_mul_ratio(eligible, ratio, &want), "hifp_pay");
    if (ratio == 0 || want <= left) {
        /* Decision: ratio 0 means the pool pays nothing and nothing is "over the cap" either */
        s->hifp_pay = want;
        s->over_cap = 0;
    } else {
        /* the cap is reached inside this visit: the compliant cost the pool did not cover */
        yb_fen covered;
        s->hifp_pay = left;
        CHK(yb_fen_div_ratio(left, ratio, &covered), "over_cap");
        s->over_cap = yb_max64(0, eligible - covered); /* both within 0..eligible: no overflow */
    }
    if (left != NO_LIMIT) left -= s->hifp_pay;
    /* deltas: per-year deductible paid, one admission, pool paid in the cap group */
    if (b->dedc_per == YB_DEDC_PER_YEAR && (rc = delta(s, "dedc", b->name, s->act_pay_dedc, err))) return rc;
    if (b->dedc_per == YB_DEDC_PER_ADMISSION && !stay && (rc = delta(s, "adm", b->name, 1, err))) return rc;
    if ((rc = delta(s, "pool", b->cap_group, s->hifp_pay, err))) return rc;
    char type[8], info[200], db[48], pb[16], lb[48];
    if (b->fund_pay_type[0]) yb_scopy(type, sizeof type, b->fund_pay_type);
    else yb_scat(yb_scopy(type, 4, in->person->insutype), sizeof type, "100"); /* "%.3s100" */
    yb_pct_fmt(ratio, pb);
    fmt_left(left, lb);
    yb_scopy(info, sizeof info, "起付线");
    yb_scat(info, sizeof info, yb_fen_fmt(s->dedc_std, db));
    yb_scat(info, sizeof info, " 比例");
    yb_scat(info, sizeof info, pb);
    yb_scat(info, sizeof info, " 年度剩余限额");
    yb_scat(info, sizeof info, lb);
    /* Decision: the pool row's base is the visit's in-scope amount (before the deductible) */
    return add_fund_row(s, type, b->name, s->inscp_scp_amt, s->hifp_pay, left, info, err);
}

static int layer_applies(const yb_layer *ly, const yb_block *b) {
    if (ly->n_blocks == 0) return 1;
    if (!b) return 0;
    for (int i = 0; i < ly->n_blocks && i < YB_POL_MAX_BLOCKS; i++)
        if (!strcmp(ly->blocks[i], b->name)) return 1;
    return 0;
}

/* Step 4: the supplementary layers in policy order. */
static yb_rc settle_layers(const yb_settle_in *in, const yb_insutype_policy *ip, const yb_block *blk,
                           yb_settlement *s, yb_err *err) {
    const yb_policy *p = in->policy;
    const yb_person *psn = in->person;
    yb_fen layers_paid = 0;
    int nl = ip->n_layers < YB_POL_MAX_LAYERS ? ip->n_layers : YB_POL_MAX_LAYERS;
    for (int li = 0; li < nl; li++) {
        const yb_layer *ly = &ip->layers[li];
        char field[YB_POL_NAME + 16];
        snprintf(field, sizeof field, "setldetail.%s", ly->name);
        if (!layer_applies(ly, blk)) continue;
        if (ly->elig == YB_ELIG_CVLSERV && psn->cvlserv_flag != 1) continue;
        if (ly->elig == YB_ELIG_IDENTITIES && !holds_any(p, ly->eligible, ly->n_eligible, psn->sp_psn_type)) continue;
        /* threshold and segments: the layer's own, replaced by the first by_identity row the
         * person holds; then adjusted by the first identity_adjust entry the person holds */
        yb_fen T = ly->threshold;
        yb_segment seg[YB_POL_MAX_SEGMENTS];
        int nseg = ly->n_seg < 0 ? 0 : ly->n_seg > YB_POL_MAX_SEGMENTS ? YB_POL_MAX_SEGMENTS : ly->n_seg;
        int no_cap = 0;
        memcpy(seg, ly->seg, sizeof seg);
        int nbi = ly->n_by_identity < YB_POL_MAX_IDENT ? ly->n_by_identity : YB_POL_MAX_IDENT;
        int k = 0;
        while (k < nbi && !yb_policy_has_identity(p, ly->by_identity[k].identity, psn->sp_psn_type)) k++;
        if (k < nbi) {
            T = ly->by_identity[k].threshold;
            seg[0].from = 0;
            seg[0].ratio = ly->by_identity[k].ratio;
            nseg = 1;
        }
        /* Decision: a person eligible for a layer whose by_identity table has no row for them
         * and which has no segments of its own is not considered by it (no row, no base). */
        if (nseg == 0) continue;
        int na = ly->n_adjust < YB_POL_MAX_IDENT ? ly->n_adjust : YB_POL_MAX_IDENT;
        for (int a = 0; a < na; a++) {
            const yb_identity_adjust *adj = &ly->adjust[a];
            if (!yb_policy_has_identity(p, adj->identity, psn->sp_psn_type)) continue;
            CHK(yb_fen_mul_ratio(T, adj->threshold_factor, &T), field);
            for (int j = 0; j < nseg; j++) seg[j].ratio = (yb_ratio)clamp_ratio((int64_t)seg[j].ratio + adj->ratio_add);
            no_cap = adj->no_cap;
            break; /* the first adjustment the person holds applies */
        }
        /* this visit's base: what of the in-scope amount is still unpaid, or over_cap */
        yb_fen room;
        CHK(yb_sub(s->inscp_scp_amt, s->hifp_pay, &room), field);
        CHK(yb_sub(room, layers_paid, &room), field);
        room = yb_max64(0, room);
        yb_fen b = ly->base == YB_BASE_OVER_CAP ? s->over_cap : room;
        int64_t B0, B1, paid_before;
        yb_rc rc = acc_read(in, "base", ly->name, &B0, err);
        if (!rc) rc = acc_read(in, "paid", ly->name, &paid_before, err);
        if (rc) return rc;
        CHK(yb_add(B0, b, &B1), field);
        /* paid_raw = Σ round(overlap([B0, B1), [T + from_j, T + from_{j+1})) × ratio_j), rounded per segment */
        yb_fen raw = 0;
        for (int j = 0; j < nseg; j++) {
            int64_t lo, hi = NO_LIMIT;
            CHK(yb_add(T, seg[j].from, &lo), field);
            if (j + 1 < nseg) CHK(yb_add(T, seg[j + 1].from, &hi), field);
            int64_t a = yb_max64(B0, lo), z = yb_min64(B1, hi);
            if (z <= a) continue;
            yb_fen part;
            CHK(yb_fen_mul_ratio(z - a, seg[j].ratio, &part), field); /* 0 <= a < z <= B1: no overflow */
            CHK(yb_add(raw, part, &raw), field);
        }
        int64_t left = NO_LIMIT;
        if (!no_cap && ly->annual_cap != YB_NO_CAP) {
            CHK(yb_sub(ly->annual_cap, paid_before, &left), field);
            left = yb_max64(0, left);
        }
        /* Decision: never more than the cap left, this visit's base, or what is still unpaid of
         * the in-scope amount (two over_cap layers must not together pay more than in scope) */
        yb_fen pay = yb_min64(yb_min64(raw, left), yb_min64(b, room));
        if (left != NO_LIMIT) left -= pay;
        CHK(yb_add(layers_paid, pay, &layers_paid), field);
        yb_fen *slot = fund_slot(s, ly->fund_pay_type);
        CHK(yb_add(*slot, pay, slot), yb_fund_field(ly->fund_pay_type));
        /* the yearly base grows by b even when nothing is paid: that is how a threshold is reached */
        rc = delta(s, "base", ly->name, b, err);
        if (!rc) rc = delta(s, "paid", ly->name, pay, err);
        if (rc) return rc;
        char info[200], tb[48], bb[48], lb[48], segs[96] = "", pb[16];
        for (int j = 0; j < nseg; j++) {
            yb_pct_fmt(seg[j].ratio, pb);
            size_t used = strlen(segs);
            snprintf(segs + used, sizeof segs - used, "%s%s", j ? "/" : "", pb);
        }
        fmt_left(left, lb);
        snprintf(info, sizeof info, "起付线%s 分段%s 累计基数%s 年度剩余限额%s", yb_fen_fmt(T, tb), segs,
                 yb_fen_fmt(B1, bb), lb);
        rc = add_fund_row(s, ly->fund_pay_type, ly->name, b, pay, left, info, err);
        if (rc) return rc;
    }
    return YB_OK;
}

yb_rc yb_settle_calc(const yb_settle_in *in, yb_settlement *s, yb_line_split *sp, yb_err *err) {
    if (!s) return yb_err_set(err, YB_E_INTERNAL, NULL, NULL, "no output for the settlement");
    memset(s, 0, sizeof *s);
    if (!in || !in->policy || !in->person || !in->visit || (in->n_lines && (!in->lines || !sp)))
        return yb_err_set(err, YB_E_INVALID, NULL, NULL, "incomplete settlement input");
    if (in->n_lines > SETTLE_MAX_LINES)
        return yb_err_set(err, YB_E_LIMIT, "feedetail", NULL, "more than %d fee lines in one visit", SETTLE_MAX_LINES);
    const yb_policy *p = in->policy;
    const yb_person *psn = in->person;
    const yb_visit *v = in->visit;
    yb_scopy(s->policy_admdvs, sizeof s->policy_admdvs, p->admdvs);
    yb_scopy(s->policy_version, sizeof s->policy_version, p->version);
    if (v->begntime == YB_DATETIME_NONE && v->endtime == YB_DATETIME_NONE)
        return yb_err_set(err, YB_E_INVALID, "begntime", "", "a visit needs begntime");
    if (v->endtime != YB_DATETIME_NONE && v->begntime != YB_DATETIME_NONE && v->endtime < v->begntime)
        return yb_err_set(err, YB_E_INVALID, "endtime", NULL, "endtime is before begntime");
    s->year = yb_settle_year(v);
    const yb_insutype_policy *ip = yb_policy_insutype(p, psn->insutype);
    if (!ip)
        return yb_err_set(err, YB_E_POLICY, "insutype", psn->insutype,
                          "insurance type not covered by policy %s %s", p->admdvs, p->version);
    int cls = yb_policy_class(p, v->hosp_lv);
    if (!cls) return yb_err_set(err, YB_E_POLICY, "hosp_lv", v->hosp_lv, "unknown hospital level");
    s->level_class = cls;
    if (in->balance < 0) {
        char b[48];
        return yb_err_set(err, YB_E_INVALID, "balc", yb_fen_fmt(in->balance, b), "negative account balance");
    }
    for (size_t i = 0; i < in->n_lines; i++) {
        const char *sn = in->lines[i].feedetl_sn;
        if (!memchr(sn, '\0', sizeof in->lines[i].feedetl_sn) || !sn[0]) {
            char path[64];
            snprintf(path, sizeof path, "feedetail[%zu].feedetl_sn", i);
            return yb_err_set(err, YB_E_INVALID, path, sn[0] ? NULL : "",
                              "a fee line needs a serial number of 1 to %d bytes", YB_ID_MAX - 1);
        }
    }
    yb_rc rc;
    long dup = find_duplicate_sn(in->lines, in->n_lines, &rc);
    if (rc) return yb_err_set(err, rc, NULL, NULL, "out of memory");
    if (dup >= 0) {
        char path[64];
        snprintf(path, sizeof path, "feedetail[%ld].feedetl_sn", dup);
        return yb_err_set(err, YB_E_DUPLICATE, path, in->lines[dup].feedetl_sn,
                          "fee line serial number repeated in the visit");
    }

    /* 1. line split */
    if ((rc = split_lines(in, cls, s, sp, err))) return rc;

    /* 2. cross-region: 就医地目录 above, 参保地政策 from here on */
    if (psn->insu_admdvs[0] && v->mdtrtarea_admvs[0] && strcmp(psn->insu_admdvs, v->mdtrtarea_admvs) != 0) {
        s->offsite = 1;
        s->offsite_share = (yb_ratio)clamp_ratio(yb_policy_offsite_extra(p, v->rloc_type));
        if (s->offsite_share > 0 && s->inscp_scp_amt > 0) {
            CHK(yb_fen_mul_ratio(s->inscp_scp_amt, s->offsite_share, &s->offsite_extra), "offsite_extra");
            if ((rc = spread_offsite(in, s->offsite_extra, s->inscp_scp_amt, sp, err))) return rc;
            CHK(yb_sub(s->inscp_scp_amt, s->offsite_extra, &s->inscp_scp_amt), "inscp_scp_amt");
            CHK(yb_add(s->preselfpay_amt, s->offsite_extra, &s->preselfpay_amt), "preselfpay_amt");
        }
    }

    /* 3. pool */
    int retired = yb_policy_is_retired(p, psn->psn_type);
    const yb_block *blk = NULL;
    if ((rc = settle_pool(in, ip, cls, retired, &blk, s, err))) return rc;

    /* 4. layers */
    if ((rc = settle_layers(in, ip, blk, s, err))) return rc;

    /* 5. totals, account, cash */
    yb_fen fund = s->hifp_pay;
    const yb_fen parts[] = {s->cvlserv_pay, s->hifes_pay, s->hifmi_pay, s->hifob_pay, s->hifdm_pay, s->maf_pay, s->oth_pay};
    for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) CHK(yb_add(fund, parts[k], &fund), "fund_pay_sumamt");
    s->fund_pay_sumamt = fund;
    s->hosp_part_amt = 0; /* no payment method in this calculator shifts a part to the hospital */
    CHK(yb_sub(s->medfee_sumamt, s->fund_pay_sumamt, &s->psn_part_amt), "psn_part_amt");
    CHK(yb_sub(s->psn_part_amt, s->hosp_part_amt, &s->psn_part_amt), "psn_part_amt");
    s->balc_before = in->balance;
    if (ip->account && v->acct_used_flag == 1) {
        yb_fen payable = s->psn_part_amt;
        if (ip->account_scope_no_fulamt) CHK(yb_sub(payable, s->fulamt_ownpay_amt, &payable), "acct_pay");
        s->acct_pay = yb_max64(0, yb_min64(in->balance, payable));
    }
    s->psn_cash_pay = s->psn_part_amt - s->acct_pay; /* 0 <= acct_pay <= psn_part_amt */
    s->balc = in->balance - s->acct_pay;             /* 0 <= acct_pay <= balance */
    return yb_settle_check(s, sp, in->n_lines, err);
}

/* Sums in 128 bits, so the check itself cannot overflow whatever the struct holds. */
yb_rc yb_settle_check(const yb_settlement *s, const yb_line_split *sp, size_t n, yb_err *err) {
    char b[48];
    if (!s) return yb_err_set(err, YB_E_INTERNAL, NULL, NULL, "no settlement to check");
    if ((yb_i128)s->medfee_sumamt !=
        (yb_i128)s->fulamt_ownpay_amt + s->overlmt_selfpay + s->preselfpay_amt + s->inscp_scp_amt)
        return yb_err_set(err, YB_E_INTERNAL, "medfee_sumamt", yb_fen_fmt(s->medfee_sumamt, b),
                          "medfee != fulamt + overlmt + preselfpay + inscp");
    if (s->n_funds < 0 || s->n_funds > YB_MAX_FUNDS)
        return yb_err_set(err, YB_E_INTERNAL, "setldetail", NULL, "fund row count out of range");
    yb_i128 f = 0;
    for (int i = 0; i < s->n_funds; i++) f += s->funds[i].payamt;
    yb_i128 by_field = (yb_i128)s->hifp_pay + s->cvlserv_pay + s->hifes_pay + s->hifmi_pay + s->hifob_pay +
                       s->hifdm_pay + s->maf_pay + s->oth_pay;
    if (f != s->fund_pay_sumamt || by_field != s->fund_pay_sumamt)
        return yb_err_set(err, YB_E_INTERNAL, "fund_pay_sumamt", yb_fen_fmt(s->fund_pay_sumamt, b),
                          "fund total != sum of fund rows or of the fund fields");
    if ((yb_i128)s->psn_part_amt != (yb_i128)s->medfee_sumamt - s->fund_pay_sumamt - s->hosp_part_amt ||
        (yb_i128)s->psn_part_amt != (yb_i128)s->acct_pay + s->psn_cash_pay || s->psn_part_amt < 0 ||
        s->psn_cash_pay < 0 || s->acct_pay < 0)
        return yb_err_set(err, YB_E_INTERNAL, "psn_part_amt", yb_fen_fmt(s->psn_part_amt, b),
                          "person part != medfee - fund - hosp_part = acct + cash");
    if (sp) {
        yb_i128 l[4] = {0};
        for (size_t i = 0; i < n; i++) {
            l[0] += sp[i].fulamt_ownpay_amt;
            l[1] += sp[i].overlmt_amt;
            l[2] += sp[i].preselfpay_amt;
            l[3] += sp[i].inscp_scp_amt;
        }
        if (l[0] != s->fulamt_ownpay_amt || l[1] != s->overlmt_selfpay || l[2] != s->preselfpay_amt ||
            l[3] != s->inscp_scp_amt)
            return yb_err_set(err, YB_E_INTERNAL, "setldetail", NULL, "line splits do not add up to the visit totals");
    }
    if ((yb_i128)s->balc != (yb_i128)s->balc_before - s->acct_pay || s->balc < 0)
        return yb_err_set(err, YB_E_INTERNAL, "balc", yb_fen_fmt(s->balc, b), "balance != before - acct_pay");
    return YB_OK;
}
