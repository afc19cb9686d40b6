/*
 * audit_kinds.c — the rule kinds: what each checks and how much of a line violates.
 *
 * Each function implements one kind exactly as docs/audit.md states it. Per-line kinds judge one
 * line; group kinds receive the entries of one rule sorted by (key, fee time, feedetl_sn) and
 * walk them in runs; cross-visit kinds read and extend the person's history. Excess quantities
 * are taken from the latest lines; amounts are exact: the line's (refund-netted) amount when the
 * whole line violates, else round(units x price) or a pro-rata share, rounded once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit_eng.h"

#define ONE YB_QTY_ONE

static uint64_t k1_of(const ar_rule *r, uint32_t key) { return ((uint64_t)r->idx << 32) | key; }

/* ------------------------------------------------------------------ per-line kinds */

static int hosp_tier(const char *lv) {
    static const char *const t3[] = {"01", "02", "03", "04", "12"};
    static const char *const t2[] = {"05", "06", "07", "13"};
    static const char *const t1[] = {"08", "09", "10", "14"};
    for (size_t i = 0; i < 5; i++) if (!strcmp(lv, t3[i])) return 3;
    for (size_t i = 0; i < 4; i++) if (!strcmp(lv, t2[i])) return 2;
    for (size_t i = 0; i < 4; i++) if (!strcmp(lv, t1[i])) return 1;
    if (!strcmp(lv, "11")) return 0;
    return -1;
}

/* Alternatives "(a|b)" or "a|b": *lo, *hi bound the inside. */
static void alts_bounds(const char *pat, const char **lo, const char **hi) {
    size_t n = strlen(pat);
    *lo = pat;
    *hi = pat + n;
    if (n >= 2 && pat[0] == '(' && pat[n - 1] == ')') {
        (*lo)++;
        (*hi)--;
    }
}

/* Does text contain one of the alternatives of pat? */
static int has_any(const char *text, const char *pat) {
    const char *p, *end;
    alts_bounds(pat, &p, &end);
    while (p < end) {
        const char *bar = memchr(p, '|', (size_t)(end - p));
        size_t len = bar ? (size_t)(bar - p) : (size_t)(end - p);
        char alt[256];
        if (len && len < sizeof alt) {
            memcpy(alt, p, len);
            alt[len] = '\0';
            if (strstr(text, alt)) return 1;
        }
        if (!bar) break;
        p = bar + 1;
    }
    return 0;
}

/* The alternatives joined with 或 ("精神或心理"), for vola_cont. */
static const char *alts_text(const char *pat, char *buf, size_t cap) {
    const char *p, *end;
    alts_bounds(pat, &p, &end);
    size_t o = 0;
    for (; p < end && o + 4 < cap; p++) {
        if (*p == '|') {
            memcpy(buf + o, "或", 3);
            o += 3;
        } else {
            buf[o++] = *p;
        }
    }
    while (o > 0 && ((unsigned char)buf[o - 1] & 0xC0) == 0xC0) o--;   /* no cut lead byte */
    buf[o] = '\0';
    return buf;
}

static const char *band_name(int b) {
    static const char *const n[] = {"新生儿", "婴幼儿", "儿童", "成年"};
    return b >= 0 && b < 4 ? n[b] : "";
}

int yb__line_satisfies(const yb_auditor *a, const ar_rule *r, const ar_row *row, size_t i) {
    const yb_audit_visit *v = a->v;
    if (r->info.kind == YB_AK_SPECIALTY) {
        const char *dept = v->lines[i].dept && *v->lines[i].dept ? v->lines[i].dept : v->dept;
        return dept && *dept && has_any(dept, row->value);
    }
    if (r->info.kind == YB_AK_INDICATION) {
        for (size_t k = 0; k < v->n_diags; k++)
            if (v->diags[k].name && has_any(v->diags[k].name, row->value)) return 1;
        return 0;
    }
    return 0;
}

yb_rc yb__kind_line(yb_auditor *a, const ar_rule *r, const ar_row *row, size_t i) {
    const yb_audit_visit *v = a->v;
    const yb_person *p = &v->person;
    const char *name = yb__show_name(a, row, i);
    yb_date d = a->date[i];
    yb_qty q = a->eff[i];          /* violating units: the whole line unless set below */
    int stas = 1;
    char qb[32];
    yb__hit_reset(a);
    switch (r->info.kind) {
    case YB_AK_GENDER:
        if ((p->gend != 1 && p->gend != 2) || p->gend == row->a) return YB_OK;
        yb__cont(a, "%s限%s性使用，参保人性别为%s", name, row->a == 1 ? "男" : "女", p->gend == 1 ? "男" : "女");
        break;
    case YB_AK_AGE_BAND: {
        if (p->brdy == YB_DATE_NONE || d < p->brdy) return YB_OK;
        int years = yb_age_years(p->brdy, d), days = d - p->brdy, bad;
        switch (row->a) {
        case AR_BAND_NEWBORN: bad = days > r->newborn_days; break;
        case AR_BAND_INFANT: bad = years >= r->infant_years; break;
        case AR_BAND_CHILD: bad = years >= r->child_years; break;
        default: bad = years < r->child_years; break;
        }
        if (!bad) return YB_OK;
        if (row->a == AR_BAND_NEWBORN)
            yb__cont(a, "%s限新生儿（出生%d天内）使用，参保人收费日出生%d天", name, r->newborn_days, days);
        else
            yb__cont(a, "%s限%s使用，参保人收费日年龄%d岁", name, band_name(row->a), years);
        break;
    }
    case YB_AK_RETIRE_AGE: {
        if (p->brdy == YB_DATE_NONE || (p->gend != 1 && p->gend != 2) || d < p->brdy) return YB_OK;
        int years = yb_age_years(p->brdy, d), lim = p->gend == 1 ? r->retire_male : r->retire_female;
        if (years < lim) return YB_OK;
        yb__cont(a, "%s限法定就业年龄内参保人，参保人收费日年龄%d岁，已达法定退休年龄%d岁", name, years, lim);
        break;
    }
    case YB_AK_INSUTYPE:
        if (row->a == 1) {
            yb__cont(a, "%s限工伤保险支付，不属于基本医疗保险支付范围", name);
        } else {
            if (yb__list_has(r->maternity_med_types, v->visit.med_type) ||
                yb__list_has(r->maternity_insutypes, p->insutype))
                return YB_OK;
            yb__cont(a, "%s限生育保险支付，本次就诊医疗类别%s、险种%s", name, v->visit.med_type, p->insutype);
        }
        break;
    case YB_AK_MEDTYPE: {
        int inp = yb__is_inpatient(r, v->visit.med_type);
        if (row->a == 1) {
            if (inp || (row->b && yb__list_has(r->emergency_med_types, v->visit.med_type))) return YB_OK;
            yb__cont(a, "%s限住院%s使用，本次就诊医疗类别%s", name, row->b ? "或急诊" : "", v->visit.med_type);
        } else {
            if (!inp) return YB_OK;
            yb__cont(a, "%s限门诊使用，本次就诊为住院（医疗类别%s）", name, v->visit.med_type);
        }
        break;
    }
    case YB_AK_HOSPLV: {
        int tier = hosp_tier(v->visit.hosp_lv);
        if (tier < 0 || tier >= row->a) return YB_OK;
        yb__cont(a, "%s限%s医疗机构使用，本机构等级%s", name,
                 row->a == 3 ? "三级" : row->a == 2 ? "二级及以上" : "一级及以上", v->visit.hosp_lv);
        break;
    }
    case YB_AK_SPECIALTY: {
        const char *dept = a->v->lines[i].dept && *a->v->lines[i].dept ? a->v->lines[i].dept : v->dept;
        if (!dept || !*dept || has_any(dept, row->value)) return YB_OK;
        char ab[200];
        yb__cont(a, "%s限%s专科使用，收费科室为%s", name, alts_text(row->value, ab, sizeof ab), dept);
        break;
    }
    case YB_AK_INDICATION: {
        int named = 0;
        for (size_t k = 0; k < v->n_diags; k++) {
            const char *dn = v->diags[k].name;
            if (!dn || !*dn) continue;
            named = 1;
            if (has_any(dn, row->value)) return YB_OK;
        }
        if (!named) return YB_OK;
        char ab[200];
        yb__cont(a, "%s限%s患者使用，本次就诊诊断中无相应疾病", name, alts_text(row->value, ab, sizeof ab));
        break;
    }
    case YB_AK_QUANTITY:
        if (a->eff[i] <= row->v) return YB_OK;
        q = a->eff[i] - row->v;
        yb__cont(a, "%s单次计价数量%s，超过限定数量%s", name, yb__qfmt(a->eff[i], qb), row->value);
        break;
    case YB_AK_SWAP:
        stas = 0;
        if (*row->name2)
            yb__cont(a, "%s疑似串换收费（实际可能为%s）", name, row->name2);
        else
            yb__cont(a, "%s疑似串换收费", name);
        break;
    case YB_AK_PHANTOM:
        stas = 0;
        yb__cont(a, "%s列入虚记排查清单，请核实是否实际发生", name);
        break;
    default:
        return YB_OK;
    }
    yb_fen amt;
    yb_rc rc = yb__part_amt(a, i, q, &amt);
    if (rc) return yb_err_set(a->err, rc, "det_item_fee_sumamt", a->v->lines[i].line.feedetl_sn, "amount overflows");
    if ((rc = yb__ref_line(a, i, 1, q, amt))) return rc;
    if (*row->value)
        yb__evid(a, "%s %s %s", r->info.evid, row->code, row->value);
    else
        yb__evid(a, "%s %s", r->info.evid, row->code);
    return yb__emit(a, r, stas, 0);
}

/* ------------------------------------------------------------------ shared pieces */

static size_t run_end(const au_ent *e, size_t n, size_t s) {
    size_t k = s;
    while (k < n && e[k].key == e[s].key) k++;
    return k;
}

static size_t date_end(yb_auditor *a, const au_ent *e, size_t hi, size_t s) {
    size_t k = s;
    while (k < hi && a->date[e[k].line] == a->date[e[s].line]) k++;
    return k;
}

static yb_rc amt_of(yb_auditor *a, size_t i, yb_qty q, yb_fen *out) {
    yb_rc rc = yb__part_amt(a, i, q, out);
    if (rc) yb_err_set(a->err, rc, "det_item_fee_sumamt", a->v->lines[i].line.feedetl_sn, "amount overflows");
    return rc;
}

/* Take `excess` units from the latest lines of e[s, k) (positive lines only) into a->vq/a->va.
 * Returns the number of lines that got a part. */
static yb_rc take_latest(yb_auditor *a, const au_ent *e, size_t s, size_t k, yb_qty excess, int *nviol) {
    *nviol = 0;
    for (size_t j = s; j < k; j++) {
        a->vq[e[j].line] = 0;
        a->va[e[j].line] = 0;
    }
    for (size_t j = k; j > s && excess > 0; j--) {
        size_t i = e[j - 1].line;
        if (a->eff[i] <= 0 || a->vq[i]) continue;
        yb_qty take = a->eff[i] < excess ? a->eff[i] : excess;
        a->vq[i] = take;
        excess -= take;
        yb_rc rc = amt_of(a, i, take, &a->va[i]);
        if (rc) return rc;
        (*nviol)++;
    }
    return YB_OK;
}

/* Violating refs for the lines that got a part, involved refs for the other positive lines. */
static yb_rc refs_of_group(yb_auditor *a, const au_ent *e, size_t s, size_t k) {
    yb_rc rc;
    for (size_t j = s; j < k; j++) {
        size_t i = e[j].line;
        if (a->vq[i] > 0 && (rc = yb__ref_line(a, i, 1, a->vq[i], a->va[i]))) return rc;
    }
    for (size_t j = s; j < k; j++) {
        size_t i = e[j].line;
        if (a->eff[i] > 0 && !a->vq[i] && (rc = yb__ref_line(a, i, 2, 0, 0))) return rc;
    }
    return YB_OK;
}

static yb_rc slot_of(yb_auditor *a, uint64_t k1, uint64_t k2, size_t *si) {
    h_slot *s = yb__hist_slot(a->h, k1, k2);
    if (!s) return yb_err_set(a->err, YB_E_NOMEM, NULL, NULL, "out of memory");
    *si = (size_t)(s - a->h->slot);
    return YB_OK;
}

static yb_rc record(yb_auditor *a, size_t si, size_t i, yb_qty q, yb_fen amt) {
    yb_rc rc = yb__hist_event(a->h, si, a->cur, (uint32_t)i, a->date[i], a->t[i], q, amt,
                              a->v->lines[i].line.feedetl_sn);
    if (rc == YB_E_NOMEM) yb_err_set(a->err, rc, NULL, NULL, "out of memory");
    return rc;
}

/* Events of an earlier visit, newest first; stops early when the slot's dates are monotonic
 * and the event is before `floor`. */
#define EACH_EARLIER(a, si, ev, floor)                                                           \
    for (int32_t ei_ = (a)->h->slot[si].last; ei_ >= 0; ei_ = (a)->h->ev[ei_].prev)            \
        if (((ev) = &(a)->h->ev[ei_]), ((a)->h->slot[si].monotonic && (ev)->date < (floor)))  \
            break;                                                                             \
        else

/* ------------------------------------------------------------------ frequency */

static const char *period_word(int period) {
    static const char *const w[] = {"当日", "本周", "本月", "本年"};
    return w[period & 3];
}

static const char *period_unit(int period) {
    static const char *const w[] = {"日", "周", "月", "年"};
    return w[period & 3];
}

static yb_rc g_frequency(yb_auditor *a, const ar_rule *r, const au_ent *e, size_t n) {
    yb_rc rc;
    for (size_t s = 0; s < n;) {
        size_t ke = run_end(e, n, s);
        const ar_row *row = &r->rows[e[s].key];
        size_t si = 0;
        if ((rc = slot_of(a, k1_of(r, e[s].key), 0, &si))) return rc;
        for (size_t p0 = s; p0 < ke;) {
            int64_t per = yb__period(a->date[e[p0].line], row->a);
            size_t p1 = p0;
            while (p1 < ke && yb__period(a->date[e[p1].line], row->a) == per) p1++;
            /* paid in the same period by earlier visits */
            yb_qty hist = 0, total;
            const h_ev *ev;
            yb_date floor = a->date[e[p0].line] - 366;
            EACH_EARLIER(a, si, ev, floor) {
                if (ev->visit != a->cur && yb__period(ev->date, row->a) == per) hist += ev->qty;
            }
            total = hist;
            for (size_t j = p0; j < p1; j++) total += a->eff[e[j].line];
            int nv = 0;
            if ((rc = take_latest(a, e, p0, p1, total - row->v, &nv))) return rc;
            if (nv) {
                yb__hit_reset(a);
                if ((rc = refs_of_group(a, e, p0, p1))) return rc;
                EACH_EARLIER(a, si, ev, floor) {
                    if (ev->visit != a->cur && ev->qty > 0 && yb__period(ev->date, row->a) == per &&
                        (rc = yb__ref_event(a, ev, 2)))
                        return rc;
                }
                char tb[32], lb[32];
                const char *name = yb__show_name(a, row, e[p0].line);
                int hours = !strcmp(row->value, "小时");
                if (hours)
                    yb__cont(a, "%s%s计费%s小时，超过限定%s小时/日", name, period_word(row->a), yb__qfmt(total, tb),
                             yb__qfmt(row->v, lb));
                else
                    yb__cont(a, "%s%s计费%s次，超过限定频次%s次/%s", name, period_word(row->a), yb__qfmt(total, tb),
                             yb__qfmt(row->v, lb), period_unit(row->a));
                if (!strcmp(row->value, "日") || !strcmp(row->value, "天") || hours)
                    yb__evid(a, "%s %s %s/%s", r->info.evid, row->code, yb__qfmt(row->v, lb), row->value);
                else
                    yb__evid(a, "%s %s %s", r->info.evid, row->code, row->value);
                if ((rc = yb__emit(a, r, 1, 0))) return rc;
            }
            for (size_t j = p0; j < p1; j++) {
                size_t i = e[j].line;
                yb_qty paid = a->eff[i] > 0 ? a->eff[i] - a->vq[i] : a->eff[i];
                yb_fen pamt = a->eff[i] > 0 ? a->effamt[i] - a->va[i] : a->effamt[i];
                if (paid && (rc = record(a, si, i, paid, pamt))) return rc;
            }
            p0 = p1;
        }
        s = ke;
    }
    return YB_OK;
}

/* ------------------------------------------------------------------ cycle */

static yb_rc g_cycle(yb_auditor *a, const ar_rule *r, const au_ent *e, size_t n) {
    yb_rc rc;
    for (size_t s = 0; s < n;) {
        size_t ke = run_end(e, n, s);
        const ar_row *row = &r->rows[e[s].key];
        size_t si = 0;
        if ((rc = slot_of(a, k1_of(r, e[s].key), 0, &si))) return rc;
        for (size_t j = s; j < ke; j++) {
            size_t i = e[j].line;
            yb_date d = a->date[i], lo = d - row->a + 1;
            if (a->eff[i] < 0) {
                if ((rc = record(a, si, i, a->eff[i], a->effamt[i]))) return rc;
                continue;
            }
            yb_qty paid = 0;
            const h_ev *ev;
            EACH_EARLIER(a, si, ev, lo) {
                if (ev->date >= lo && ev->date <= d) paid += ev->qty;
            }
            yb_qty allowed = row->v - paid, vq = 0;
            if (allowed < a->eff[i]) vq = allowed <= 0 ? a->eff[i] : a->eff[i] - allowed;
            yb_fen va = 0;
            if (vq) {
                if ((rc = amt_of(a, i, vq, &va))) return rc;
                yb__hit_reset(a);
                if ((rc = yb__ref_line(a, i, 1, vq, va))) return rc;
                EACH_EARLIER(a, si, ev, lo) {
                    if (ev->date >= lo && ev->date <= d && ev->qty > 0 && (rc = yb__ref_event(a, ev, 2))) return rc;
                }
                char pb[32], kb[32];
                /* the count includes this line: "15天内计费2次" for one earlier charge and this one */
                yb__cont(a, "%s%d天内计费%s次，超过限定周期%d天%s次", yb__show_name(a, row, i), row->a,
                         yb__qfmt(paid + a->eff[i], pb), row->a, yb__qfmt(row->v, kb));
                yb__evid(a, "%s %s %s次/%d天", r->info.evid, row->code, yb__qfmt(row->v, kb), row->a);
                if ((rc = yb__emit(a, r, 1, 0))) return rc;
            }
            if (a->eff[i] - vq > 0 && (rc = record(a, si, i, a->eff[i] - vq, a->effamt[i] - va))) return rc;
        }
        s = ke;
    }
    return YB_OK;
}

/* ------------------------------------------------------------------ course */

static uint64_t pack_diag(const char *code, int len) {
    uint64_t k = 0;
    for (int i = 0; i < len && i < 8 && code[i]; i++) k = (k << 8) | (unsigned char)code[i];
    return k + 1;
}

static yb_rc g_course(yb_auditor *a, const ar_rule *r, const au_ent *e, size_t n) {
    yb_rc rc;
    const char *diag = yb__main_diag(a->v);
    for (size_t s = 0; s < n;) {
        size_t ke = run_end(e, n, s);
        const ar_row *row = &r->rows[e[s].key];
        uint64_t k2 = (row->c & AR_COURSE_EPISODE) ? pack_diag(diag, r->diag_len) : 0;
        size_t si = 0;
        if ((rc = slot_of(a, k1_of(r, e[s].key), k2, &si))) return rc;
        for (size_t j = s; j < ke; j++) {
            size_t i = e[j].line;
            if (a->eff[i] <= 0) continue;
            h_slot *sl = &a->h->slot[si];
            yb_date d = a->date[i];
            if (sl->last_seen != YB_DATE_NONE && d - sl->last_seen > r->restart_days) {
                sl->first = YB_DATE_NONE;
                sl->last_paid = YB_DATE_NONE;
            }
            int reason = 0;
            if (sl->first == YB_DATE_NONE) {
                sl->first = d;
            } else if (row->a && d >= sl->first + row->a) {
                reason = 1;
            } else if (row->b && sl->last_paid != YB_DATE_NONE && d - sl->last_paid < row->b) {
                reason = 2;
            }
            if (!reason && (row->c & AR_COURSE_WEEKLY)) {
                int64_t wk = yb__period(d, AR_WEEK);
                const h_ev *ev;
                EACH_EARLIER(a, si, ev, d - 7) {
                    if (ev->qty > 0 && yb__period(ev->date, AR_WEEK) == wk) reason = 3;
                }
            }
            if (sl->last_seen == YB_DATE_NONE || d > sl->last_seen) sl->last_seen = d;
            if (!reason) {
                sl->last_paid = d;
                if ((rc = record(a, si, i, a->eff[i], a->effamt[i]))) return rc;
                continue;
            }
            yb__hit_reset(a);
            if ((rc = yb__ref_line(a, i, 1, a->eff[i], a->effamt[i]))) return rc;
            const char *name = yb__show_name(a, row, i);
            char fb[11];
            if (reason == 1)
                yb__cont(a, "%s自%s首次支付起已满%d天（本次为第%d天），超过限定疗程", name, yb_date_fmt(sl->first, fb), row->a,
                         d - sl->first + 1);
            else if (reason == 2)
                yb__cont(a, "%s距上次支付%d天，短于限定间隔%d天", name, d - sl->last_paid, row->b);
            else
                yb__cont(a, "%s本周已支付，每周最多支付一次", name);
            yb__evid(a, "%s %s %s", r->info.evid, row->code, row->value);
            if ((rc = yb__emit(a, r, 1, 0))) return rc;
        }
        s = ke;
    }
    return YB_OK;
}

/* ------------------------------------------------------------------ drug course */

static yb_rc g_drug_course(yb_auditor *a, const ar_rule *r, const au_ent *e, size_t n) {
    yb_rc rc;
    for (size_t s = 0; s < n;) {
        size_t ke = run_end(e, n, s);
        size_t si = 0;
        if ((rc = slot_of(a, k1_of(r, e[s].key), 0, &si))) return rc;
        for (size_t j = s; j < ke; j++) {
            size_t i = e[j].line;
            if (a->eff[i] <= 0) continue;
            const ar_row *row = &r->rows[e[j].row];
            h_slot *sl = &a->h->slot[si];
            int N = row->a;
            int k = a->v->lines[i].prd_days > 0 ? a->v->lines[i].prd_days : 1;
            if (k > 3660) k = 3660;
            yb_date d0 = a->date[i], d1 = d0 + k - 1;
            if (sl->active && d0 - sl->cov_end - 1 >= r->gap_days) sl->active = 0;
            if (!sl->active) {
                sl->active = 1;
                sl->start = d0;
                sl->cov_end = d0 - 1;
                sl->count = 0;
                sl->nth = YB_DATE_NONE;
            }
            yb_date from = d0 > sl->cov_end + 1 ? d0 : sl->cov_end + 1;
            if (from <= d1) {
                int add = d1 - from + 1;
                if (sl->nth == YB_DATE_NONE && sl->count + add >= N) sl->nth = from + (N - sl->count - 1);
                sl->count += add;
                sl->cov_end = d1;
            }
            if (sl->nth == YB_DATE_NONE) continue;
            yb_date vfrom = d0 > sl->nth + 1 ? d0 : sl->nth + 1;
            int vd = d1 >= vfrom ? d1 - vfrom + 1 : 0;
            if (!vd) continue;
            yb_qty vq = a->eff[i];
            yb_fen va = a->effamt[i];
            if (vd < k) {
                yb_rc r1 = yb_round_div((yb_i128)a->eff[i] * vd, k, &vq);
                yb_rc r2 = yb_round_div((yb_i128)a->effamt[i] * vd, k, &va);
                if (r1 || r2) return yb_err_set(a->err, YB_E_OVERFLOW, "cnt", a->v->lines[i].line.feedetl_sn, "overflow");
            }
            yb__hit_reset(a);
            if ((rc = yb__ref_line(a, i, 1, vq, va))) return rc;
            char sb[11], nb[11];
            yb__cont(a, "%s限定支付疗程%d天，本疗程自%s起第%d天为%s，本次%d天中%d天超出", yb__show_name(a, row, i), N,
                     yb_date_fmt(sl->start, sb), N, yb_date_fmt(sl->nth, nb), k, vd);
            yb__evid(a, "%s %s %s", r->info.evid, row->code, row->value);
            if ((rc = yb__emit(a, r, 1, 0))) return rc;
        }
        s = ke;
    }
    return YB_OK;
}

/* ------------------------------------------------------------------ yearly total */

static yb_rc g_total(yb_auditor *a, const ar_rule *r, const au_ent *e, size_t n) {
    yb_rc rc;
    for (size_t s = 0; s < n;) {
        size_t ke = run_end(e, n, s);
        const ar_row *row = &r->rows[e[s].key];
        size_t si = 0;
        if ((rc = slot_of(a, k1_of(r, e[s].key), 0, &si))) return rc;
        for (size_t j = s; j < ke; j++) {
            size_t i = e[j].line;
            if (a->eff[i] < 0) {
                if ((rc = record(a, si, i, a->eff[i], a->effamt[i]))) return rc;
                continue;
            }
            int year = yb_date_year(a->date[i]);
            yb_fen paid = 0;
            const h_ev *ev;
            EACH_EARLIER(a, si, ev, a->date[i] - 366) {
                if (yb_date_year(ev->date) == year) paid += ev->amt;
            }
            yb_fen allowed = row->v - paid, va = 0;
            yb_qty vq = 0;
            if (a->effamt[i] > allowed) {
                va = allowed <= 0 ? a->effamt[i] : a->effamt[i] - allowed;
                vq = va == a->effamt[i] ? a->eff[i] : 0;
                if (!vq && a->effamt[i] > 0 && yb_round_div((yb_i128)a->eff[i] * va, a->effamt[i], &vq))
                    return yb_err_set(a->err, YB_E_OVERFLOW, "cnt", a->v->lines[i].line.feedetl_sn, "overflow");
                yb__hit_reset(a);
                if ((rc = yb__ref_line(a, i, 1, vq, va))) return rc;
                char pb[32], cb[32];
                yb_fen cum = paid + a->effamt[i];
                yb__cont(a, "%s%d年度累计金额%s元，超过限额%s元", yb__show_name(a, row, i), year, yb_fen_fmt(cum, pb),
                         yb_fen_fmt(row->v, cb));
                yb__evid(a, "%s %s %s", r->info.evid, row->code, row->value);
                if ((rc = yb__emit(a, r, 1, 0))) return rc;
            }
            if (a->effamt[i] - va > 0 && (rc = record(a, si, i, a->eff[i] - vq, a->effamt[i] - va))) return rc;
        }
        s = ke;
    }
    return YB_OK;
}

/* ------------------------------------------------------------------ duplicate (主项/从项) */

static const char *window_word(int w) {
    static const char *const t[] = {"同日", "同次就诊", "6小时内", "同一小时内"};
    return t[w & 3];
}

static const char *window_name(int w) {
    static const char *const t[] = {"单日", "单次就诊", "6小时", "同一小时"};
    return t[w & 3];
}

static int match_cmp(const void *x, const void *y) {
    const au_match *p = x, *q = y;
    if (p->line != q->line) return p->line < q->line ? -1 : 1;
    return p->row < q->row ? -1 : p->row > q->row;
}

static yb_rc push_match(yb_auditor *a, au_match m) {
    if (!yb__grow((void **)&a->match, &a->cap_match, a->n_match + 1, sizeof *a->match))
        return yb_err_set(a->err, YB_E_NOMEM, NULL, NULL, "out of memory");
    a->match[a->n_match++] = m;
    return YB_OK;
}

/* First entry index in [lo, hi) with t >= x. */
static size_t lower_t(const au_ent *e, size_t lo, size_t hi, yb_datetime x) {
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e[mid].t < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void window_of(yb_auditor *a, int w, size_t i, yb_datetime *tlo, yb_datetime *thi) {
    switch (w) {
    case AR_WIN_DAY:
        *tlo = (yb_datetime)a->date[i] * 86400;
        *thi = *tlo + 86400;
        break;
    case AR_WIN_6H:
        *tlo = a->t[i] - 6 * 3600 + 1;
        *thi = a->t[i] + 6 * 3600;
        break;
    case AR_WIN_1H:
        *tlo = a->t[i] - 3600 + 1;
        *thi = a->t[i] + 3600;
        break;
    default:
        *tlo = INT64_MIN;
        *thi = INT64_MAX;
        break;
    }
}

static yb_rc g_duplicate(yb_auditor *a, const ar_rule *r, const au_ent *e, size_t n) {
    yb_rc rc;
    a->n_match = 0;
    for (size_t s = 0; s < n;) {
        size_t ke = run_end(e, n, s);
        size_t si = 0;
        if ((rc = slot_of(a, k1_of(r, e[s].key), 0, &si))) return rc;
        /* prefix sums of the main items' units over the run (0 for the sub entries) */
        if (!yb__grow((void **)&a->q64, &a->cap_q64, ke - s + 1, sizeof *a->q64))
            return yb_err_set(a->err, YB_E_NOMEM, NULL, NULL, "out of memory");
        a->q64[0] = 0;
        for (size_t j = s; j < ke; j++)
            a->q64[j - s + 1] = a->q64[j - s] + (e[j].role == AR_ROLE_MAIN ? a->eff[e[j].line] : 0);
        for (size_t j = s; j < ke; j++) {
            if (e[j].role != AR_ROLE_SUBJ) continue;
            size_t i = e[j].line;
            if (a->eff[i] <= 0) continue;
            const ar_row *row = &r->rows[e[j].row];
            yb_datetime tlo, thi;
            window_of(a, row->a, i, &tlo, &thi);
            size_t lo = row->a == AR_WIN_VISIT ? s : lower_t(e, s, ke, tlo);
            size_t hi = row->a == AR_WIN_VISIT ? ke : lower_t(e, s, ke, thi);
            yb_qty sum = a->q64[hi - s] - a->q64[lo - s];
            if (row->a != AR_WIN_VISIT) {
                const h_ev *ev;
                EACH_EARLIER(a, si, ev, a->date[i] - 1) {
                    if (ev->visit != a->cur && ev->t >= tlo && ev->t < thi) sum += ev->qty;
                }
            }
            if (sum > 0 && (rc = push_match(a, (au_match){(uint32_t)i, e[j].row, (uint32_t)s, (uint32_t)ke, tlo, thi, 1})))
                return rc;
        }
        for (size_t j = s; j < ke; j++)
            if (e[j].role == AR_ROLE_MAIN && (rc = record(a, si, e[j].line, a->eff[e[j].line], a->effamt[e[j].line])))
                return rc;
        s = ke;
    }
    if (a->n_match) qsort(a->match, a->n_match, sizeof *a->match, match_cmp);
    for (size_t m = 0; m < a->n_match; m++) {
        const au_match *mt = &a->match[m];
        if (m && a->match[m - 1].line == mt->line) continue;   /* one hit per line: its first pair */
        const ar_row *row = &r->rows[mt->row];
        size_t i = mt->line;
        yb__hit_reset(a);
        if ((rc = yb__ref_line(a, i, 1, a->eff[i], a->effamt[i]))) return rc;
        size_t lo = row->a == AR_WIN_VISIT ? mt->lo : lower_t(e, mt->lo, mt->hi, mt->tlo);
        for (size_t j = lo; j < mt->hi && e[j].t < mt->thi; j++)
            if (e[j].role == AR_ROLE_MAIN && a->eff[e[j].line] > 0 && (rc = yb__ref_line(a, e[j].line, 2, 0, 0)))
                return rc;
        if (row->a != AR_WIN_VISIT) {
            size_t si = 0;
            if ((rc = slot_of(a, k1_of(r, row->key2), 0, &si))) return rc;
            const h_ev *ev;
            EACH_EARLIER(a, si, ev, a->date[i] - 1) {
                if (ev->visit != a->cur && ev->qty > 0 && ev->t >= mt->tlo && ev->t < mt->thi &&
                    (rc = yb__ref_event(a, ev, 2)))
                    return rc;
            }
        }
        const char *sub = yb__show_name(a, row, i);
        if (*row->desc)
            yb__cont(a, "%s与%s%s重复收费（%s）", sub, *row->name2 ? row->name2 : row->code2, window_word(row->a), row->desc);
        else
            yb__cont(a, "%s与%s%s重复收费", sub, *row->name2 ? row->name2 : row->code2, window_word(row->a));
        yb__evid(a, "%s %s+%s %s", r->info.evid, row->code2, row->code, window_name(row->a));
        if ((rc = yb__emit(a, r, 1, 0))) return rc;
    }
    return YB_OK;
}

/* ------------------------------------------------------------------ surcharge */

static yb_rc g_surcharge(yb_auditor *a, const ar_rule *r, const au_ent *e, size_t n) {
    yb_rc rc;
    int qty_kind = r->info.kind == YB_AK_SURCHARGE_QTY;
    for (size_t s = 0; s < n;) {
        size_t ke = run_end(e, n, s);
        for (size_t d0 = s; d0 < ke;) {
            size_t d1 = date_end(a, e, ke, d0);
            yb_qty base = 0;
            size_t ns = 0;
            for (size_t j = d0; j < d1; j++) {
                if (e[j].role == AR_ROLE_MAIN) base += a->eff[e[j].line];
                else ns++;
            }
            if (!ns) {
                d0 = d1;
                continue;
            }
            /* the surcharge entries of the day, by surcharge row then time */
            if (!yb__grow((void **)&a->sub, &a->cap_sub, ns, sizeof *a->sub))
                return yb_err_set(a->err, YB_E_NOMEM, NULL, NULL, "out of memory");
            ns = 0;
            for (size_t j = d0; j < d1; j++)
                if (e[j].role == AR_ROLE_SUBJ) a->sub[ns++] = e[j];
            if ((rc = yb__sort_ents(a, a->sub, ns, 1))) return yb_err_set(a->err, rc, NULL, NULL, "out of memory");
            const au_ent *u = a->sub;
            for (size_t g0 = 0; g0 < ns;) {
                size_t g1 = g0;
                while (g1 < ns && u[g1].row == u[g0].row) g1++;
                const ar_row *row = &r->rows[u[g0].row];
                const char *sname = yb__show_name(a, row, u[g0].line);
                const char *mname = *row->name2 ? row->name2 : row->code2;
                if (!qty_kind && base <= 0) {
                    for (size_t j = g0; j < g1; j++) {
                        size_t i = u[j].line;
                        if (a->eff[i] <= 0) continue;
                        yb__hit_reset(a);
                        if ((rc = yb__ref_line(a, i, 1, a->eff[i], a->effamt[i]))) return rc;
                        yb__cont(a, "%s当日无主项目%s，加收不予支付", sname, mname);
                        yb__evid(a, "%s %s+%s", r->info.evid, row->code2, row->code);
                        if ((rc = yb__emit(a, r, 1, 0))) return rc;
                    }
                } else if (qty_kind && base > 0) {
                    yb_qty sum = 0;
                    for (size_t j = g0; j < g1; j++) sum += a->eff[u[j].line];
                    yb_qty cap = (row->v / ONE) * base;
                    int nv = 0;
                    if ((rc = take_latest(a, u, g0, g1, sum - cap, &nv))) return rc;
                    if (nv) {
                        yb__hit_reset(a);
                        if ((rc = refs_of_group(a, u, g0, g1))) return rc;
                        for (size_t j = d0; j < d1; j++)
                            if (e[j].role == AR_ROLE_MAIN && a->eff[e[j].line] > 0 &&
                                (rc = yb__ref_line(a, e[j].line, 2, 0, 0)))
                                return rc;
                        char sb[32], lb[32], bb[32];
                        yb__cont(a, "%s当日加收%s次，超过限定%s次（主项目%s计%s次）", sname, yb__qfmt(sum, sb),
                                 yb__qfmt(cap, lb), mname, yb__qfmt(base, bb));
                        yb__evid(a, "%s %s+%s %s次", r->info.evid, row->code2, row->code, yb__qfmt(row->v, lb));
                        if ((rc = yb__emit(a, r, 1, 0))) return rc;
                    }
                }
                g0 = g1;
            }
            d0 = d1;
        }
        s = ke;
    }
    return YB_OK;
}

/* ------------------------------------------------------------------ related item missing */

static yb_rc g_related(yb_auditor *a, const ar_rule *r, const au_ent *e, size_t n) {
    yb_rc rc;
    a->n_match = 0;
    for (size_t s = 0; s < n;) {
        size_t ke = run_end(e, n, s);
        for (size_t d0 = s; d0 < ke;) {
            size_t d1 = date_end(a, e, ke, d0);
            yb_qty tg = 0;
            for (size_t j = d0; j < d1; j++)
                if (e[j].role == AR_ROLE_TARGET) tg += a->eff[e[j].line];
            for (size_t j = d0; j < d1; j++)
                if (e[j].role == AR_ROLE_SUBJ && a->eff[e[j].line] > 0 &&
                    (rc = push_match(a, (au_match){e[j].line, e[j].row, 0, 0, 0, 0, tg > 0})))
                    return rc;
            d0 = d1;
        }
        s = ke;
    }
    if (a->n_match) qsort(a->match, a->n_match, sizeof *a->match, match_cmp);
    for (size_t m = 0; m < a->n_match;) {
        size_t m1 = m;
        int ok = 0;
        while (m1 < a->n_match && a->match[m1].line == a->match[m].line) ok |= a->match[m1++].ok;
        if (!ok) {
            /* none of the line's rows has its procedure that day: a lead, named by the first row */
            const ar_row *row = &r->rows[a->match[m].row];
            size_t i = a->match[m].line;
            yb__hit_reset(a);
            if ((rc = yb__ref_line(a, i, 1, a->eff[i], a->effamt[i]))) return rc;
            yb__cont(a, "%s当日无关联操作%s", yb__show_name(a, row, i), *row->name2 ? row->name2 : row->code2);
            yb__evid(a, "%s %s→%s", r->info.evid, row->code, row->code2);
            if ((rc = yb__emit(a, r, 1, 0))) return rc;
        }
        m = m1;
    }
    return YB_OK;
}

/* ------------------------------------------------------------------ split charging */

/* A fresh line marker: stamp[i] == gen marks line i for the current rule. On wrap-around the
 * stamps are cleared so that no old mark can equal the new generation. */
static uint32_t new_stamp(yb_auditor *a) {
    if (++a->stamp_gen == 0) {
        memset(a->stamp, 0, a->cap_lines * sizeof *a->stamp);
        a->stamp_gen = 1;
    }
    return a->stamp_gen;
}

static int code_cmp_line(const yb_auditor *a, uint32_t x, uint32_t y) {
    return strcmp(a->v->lines[x].line.med_list_codg, a->v->lines[y].line.med_list_codg);
}

static yb_rc g_split(yb_auditor *a, const ar_rule *r, const au_ent *e, size_t n) {
    yb_rc rc;
    uint32_t gen = new_stamp(a);
    for (size_t s = 0; s < n;) {
        size_t ke = run_end(e, n, s);
        const ar_row *row = &r->rows[e[s].key];
        for (size_t d0 = s; d0 < ke;) {
            size_t d1 = date_end(a, e, ke, d0);
            if (!yb__grow((void **)&a->idx, &a->cap_idx, d1 - d0, sizeof *a->idx))
                return yb_err_set(a->err, YB_E_NOMEM, NULL, NULL, "out of memory");
            size_t k = 0;
            for (size_t j = d0; j < d1; j++)
                if (a->eff[e[j].line] > 0) a->idx[k++] = e[j].line;
            /* distinct codes: insertion sort by code (the parts of one package on one day are few) */
            for (size_t x = 1; x < k; x++) {
                uint32_t v = a->idx[x];
                size_t y = x;
                while (y > 0 && code_cmp_line(a, v, a->idx[y - 1]) < 0) {
                    a->idx[y] = a->idx[y - 1];
                    y--;
                }
                a->idx[y] = v;
            }
            size_t distinct = k ? 1 : 0, fresh = 0;
            for (size_t x = 1; x < k; x++) distinct += code_cmp_line(a, a->idx[x], a->idx[x - 1]) != 0;
            for (size_t j = d0; j < d1; j++)
                if (a->eff[e[j].line] > 0 && a->stamp[e[j].line] != gen) fresh++;
            if (distinct >= 2 && fresh) {
                yb__hit_reset(a);
                for (size_t j = d0; j < d1; j++) {
                    size_t i = e[j].line;
                    if (a->eff[i] <= 0 || a->stamp[i] == gen) continue;
                    a->stamp[i] = gen;
                    if ((rc = yb__ref_line(a, i, 1, a->eff[i], a->effamt[i]))) return rc;
                }
                yb__cont(a, "%s的%zu个分项同日分别计费，疑似分解收费", *row->name ? row->name : row->code2, distinct);
                yb__evid(a, "%s %s %s", r->info.evid, row->code2, row->code);
                if ((rc = yb__emit(a, r, 0, 0))) return rc;
            }
            d0 = d1;
        }
        s = ke;
    }
    return YB_OK;
}

/* ------------------------------------------------------------------ primary / secondary */

static yb_rc g_primary_secondary(yb_auditor *a, const ar_rule *r, const au_ent *e, size_t n) {
    yb_rc rc;
    uint32_t gen = new_stamp(a);
    for (size_t s = 0; s < n;) {
        size_t ke = run_end(e, n, s);
        for (size_t d0 = s; d0 < ke;) {
            size_t d1 = date_end(a, e, ke, d0);
            /* primary: highest price; the earliest line (time, then feedetl_sn) on a tie */
            size_t prim = SIZE_MAX;
            int two = 0;
            for (size_t j = d0; j < d1; j++) {
                size_t i = e[j].line;
                if (a->eff[i] <= 0) continue;
                if (prim == SIZE_MAX) {
                    prim = i;
                    continue;
                }
                if (code_cmp_line(a, (uint32_t)i, (uint32_t)prim)) two = 1;
                if (a->v->lines[i].line.pric > a->v->lines[prim].line.pric) prim = i;
            }
            if (two) {
                const char *pcode = a->v->lines[prim].line.med_list_codg;
                for (size_t j = d0; j < d1; j++) {
                    size_t i = e[j].line;
                    const yb_audit_line *l = &a->v->lines[i];
                    if (a->eff[i] <= 0 || !strcmp(l->line.med_list_codg, pcode) || a->stamp[i] == gen) continue;
                    a->stamp[i] = gen;
                    const ar_row *row = &r->rows[e[j].row];
                    yb_fen va;
                    int sev;
                    if (l->std_pric > 0) {
                        yb_price lim;
                        if ((rc = yb_round_div((yb_i128)l->std_pric * r->rate, YB_RATIO_ONE, &lim)))
                            return yb_err_set(a->err, rc, "std_pric", l->line.feedetl_sn, "overflow");
                        if (l->line.pric <= lim) continue;
                        if ((rc = yb_fen_of_qty_price(a->eff[i], l->line.pric - lim, &va)))
                            return yb_err_set(a->err, rc, "pric", l->line.feedetl_sn, "overflow");
                        sev = r->info.sev_deg;
                    } else {
                        if ((rc = yb_fen_mul_ratio(a->effamt[i], YB_RATIO_ONE - r->rate, &va)))
                            return yb_err_set(a->err, rc, "det_item_fee_sumamt", l->line.feedetl_sn, "overflow");
                        sev = r->info.sev_deg > 2 ? r->info.sev_deg : 2;
                    }
                    yb__hit_reset(a);
                    /* a price violation: no units are denied, only the amount is */
                    if ((rc = yb__ref_line(a, i, 1, 0, va))) return rc;
                    if ((rc = yb__ref_line(a, prim, 2, 0, 0))) return rc;
                    char rb[32];
                    yb__cont(a, "%s与%s同日同组（%s）手术，次要手术未按%s%%折价计收", yb__show_name(a, row, i),
                             a->v->lines[prim].name && *a->v->lines[prim].name ? a->v->lines[prim].name : pcode,
                             row->name2, yb__qfmt((yb_qty)r->rate * 100, rb));
                    yb__evid(a, "%s %s %s", r->info.evid, row->code, row->name2);
                    if ((rc = yb__emit(a, r, 1, sev))) return rc;
                }
            }
            d0 = d1;
        }
        s = ke;
    }
    return YB_OK;
}

/* ------------------------------------------------------------------ inpatient days */

static yb_rc g_bed_days(yb_auditor *a, const ar_rule *r, const au_ent *e, size_t n) {
    if (!yb__is_inpatient(r, a->v->visit.med_type)) return YB_OK;
    int los = yb__stay_days(a->v);
    if (los < 0) return YB_OK;
    yb_rc rc;
    for (size_t s = 0; s < n;) {
        size_t ke = run_end(e, n, s);
        const ar_row *row = &r->rows[e[s].key];
        yb_qty sum = 0, allowed = (yb_qty)(los + r->tolerance) * ONE;
        for (size_t j = s; j < ke; j++) sum += a->eff[e[j].line];
        int nv = 0;
        if ((rc = take_latest(a, e, s, ke, sum - allowed, &nv))) return rc;
        if (nv) {
            yb__hit_reset(a);
            if ((rc = refs_of_group(a, e, s, ke))) return rc;
            char sb[32];
            yb__cont(a, "住院%d天，%s计费%s天，超过%d天", los, row->name, yb__qfmt(sum, sb), los + r->tolerance);
            yb__evid(a, "%s %s 住院天数+%d", r->info.evid, row->name, r->tolerance);
            if ((rc = yb__emit(a, r, 1, 0))) return rc;
        }
        s = ke;
    }
    return YB_OK;
}

/* ------------------------------------------------------------------ across institutions */

static yb_rc g_dup_institution(yb_auditor *a, const ar_rule *r, const au_ent *e, size_t n) {
    yb_rc rc;
    const char *here = a->v->visit.fixmedins_code;
    for (size_t s = 0; s < n;) {
        size_t ke = run_end(e, n, s);
        const ar_row *row = &r->rows[e[s].key];
        size_t si = 0;
        if ((rc = slot_of(a, k1_of(r, e[s].key), 0, &si))) return rc;
        for (size_t d0 = s; d0 < ke;) {
            size_t d1 = date_end(a, e, ke, d0);
            yb_date d = a->date[e[d0].line];
            const h_ev *ev, *other = NULL;
            EACH_EARLIER(a, si, ev, d) {
                if (ev->visit != a->cur && ev->date == d && ev->qty > 0 && strcmp(a->h->vis[ev->visit].fixmedins, here)) {
                    other = ev;
                    break;
                }
            }
            if (other) {
                yb__hit_reset(a);
                for (size_t j = d0; j < d1; j++) {
                    size_t i = e[j].line;
                    if (a->eff[i] > 0 && (rc = yb__ref_line(a, i, 1, a->eff[i], a->effamt[i]))) return rc;
                }
                EACH_EARLIER(a, si, ev, d) {
                    if (ev->visit != a->cur && ev->date == d && ev->qty > 0 &&
                        strcmp(a->h->vis[ev->visit].fixmedins, here) && (rc = yb__ref_event(a, ev, 2)))
                        return rc;
                }
                if (a->n_refs && a->refs[0].item_type == 1) {
                    char db[11];
                    const h_visit *ov = &a->h->vis[other->visit];
                    yb__cont(a, "%s%s同日已由医疗机构%s收取（就诊%s）", yb_date_fmt(d, db), row->name, ov->fixmedins,
                             ov->mdtrt_id);
                    yb__evid(a, "%s %s %s", r->info.evid, row->name, row->value);
                    if ((rc = yb__emit(a, r, 1, 0))) return rc;
                }
            }
            for (size_t j = d0; j < d1; j++) {
                size_t i = e[j].line;
                if (a->eff[i] > 0 && (rc = record(a, si, i, a->eff[i], a->effamt[i]))) return rc;
            }
            d0 = d1;
        }
        s = ke;
    }
    return YB_OK;
}

yb_rc yb__kind_group(yb_auditor *a, const ar_rule *r, const au_ent *e, size_t n) {
    switch (r->info.kind) {
    case YB_AK_FREQUENCY: return g_frequency(a, r, e, n);
    case YB_AK_CYCLE: return g_cycle(a, r, e, n);
    case YB_AK_COURSE: return g_course(a, r, e, n);
    case YB_AK_DRUG_COURSE: return g_drug_course(a, r, e, n);
    case YB_AK_TOTAL: return g_total(a, r, e, n);
    case YB_AK_DUPLICATE: return g_duplicate(a, r, e, n);
    case YB_AK_SURCHARGE_QTY:
    case YB_AK_SURCHARGE_MAIN: return g_surcharge(a, r, e, n);
    case YB_AK_RELATED: return g_related(a, r, e, n);
    case YB_AK_SPLIT: return g_split(a, r, e, n);
    case YB_AK_PRIMARY_SECONDARY: return g_primary_secondary(a, r, e, n);
    case YB_AK_BED_DAYS: return g_bed_days(a, r, e, n);
    case YB_AK_DUP_INSTITUTION: return g_dup_institution(a, r, e, n);
    default: return YB_OK;
    }
}

/* ------------------------------------------------------------------ visit-level kinds */

static yb_rc v_readmission(yb_auditor *a, const ar_rule *r) {
    const yb_audit_visit *v = a->v;
    if (!yb__is_inpatient(r, v->visit.med_type) || v->visit.begntime == YB_DATETIME_NONE) return YB_OK;
    yb_date b = yb_datetime_date(v->visit.begntime);
    if (b < r->info.effective) return YB_OK;
    const char *diag = yb__main_diag(v);
    size_t dl = (size_t)r->diag_len;
    if (strlen(diag) < dl) return YB_OK;
    const h_visit *best = NULL;
    for (uint32_t k = 0; k < a->cur; k++) {
        const h_visit *p = &a->h->vis[k];
        if (p->end == YB_DATE_NONE || strcmp(p->fixmedins, v->visit.fixmedins_code) || strncmp(p->diag, diag, dl) ||
            strlen(p->diag) < dl || !yb__is_inpatient(r, p->med_type))
            continue;
        int gap = b - p->end;
        if (gap < 0 || gap > r->days) continue;
        if (!best || p->end > best->end) best = p;
    }
    if (!best) return YB_OK;
    yb__hit_reset(a);
    char eb[11];
    yb__cont(a, "出院后%d天内在同一医疗机构以相同主诊断%.*s再次入院（前次就诊%s，%s出院）", (int)(b - best->end), (int)dl,
             diag, best->mdtrt_id, yb_date_fmt(best->end, eb));
    yb__evid(a, "%s %.*s %d天", r->info.evid, (int)dl, diag, r->days);
    return yb__emit(a, r, 0, 0);
}

static yb_rc v_low_admission(yb_auditor *a, const ar_rule *r) {
    const yb_audit_visit *v = a->v;
    if (!yb__is_inpatient(r, v->visit.med_type) || v->visit.begntime == YB_DATETIME_NONE) return YB_OK;
    if (yb_datetime_date(v->visit.begntime) < r->info.effective) return YB_OK;
    int los = yb__stay_days(v);
    if (los < 0 || los > r->max_days) return YB_OK;
    yb_fen total = 0, exam = 0;
    for (size_t i = 0; i < v->n_lines; i++) {
        if (a->skip[i]) continue;
        char t2[3] = {v->lines[i].med_chrgitm_type[0], v->lines[i].med_chrgitm_type[0] ? v->lines[i].med_chrgitm_type[1] : 0, 0};
        if (a->eff[i] > 0 && yb__list_has(r->treat_types, t2)) return YB_OK;
        if (yb_add(total, a->effamt[i], &total)) return yb_err_set(a->err, YB_E_OVERFLOW, "medfee_sumamt", NULL, "overflow");
        if (yb__list_has(r->exam_types, t2)) exam += a->effamt[i];
    }
    if (total <= 0 || (yb_i128)exam * YB_RATIO_ONE < (yb_i128)r->share * total) return YB_OK;
    int64_t pct;
    if (yb_round_div((yb_i128)exam * 100, total, &pct)) return YB_E_OVERFLOW;
    yb__hit_reset(a);
    char xb[32], sb[32];
    yb__cont(a, "住院%d天，检查化验费%s元占总费用%s元的%d%%，无治疗、手术收费", los, yb_fen_fmt(exam, xb),
             yb_fen_fmt(total, sb), (int)pct);
    yb__evid(a, "%s 住院不超过%d天 检查化验占比不低于%d%%", r->info.evid, r->max_days, r->share / 100);
    return yb__emit(a, r, 0, 0);
}

yb_rc yb__kind_visit(yb_auditor *a, const ar_rule *r) {
    switch (r->info.kind) {
    case YB_AK_READMISSION: return v_readmission(a, r);
    case YB_AK_LOW_ADMISSION: return v_low_admission(a, r);
    default: return YB_OK;
    }
}
