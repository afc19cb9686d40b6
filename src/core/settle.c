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
 *   6. the accumulator deltas.
 * Every product is rounded once with yb_round_div (half up); every sum is checked. Nothing here
 * reads a clock, a file or a database: the caller loads the inputs and stores the outputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/settle.h"

#define NO_LIMIT INT64_MAX

int64_t yb_accum_get(const yb_accum *a, const char *key) {
    if (!a) return 0;
    for (int i = 0; i < a->n; i++)
        if (!strcmp(a->it[i].key, key)) return a->it[i].v;
    return 0;
}

yb_rc yb_accum_add(yb_accum *a, const char *key, int64_t delta) {
    for (int i = 0; i < a->n; i++)
        if (!strcmp(a->it[i].key, key)) return yb_add(a->it[i].v, delta, &a->it[i].v);
    if (delta == 0) return YB_OK; /* a missing key is 0 already */
    if (a->n >= YB_ACC_MAX) return YB_E_LIMIT;
    if (strlen(key) >= YB_ACC_KEY) return YB_E_LIMIT;
    strcpy(a->it[a->n].key, key);
    a->it[a->n].v = delta;
    a->n++;
    return YB_OK;
}

static yb_datetime visit_time(const yb_visit *v) {
    return v->endtime != YB_DATETIME_NONE ? v->endtime : v->begntime;
}

int yb_settle_year(const yb_visit *v) { return yb_date_year(yb_settle_date(v)); }

yb_date yb_settle_date(const yb_visit *v) { return yb_datetime_date(visit_time(v)); }

const char *yb_fund_field(const char *t) {
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

/* "85%", "60.5%", "7.25%" */
static void fmt_pct(yb_ratio r, char *buf, size_t cap) {
    int whole = r / 100, frac = r % 100;
    if (frac < 0) frac = -frac;
    if (frac == 0) snprintf(buf, cap, "%d%%", whole);
    else if (frac % 10 == 0) snprintf(buf, cap, "%d.%d%%", whole, frac / 10);
    else snprintf(buf, cap, "%d.%02d%%", whole, frac);
}

static void fmt_left(int64_t left, char *buf) {
    if (left == NO_LIMIT || left == YB_NO_CAP) strcpy(buf, "不限");
    else yb_fen_fmt(left, buf);
}

/* Error helpers: every error names the field and value. */
#define CHECK(expr)                                                                         \
    do {                                                                                    \
        yb_rc rc_ = (expr);                                                                 \
        if (rc_ != YB_OK) return yb_err_set(err, rc_, NULL, NULL, "amount overflow in %s", #expr); \
    } while (0)

static uint64_t hash_sn(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Index of the first line whose feedetl_sn repeats an earlier one, or -1. */
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

static yb_rc split_lines(const yb_settle_in *in, int cls, yb_settlement *s, yb_line_split *sp, yb_err *err) {
    const yb_visit *v = in->visit;
    char path[64], buf[48];
    for (size_t i = 0; i < in->n_lines; i++) {
        const yb_line *l = &in->lines[i];
        yb_line_split *o = &sp[i];
        memset(o, 0, sizeof *o);
        o->pric_uplmt_amt = YB_PRICE_NOCAP;
        if (!l->feedetl_sn[0]) {
            snprintf(path, sizeof path, "feedetail[%zu].feedetl_sn", i);
            return yb_err_set(err, YB_E_INVALID, path, "", "a fee line needs a serial number");
        }
        if ((l->cnt < 0) != (l->sumamt < 0) && l->sumamt != 0) {
            snprintf(path, sizeof path, "feedetail[%zu].det_item_fee_sumamt", i);
            return yb_err_set(err, YB_E_MISMATCH, path, yb_fen_fmt(l->sumamt, buf),
                              "amount and quantity have different signs (line %s)", l->feedetl_sn);
        }
        if (l->pric < 0) {
            snprintf(path, sizeof path, "feedetail[%zu].pric", i);
            return yb_err_set(err, YB_E_INVALID, path, yb_price_fmt(l->pric, buf), "negative price (line %s)",
                              l->feedetl_sn);
        }
        yb_fen expect;
        if (yb_fen_of_qty_price(l->cnt, l->pric, &expect) != YB_OK) {
            snprintf(path, sizeof path, "feedetail[%zu].cnt", i);
            return yb_err_set(err, YB_E_OVERFLOW, path, yb_qty_fmt(l->cnt, buf), "cnt x pric overflows (line %s)",
                              l->feedetl_sn);
        }
        if (l->sumamt - expect > 1 || expect - l->sumamt > 1) {
            char eb[48];
            snprintf(path, sizeof path, "feedetail[%zu].det_item_fee_sumamt", i);
            return yb_err_set(err, YB_E_MISMATCH, path, yb_fen_fmt(l->sumamt, buf),
                              "differs from cnt x pric = %s by more than 0.01 (line %s)", yb_fen_fmt(expect, eb),
                              l->feedetl_sn);
        }
        yb_datetime t = l->fee_ocur_time != YB_DATETIME_NONE ? l->fee_ocur_time : v->begntime;
        const yb_cat_entry *e =
            in->catalog ? yb_catalog_find(in->catalog, l->med_list_codg, v->mdtrtarea_admvs, yb_datetime_date(t)) : NULL;
        if (e) {
            memcpy(o->chrgitm_lv, e->chrgitm_lv, sizeof o->chrgitm_lv);
            memcpy(o->list_type, e->list_type, sizeof o->list_type);
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
                if (l->pric > cap) CHECK(yb_fen_of_qty_price(l->cnt, cap, &capped));
            }
            o->overlmt_amt = l->sumamt - capped;
            o->selfpay_prop = !strcmp(e->chrgitm_lv, "01") ? 0 : e->selfpay_prop;
            CHECK(yb_fen_mul_ratio(capped, o->selfpay_prop, &o->preselfpay_amt));
            o->inscp_scp_amt = capped - o->preselfpay_amt;
        }
        CHECK(yb_add(s->medfee_sumamt, l->sumamt, &s->medfee_sumamt));
        CHECK(yb_add(s->fulamt_ownpay_amt, o->fulamt_ownpay_amt, &s->fulamt_ownpay_amt));
        CHECK(yb_add(s->overlmt_selfpay, o->overlmt_amt, &s->overlmt_selfpay));
        CHECK(yb_add(s->preselfpay_amt, o->preselfpay_amt, &s->preselfpay_amt));
        CHECK(yb_add(s->inscp_scp_amt, o->inscp_scp_amt, &s->inscp_scp_amt));
    }
    if (s->medfee_sumamt < 0 || s->fulamt_ownpay_amt < 0 || s->overlmt_selfpay < 0 || s->preselfpay_amt < 0 ||
        s->inscp_scp_amt < 0)
        return yb_err_set(err, YB_E_INVALID, "feedetail", yb_fen_fmt(s->medfee_sumamt, buf),
                          "refund lines exceed the charges they refund: a visit total is negative");
    return YB_OK;
}

/* Move `extra` from in-scope to pre-self-pay, spread over the lines in proportion to their
 * in-scope amounts by the cumulative method: line i gets round(extra*S_i/T) - round(extra*S_{i-1}/T)
 * where S_i is the running in-scope sum. The parts add up to `extra` exactly and no line gives
 * more than its own in-scope amount. */
static yb_rc spread_offsite(const yb_settle_in *in, yb_fen extra, yb_fen total, yb_line_split *sp, yb_err *err) {
    yb_fen run = 0, prev_alloc = 0;
    for (size_t i = 0; i < in->n_lines; i++) {
        if (!sp[i].inscp_scp_amt) continue;
        run += sp[i].inscp_scp_amt;
        yb_fen upto;
        CHECK(yb_round_div((yb_i128)extra * run, total, &upto));
        yb_fen part = upto - prev_alloc;
        prev_alloc = upto;
        sp[i].inscp_scp_amt -= part;
        sp[i].preselfpay_amt += part;
    }
    return YB_OK;
}

static int holds_any(const yb_policy *p, const char (*names)[YB_POL_NAME], int n, const char *sp) {
    for (int i = 0; i < n; i++)
        if (yb_policy_has_identity(p, names[i], sp)) return 1;
    return 0;
}

static yb_rc add_fund_row(yb_settlement *s, const char *type, const char *name, yb_fen base, yb_fen pay,
                          int64_t left, const char *info, yb_err *err) {
    if (s->n_funds >= YB_MAX_FUNDS) return yb_err_set(err, YB_E_LIMIT, "setldetail", NULL, "more than %d fund rows", YB_MAX_FUNDS);
    yb_fund_row *r = &s->funds[s->n_funds++];
    snprintf(r->fund_pay_type, sizeof r->fund_pay_type, "%s", type);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->base = base;
    r->payamt = pay;
    r->cap_left = left == NO_LIMIT ? YB_NO_CAP : left;
    snprintf(r->proc_info, sizeof r->proc_info, "%s", info);
    return YB_OK;
}

static yb_rc delta(yb_settlement *s, const char *kind, const char *name, int64_t d, yb_err *err) {
    char key[YB_ACC_KEY];
    snprintf(key, sizeof key, "%s/%s", kind, name);
    yb_rc rc = yb_accum_add(&s->deltas, key, d);
    if (rc) return yb_err_set(err, rc, "accumulators", key, "cannot record accumulator delta");
    return YB_OK;
}

static int64_t acc_get(const yb_settle_in *in, const char *kind, const char *name) {
    char key[YB_ACC_KEY];
    snprintf(key, sizeof key, "%s/%s", kind, name);
    return yb_accum_get(in->acc, key);
}

static yb_rc settle_pool(const yb_settle_in *in, const yb_insutype_policy *ip, int cls, int retired,
                         const yb_block **blk_out, yb_settlement *s, yb_err *err) {
    const yb_block *b = yb_policy_block(ip, in->visit->med_type);
    *blk_out = b;
    if (!b) return YB_OK; /* not covered by the pool: hifp_pay 0, the visit is still settled */
    snprintf(s->block, sizeof s->block, "%s", b->name);
    yb_fen dedc = b->dedc_per == YB_DEDC_NONE ? 0 : b->dedc[cls];
    if (b->dedc_per == YB_DEDC_PER_ADMISSION && b->n_admission_factors > 0) {
        int64_t nth = acc_get(in, "adm", b->name) + 1;
        int k = nth > b->n_admission_factors ? b->n_admission_factors - 1 : (int)nth - 1;
        CHECK(yb_fen_mul_ratio(dedc, b->admission_factor[k], &dedc));
    }
    s->dedc_std = dedc;
    if (b->dedc_per == YB_DEDC_PER_YEAR) s->crt_dedc = yb_max64(0, dedc - acc_get(in, "dedc", b->name));
    else s->crt_dedc = dedc;
    s->act_pay_dedc = yb_min64(s->inscp_scp_amt, s->crt_dedc);
    yb_ratio ratio = b->ratio[cls] + (retired ? b->retiree_bonus : 0);
    s->pool_prop = ratio;
    yb_fen eligible = s->inscp_scp_amt - s->act_pay_dedc;
    yb_fen cap = retired ? b->annual_cap_retired : b->annual_cap_active;
    int64_t left = cap == YB_NO_CAP ? NO_LIMIT : yb_max64(0, cap - acc_get(in, "pool", b->cap_group));
    yb_fen want;
    CHECK(yb_fen_mul_ratio(eligible, ratio, &want));
    if (want <= left) {
        s->hifp_pay = want;
        s->over_cap = 0;
    } else {
        /* the cap is reached inside this visit: the compliant cost the pool did not cover */
        yb_fen covered;
        s->hifp_pay = left;
        CHECK(yb_fen_div_ratio(left, ratio, &covered));
        s->over_cap = yb_max64(0, eligible - covered);
    }
    if (left != NO_LIMIT) left -= s->hifp_pay;
    if (b->dedc_per == YB_DEDC_PER_YEAR && s->act_pay_dedc) {
        yb_rc rc = delta(s, "dedc", b->name, s->act_pay_dedc, err);
        if (rc) return rc;
    }
    if (b->dedc_per == YB_DEDC_PER_ADMISSION) {
        yb_rc rc = delta(s, "adm", b->name, 1, err);
        if (rc) return rc;
    }
    yb_rc rc = delta(s, "pool", b->cap_group, s->hifp_pay, err);
    if (rc) return rc;
    char type[8], info[200], db[48], pb[16], lb[48];
    if (b->fund_pay_type[0]) snprintf(type, sizeof type, "%s", b->fund_pay_type);
    else snprintf(type, sizeof type, "%.3s100", in->person->insutype);
    fmt_pct(ratio, pb, sizeof pb);
    fmt_left(left, lb);
    snprintf(info, sizeof info, "起付线%s 比例%s 年度剩余限额%s", yb_fen_fmt(s->dedc_std, db), pb, lb);
    return add_fund_row(s, type, b->name, s->inscp_scp_amt, s->hifp_pay, left, info, err);
}

static int layer_applies(const yb_layer *ly, const yb_block *b) {
    if (ly->n_blocks == 0) return 1;
    if (!b) return 0;
    for (int i = 0; i < ly->n_blocks; i++)
        if (!strcmp(ly->blocks[i], b->name)) return 1;
    return 0;
}

static yb_rc settle_layers(const yb_settle_in *in, const yb_insutype_policy *ip, const yb_block *blk,
                           yb_settlement *s, yb_err *err) {
    const yb_policy *p = in->policy;
    const yb_person *psn = in->person;
    yb_fen layers_paid = 0;
    for (int li = 0; li < ip->n_layers; li++) {
        const yb_layer *ly = &ip->layers[li];
        if (!layer_applies(ly, blk)) continue;
        if (ly->elig == YB_ELIG_CVLSERV && psn->cvlserv_flag != 1) continue;
        if (ly->elig == YB_ELIG_IDENTITIES && !holds_any(p, ly->eligible, ly->n_eligible, psn->sp_psn_type)) continue;
        /* threshold and segments: by identity, else the layer's own with an identity adjustment */
        yb_fen T = ly->threshold;
        yb_segment seg[YB_POL_MAX_SEGMENTS];
        int nseg = ly->n_seg, no_cap = 0;
        memcpy(seg, ly->seg, sizeof seg);
        if (ly->n_by_identity > 0) {
            int k = 0;
            while (k < ly->n_by_identity && !yb_policy_has_identity(p, ly->by_identity[k].identity, psn->sp_psn_type)) k++;
            if (k == ly->n_by_identity) continue; /* holds none of the identities this layer serves */
            T = ly->by_identity[k].threshold;
            seg[0].from = 0;
            seg[0].ratio = ly->by_identity[k].ratio;
            nseg = 1;
        } else {
            for (int k = 0; k < ly->n_adjust; k++) {
                const yb_identity_adjust *a = &ly->adjust[k];
                if (!yb_policy_has_identity(p, a->identity, psn->sp_psn_type)) continue;
                CHECK(yb_fen_mul_ratio(T, a->threshold_factor, &T));
                for (int j = 0; j < nseg; j++) {
                    int64_t r = (int64_t)seg[j].ratio + a->ratio_add;
                    seg[j].ratio = (yb_ratio)(r < 0 ? 0 : r > YB_RATIO_ONE ? YB_RATIO_ONE : r);
                }
                no_cap = a->no_cap;
                break; /* the first adjustment the person holds applies */
            }
        }
        /* this visit's base */
        yb_fen room = yb_max64(0, s->inscp_scp_amt - s->hifp_pay - layers_paid);
        yb_fen b = ly->base == YB_BASE_OVER_CAP ? s->over_cap : room;
        int64_t B0 = acc_get(in, "base", ly->name), B1;
        CHECK(yb_add(B0, b, &B1));
        yb_fen raw = 0;
        for (int j = 0; j < nseg; j++) {
            int64_t lo, hi = NO_LIMIT;
            CHECK(yb_add(T, seg[j].from, &lo));
            if (j + 1 < nseg) CHECK(yb_add(T, seg[j + 1].from, &hi));
            int64_t a = yb_max64(B0, lo), z = yb_min64(B1, hi);
            if (z <= a) continue;
            yb_fen part;
            CHECK(yb_fen_mul_ratio(z - a, seg[j].ratio, &part));
            CHECK(yb_add(raw, part, &raw));
        }
        int64_t left = (no_cap || ly->annual_cap == YB_NO_CAP)
                           ? NO_LIMIT
                           : yb_max64(0, ly->annual_cap - acc_get(in, "paid", ly->name));
        /* never more than the cap left, this visit's base, or what is still unpaid of the in-scope amount */
        yb_fen pay = yb_min64(yb_min64(raw, left), yb_min64(b, room));
        if (left != NO_LIMIT) left -= pay;
        layers_paid += pay;
        yb_fen *slot = fund_slot(s, ly->fund_pay_type);
        CHECK(yb_add(*slot, pay, slot));
        yb_rc rc = delta(s, "base", ly->name, b, err);
        if (!rc) rc = delta(s, "paid", ly->name, pay, err);
        if (rc) return rc;
        char info[200], tb[48], bb[48], lb[48], segs[96] = "", pb[16];
        for (int j = 0; j < nseg; j++) {
            fmt_pct(seg[j].ratio, pb, sizeof pb);
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
    memset(s, 0, sizeof *s);
    if (!in || !in->policy || !in->person || !in->visit || (in->n_lines && (!in->lines || !sp)))
        return yb_err_set(err, YB_E_INVALID, NULL, NULL, "incomplete settlement input");
    const yb_policy *p = in->policy;
    const yb_person *psn = in->person;
    const yb_visit *v = in->visit;
    snprintf(s->policy_admdvs, sizeof s->policy_admdvs, "%s", p->admdvs);
    snprintf(s->policy_version, sizeof s->policy_version, "%s", p->version);
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
    if (in->balance < 0) return yb_err_set(err, YB_E_INVALID, "balc", NULL, "negative account balance");
    yb_rc rc;
    long dup = find_duplicate_sn(in->lines, in->n_lines, &rc);
    if (rc) return yb_err_set(err, rc, NULL, NULL, "out of memory");
    if (dup >= 0) {
        char path[64];
        snprintf(path, sizeof path, "feedetail[%ld].feedetl_sn", dup);
        return yb_err_set(err, YB_E_DUPLICATE, path, in->lines[dup].feedetl_sn, "fee line serial number repeated in the visit");
    }

    /* 1. line split */
    rc = split_lines(in, cls, s, sp, err);
    if (rc) return rc;

    /* 2. cross-region: 就医地目录 above, 参保地政策 from here on */
    if (psn->insu_admdvs[0] && v->mdtrtarea_admvs[0] && strcmp(psn->insu_admdvs, v->mdtrtarea_admvs) != 0) {
        s->offsite = 1;
        s->offsite_share = yb_policy_offsite_extra(p, v->rloc_type);
        if (s->offsite_share > 0 && s->inscp_scp_amt > 0) {
            CHECK(yb_fen_mul_ratio(s->inscp_scp_amt, s->offsite_share, &s->offsite_extra));
            rc = spread_offsite(in, s->offsite_extra, s->inscp_scp_amt, sp, err);
            if (rc) return rc;
            s->inscp_scp_amt -= s->offsite_extra;
            s->preselfpay_amt += s->offsite_extra;
        }
    }

    /* 3. pool */
    int retired = yb_policy_is_retired(p, psn->psn_type);
    const yb_block *blk = NULL;
    rc = settle_pool(in, ip, cls, retired, &blk, s, err);
    if (rc) return rc;

    /* 4. layers */
    rc = settle_layers(in, ip, blk, s, err);
    if (rc) return rc;

    /* 5. totals, account, cash */
    s->fund_pay_sumamt = s->hifp_pay;
    CHECK(yb_add(s->fund_pay_sumamt, s->cvlserv_pay + s->hifes_pay + s->hifmi_pay + s->hifob_pay + s->hifdm_pay +
                                         s->maf_pay + s->oth_pay,
                 &s->fund_pay_sumamt));
    s->hosp_part_amt = 0;
    s->psn_part_amt = s->medfee_sumamt - s->fund_pay_sumamt - s->hosp_part_amt;
    s->balc_before = in->balance;
    if (ip->account && v->acct_used_flag == 1) {
        yb_fen payable = s->psn_part_amt - (ip->account_scope_no_fulamt ? s->fulamt_ownpay_amt : 0);
        s->acct_pay = yb_max64(0, yb_min64(in->balance, payable));
    }
    s->psn_cash_pay = s->psn_part_amt - s->acct_pay;
    s->balc = in->balance - s->acct_pay;
    return yb_settle_check(s, sp, in->n_lines, err);
}

yb_rc yb_settle_check(const yb_settlement *s, const yb_line_split *sp, size_t n, yb_err *err) {
    char b[48];
    if (s->medfee_sumamt != s->fulamt_ownpay_amt + s->overlmt_selfpay + s->preselfpay_amt + s->inscp_scp_amt)
        return yb_err_set(err, YB_E_INTERNAL, "medfee_sumamt", yb_fen_fmt(s->medfee_sumamt, b),
                          "medfee != fulamt + overlmt + preselfpay + inscp");
    yb_fen f = 0, l[4] = {0};
    for (int i = 0; i < s->n_funds; i++) f += s->funds[i].payamt;
    if (f != s->fund_pay_sumamt ||
        s->fund_pay_sumamt != s->hifp_pay + s->cvlserv_pay + s->hifes_pay + s->hifmi_pay + s->hifob_pay +
                                  s->hifdm_pay + s->maf_pay + s->oth_pay)
        return yb_err_set(err, YB_E_INTERNAL, "fund_pay_sumamt", yb_fen_fmt(s->fund_pay_sumamt, b),
                          "fund total != sum of fund rows");
    if (s->psn_part_amt != s->medfee_sumamt - s->fund_pay_sumamt - s->hosp_part_amt ||
        s->psn_part_amt != s->acct_pay + s->psn_cash_pay || s->psn_part_amt < 0 || s->psn_cash_pay < 0 ||
        s->acct_pay < 0)
        return yb_err_set(err, YB_E_INTERNAL, "psn_part_amt", yb_fen_fmt(s->psn_part_amt, b),
                          "person part != medfee - fund - hosp_part = acct + cash");
    if (sp) {
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
    if (s->balc != s->balc_before - s->acct_pay)
        return yb_err_set(err, YB_E_INTERNAL, "balc", yb_fen_fmt(s->balc, b), "balance != before - acct_pay");
    return YB_OK;
}
