/*
 * test_settle.c — the settlement calculator against hand-computed cases.
 *
 * Policies, all built in C: pol 0 is the example of settlement.md §8; pol 1 a variant with
 * admission factors [1, 0.5], a two-segment 大病 [0: 0.60, 50000: 0.70], a 公务员补助 layer
 * (segments [0: 0.30, 2000: 0.50], cap 3000) before 职工大额, and an employee account restricted to
 * the in-scope part; pol 2 an "edge" variant: admission factors [1, 0.8, 0.5], employee outpatient
 * ratio 0 in class 1, a second over_cap layer 补充大额 (100 %, no cap, fund 340100), a resident
 * outpatient block 居民门诊 (no deductible, 50 %, cap 300), 大病 threshold 17000.01 with 低保 adjusted
 * differently from 特困 (threshold × 0.6, +3 points, capped), 医疗救助 also
 * eligible to 优抚 (youfu, no by_identity row) and adjusted for 低收入 (threshold × 0.5, +10 points),
 * and cross-region default class "temporary".
 *
 * Each case is one visit written in a small notation:
 *   lines  "CODE:cnt:pric[:sumamt[:sn[:d]]]; ..."   (sumamt "-" or absent = round(cnt x pric); d = denied)
 *   acc    "key=value;..."                             (the person's accumulators before the visit)
 *   expect "field=value;..."                           (amounts in yuan; l<i>.<f> a line; f<i>.<f> a fund
 *                                                        row; d:<key> a delta in its own unit)
 *          or "rc=<name>[;field=<error field>][;value=<error value>]"
 * with its arithmetic in a comment next to it. The four worked examples of settlement.md §9 come
 * first; then sequences of visits that carry their deltas; then a property test over generated
 * visits.
 *
 * Catalogue (valid from 2020): A 甲 no cap · B 乙 0.10 · C 丙 · D 甲 capped 80/90/100 by class 1/2/3 ·
 * E 乙 0.20 capped 50.00 in class 3 only · F 可报丙 (04) 0.30 · G 甲 everywhere but 丙 in 330100 ·
 * H 甲 with a (meaningless) share of 0.10 in the catalogue ·
 * R 甲 only in area 440100 · N 甲 until 2025-06-30, 乙 0.50 from 2025-07-01.
 * Every case's person is insured in 360100; the visit is in 360100 unless the case says otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "yibao/settle.h"

/* ---------- fixtures ---------- */

static yb_date D(const char *s) {
    yb_date d = YB_DATE_NONE;
    assert_int_equal(yb_date_parse(s, strlen(s), &d), YB_OK);
    return d;
}

static yb_datetime DT(const char *s) {
    yb_datetime t = YB_DATETIME_NONE;
    assert_int_equal(yb_datetime_parse(s, strlen(s), &t), YB_OK);
    return t;
}

static yb_fen Y(const char *s) { /* yuan text -> fen, negative allowed */
    yb_fen v = 0;
    if (yb_fen_parse(s, strlen(s), 1, &v) != YB_OK) fail_msg("bad amount in test: %s", s);
    return v;
}

static yb_ratio R(const char *s) {
    yb_ratio r = 0;
    assert_int_equal(yb_ratio_parse(s, strlen(s), 0, &r), YB_OK);
    return r;
}

static void set_block(yb_block *b, const char *name, const char *mts, yb_dedc_per per, const char *d1, const char *d2,
                      const char *d3, const char *r1, const char *r2, const char *r3, const char *bonus,
                      const char *group, const char *cap_active, const char *cap_retired) {
    memset(b, 0, sizeof *b);
    strcpy(b->name, name);
    char tmp[128];
    strcpy(tmp, mts);
    char *save = NULL;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) strcpy(b->med_types[b->n_med_types++], t);
    b->dedc_per = per;
    b->dedc[1] = Y(d1), b->dedc[2] = Y(d2), b->dedc[3] = Y(d3);
    b->ratio[1] = R(r1), b->ratio[2] = R(r2), b->ratio[3] = R(r3);
    b->retiree_bonus = R(bonus);
    strcpy(b->cap_group, group);
    b->annual_cap_active = cap_active ? Y(cap_active) : YB_NO_CAP;
    b->annual_cap_retired = cap_retired ? Y(cap_retired) : YB_NO_CAP;
}

static void add_identity(yb_policy *p, const char *name, const char *code) {
    yb_code_map *m = &p->identities[p->n_identities++];
    strcpy(m->name, name);
    strcpy(m->codes[0], code);
    m->n_codes = 1;
}

static void add_offsite(yb_policy *p, const char *name, const char *code, const char *share) {
    yb_code_map *m = &p->offsite_classes[p->n_offsite];
    strcpy(m->name, name);
    strcpy(m->codes[0], code);
    m->n_codes = 1;
    p->offsite_extra[p->n_offsite++] = R(share);
}

static void must_validate(const yb_policy *p) {
    yb_err e;
    yb_err_clear(&e);
    if (yb_policy_validate(p, &e) != YB_OK) {
        char b[512];
        fail_msg("test policy invalid: %s", yb_err_fmt(&e, b, sizeof b));
    }
}

/* settlement.md §8 */
static void demo_policy(yb_policy *p) {
    yb_policy_defaults(p);
    strcpy(p->admdvs, "360100");
    strcpy(p->version, "2025.1");
    p->effective_from = D("2025-01-01");
    add_offsite(p, "long_term", "1", "0");
    add_offsite(p, "referral", "2", "0.10");
    add_offsite(p, "temporary", "3", "0.20");
    add_identity(p, "tekun", "特困");
    add_identity(p, "dibao", "低保");
    add_identity(p, "dishouru", "低收入");

    yb_insutype_policy *e = &p->insutypes[p->n_insutypes++];
    strcpy(e->insutype, "310");
    e->account = 1;
    set_block(&e->blocks[e->n_blocks++], "职工住院", "21,24,28", YB_DEDC_PER_ADMISSION, "200", "500", "800", "0.95",
              "0.90", "0.85", "0", "pool", "100000", "100000");
    set_block(&e->blocks[e->n_blocks++], "职工门诊统筹", "11,13", YB_DEDC_PER_YEAR, "300", "300", "300", "0.65", "0.60",
              "0.55", "0.05", "outpatient", "2000", "3000");
    yb_layer *l = &e->layers[e->n_layers++];
    strcpy(l->name, "职工大额");
    strcpy(l->fund_pay_type, "330100");
    l->base = YB_BASE_OVER_CAP;
    l->seg[0].ratio = R("0.90");
    l->n_seg = 1;
    l->annual_cap = Y("400000");

    yb_insutype_policy *r = &p->insutypes[p->n_insutypes++];
    strcpy(r->insutype, "390");
    set_block(&r->blocks[r->n_blocks++], "居民住院", "21,24,28", YB_DEDC_PER_ADMISSION, "100", "400", "600", "0.90",
              "0.80", "0.60", "0", "pool", "100000", "100000");
    l = &r->layers[r->n_layers++];
    strcpy(l->name, "居民大病");
    strcpy(l->fund_pay_type, "390200");
    strcpy(l->blocks[l->n_blocks++], "居民住院");
    l->threshold = Y("17000");
    l->seg[0].ratio = R("0.60");
    l->n_seg = 1;
    l->annual_cap = Y("300000");
    for (int k = 0; k < 2; k++) {
        yb_identity_adjust *a = &l->adjust[l->n_adjust++];
        strcpy(a->identity, k ? "dibao" : "tekun");
        a->threshold_factor = R("0.5");
        a->ratio_add = R("0.05");
        a->no_cap = 1;
    }
    l = &r->layers[r->n_layers++];
    strcpy(l->name, "医疗救助");
    strcpy(l->fund_pay_type, "610100");
    l->elig = YB_ELIG_IDENTITIES;
    const char *ids[3] = {"tekun", "dibao", "dishouru"};
    const char *th[3] = {"0", "0", "2000"}, *ra[3] = {"0.90", "0.70", "0.60"};
    for (int k = 0; k < 3; k++) {
        strcpy(l->eligible[l->n_eligible++], ids[k]);
        yb_by_identity *b = &l->by_identity[l->n_by_identity++];
        strcpy(b->identity, ids[k]);
        b->threshold = Y(th[k]);
        b->ratio = R(ra[k]);
    }
    l->annual_cap = Y("60000");
    must_validate(p);
}

/* pol 1: admission factors, segments, 公务员补助, account without 目录外 */
static void variant_policy(yb_policy *p) {
    demo_policy(p);
    strcpy(p->version, "T");
    yb_insutype_policy *e = &p->insutypes[0];
    e->account_scope_no_fulamt = 1;
    e->blocks[0].admission_factor[0] = R("1");
    e->blocks[0].admission_factor[1] = R("0.5");
    e->blocks[0].n_admission_factors = 2;
    /* 公务员补助 before 职工大额 */
    e->layers[1] = e->layers[0];
    yb_layer *c = &e->layers[0];
    memset(c, 0, sizeof *c);
    strcpy(c->name, "公务员补助");
    strcpy(c->fund_pay_type, "320100");
    c->elig = YB_ELIG_CVLSERV;
    c->seg[0].ratio = R("0.30");
    c->seg[1].from = Y("2000");
    c->seg[1].ratio = R("0.50");
    c->n_seg = 2;
    c->annual_cap = Y("3000");
    e->n_layers = 2;
    yb_layer *dab = &p->insutypes[1].layers[0];
    dab->seg[1].from = Y("50000");
    dab->seg[1].ratio = R("0.70");
    dab->n_seg = 2;
    must_validate(p);
}

/* pol 2: the edges (see the head comment) */
static void edge_policy(yb_policy *p) {
    demo_policy(p);
    strcpy(p->version, "E");
    strcpy(p->offsite_default, "temporary");
    add_identity(p, "youfu", "优抚");
    yb_insutype_policy *e = &p->insutypes[0];
    yb_block *in = &e->blocks[0];
    in->admission_factor[0] = R("1");
    in->admission_factor[1] = R("0.8");
    in->admission_factor[2] = R("0.5");
    in->n_admission_factors = 3;
    e->blocks[1].ratio[1] = 0;
    yb_layer *sup = &e->layers[e->n_layers++];
    memset(sup, 0, sizeof *sup);
    strcpy(sup->name, "补充大额");
    strcpy(sup->fund_pay_type, "340100");
    sup->base = YB_BASE_OVER_CAP;
    sup->seg[0].ratio = YB_RATIO_ONE;
    sup->n_seg = 1;
    sup->annual_cap = YB_NO_CAP;
    yb_insutype_policy *r = &p->insutypes[1];
    /* amounts under by_class mean nothing when the block has no deductible */
    set_block(&r->blocks[r->n_blocks++], "居民门诊", "11,13", YB_DEDC_NONE, "50", "50", "50", "0.50", "0.50", "0.50", "0",
              "outpatient", "300", "300");
    r->layers[0].threshold = Y("17000.01");
    yb_identity_adjust *db = &r->layers[0].adjust[1]; /* 低保 in 大病: threshold x 0.6, +3 points, capped */
    db->threshold_factor = R("0.6");
    db->ratio_add = R("0.03");
    db->no_cap = 0;
    yb_layer *aid = &r->layers[1];
    strcpy(aid->eligible[aid->n_eligible++], "youfu");
    yb_identity_adjust *a = &aid->adjust[aid->n_adjust++];
    strcpy(a->identity, "dishouru");
    a->threshold_factor = R("0.5");
    a->ratio_add = R("0.10");
    a->no_cap = 0;
    must_validate(p);
}

static void make_policy(int which, yb_policy *p) {
    if (which == 1) variant_policy(p);
    else if (which == 2) edge_policy(p);
    else demo_policy(p);
}

static yb_catalog *demo_catalog(void) {
    yb_catalog *c = yb_catalog_new();
    struct {
        const char *code, *lv, *sp, *c1, *c2, *c3, *from, *to, *area;
    } rows[] = {
        {"A", "01", "0", NULL, NULL, NULL, "2020-01-01", NULL, ""},
        {"B", "02", "0.10", NULL, NULL, NULL, "2020-01-01", NULL, ""},
        {"C", "03", "0", NULL, NULL, NULL, "2020-01-01", NULL, ""},
        {"D", "01", "0", "80", "90", "100", "2020-01-01", NULL, ""},
        {"E", "02", "0.20", NULL, NULL, "50", "2020-01-01", NULL, ""},
        {"F", "04", "0.30", NULL, NULL, NULL, "2020-01-01", NULL, ""},
        {"H", "01", "0.10", NULL, NULL, NULL, "2020-01-01", NULL, ""},
        {"G", "01", "0", NULL, NULL, NULL, "2020-01-01", NULL, ""},
        {"G", "03", "0", NULL, NULL, NULL, "2020-01-01", NULL, "330100"},
        {"R", "01", "0", NULL, NULL, NULL, "2020-01-01", NULL, "440100"},
        {"N", "01", "0", NULL, NULL, NULL, "2020-01-01", "2025-06-30", ""},
        {"N", "02", "0.50", NULL, NULL, NULL, "2025-07-01", NULL, ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        yb_cat_entry e;
        memset(&e, 0, sizeof e);
        strcpy(e.code, rows[i].code);
        strcpy(e.chrgitm_lv, rows[i].lv);
        e.selfpay_prop = R(rows[i].sp);
        const char *caps[3] = {rows[i].c1, rows[i].c2, rows[i].c3};
        for (int k = 0; k < 3; k++) {
            e.cap[k + 1] = -1;
            if (caps[k]) assert_int_equal(yb_price_parse(caps[k], strlen(caps[k]), 0, &e.cap[k + 1]), YB_OK);
        }
        e.begndate = D(rows[i].from);
        e.enddate = rows[i].to ? D(rows[i].to) : YB_DATE_MAX;
        strcpy(e.admdvs, rows[i].area);
        assert_int_equal(yb_catalog_add(c, &e, NULL), YB_OK);
    }
    return c;
}

/* ---------- the case notation ---------- */

struct scase {
    const char *name;
    int pol;                    /* 0 demo, 1 variant, 2 edge */
    const char *insutype, *psn_type, *sp;
    int cvlserv;
    const char *hosp_lv, *med_type;
    const char *area;           /* place of treatment; the person's area is 360100 */
    const char *rloc;
    int acct_flag;
    const char *balance;
    const char *acc;
    const char *lines;
    const char *expect;         /* or "rc=<name>..." */
};

static const char *CASE_BEGIN = "2025-06-01 08:00:00";
static const char *CASE_END = "2025-06-01 10:00:00";
#define MAX_CASE_LINES 16

static int parse_lines(const char *spec, yb_line *out, int max) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", spec);
    int n = 0;
    char *save1 = NULL;
    for (char *ln = strtok_r(buf, ";", &save1); ln; ln = strtok_r(NULL, ";", &save1)) {
        assert_true(n < max);
        yb_line *l = &out[n];
        memset(l, 0, sizeof *l);
        char *f[6] = {0};
        int k = 0;
        char *save2 = NULL;
        for (char *t = strtok_r(ln, ":", &save2); t && k < 6; t = strtok_r(NULL, ":", &save2)) f[k++] = t;
        assert_true(k >= 3);
        strcpy(l->med_list_codg, f[0]);
        assert_int_equal(yb_qty_parse(f[1], strlen(f[1]), 1, &l->cnt), YB_OK);
        assert_int_equal(yb_price_parse(f[2], strlen(f[2]), 1, &l->pric), YB_OK);
        if (k >= 4 && f[3][0] != '-') l->sumamt = Y(f[3]);
        else if (yb_fen_of_qty_price(l->cnt, l->pric, &l->sumamt) != YB_OK) l->sumamt = 1;
        if (k >= 4 && f[3][0] == '-' && f[3][1]) l->sumamt = Y(f[3]); /* an explicit negative amount */
        if (k >= 5) snprintf(l->feedetl_sn, sizeof l->feedetl_sn, "%s", f[4]);
        else snprintf(l->feedetl_sn, sizeof l->feedetl_sn, "%d", n + 1);
        l->denied = k >= 6 && !strcmp(f[5], "d");
        l->fee_ocur_time = YB_DATETIME_NONE;
        n++;
    }
    return n;
}

static void parse_acc(const char *spec, yb_accum *a) {
    memset(a, 0, sizeof *a);
    if (!spec) return;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    for (char *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        assert_non_null(eq);
        *eq = '\0';
        assert_int_equal(yb_accum_add(a, kv, strtoll(eq + 1, NULL, 10)), YB_OK);
    }
}

static int64_t field_of(const yb_settlement *s, const yb_line_split *sp, int n, const char *k, int *is_money) {
    *is_money = 1;
    if (k[0] == 'l' && k[1] >= '0' && k[1] <= '9' && k[2] == '.') {
        int i = k[1] - '0';
        assert_true(i < n);
        const char *f = k + 3;
        if (!strcmp(f, "fulamt")) return sp[i].fulamt_ownpay_amt;
        if (!strcmp(f, "overlmt")) return sp[i].overlmt_amt;
        if (!strcmp(f, "presf")) return sp[i].preselfpay_amt;
        if (!strcmp(f, "inscp")) return sp[i].inscp_scp_amt;
    }
    if (k[0] == 'f' && k[1] >= '0' && k[1] <= '9' && k[2] == '.') {
        int i = k[1] - '0';
        if (i >= s->n_funds) fail_msg("no fund row %d (%d rows)", i, s->n_funds);
        const char *f = k + 3;
        if (!strcmp(f, "base")) return s->funds[i].base;
        if (!strcmp(f, "pay")) return s->funds[i].payamt;
        if (!strcmp(f, "left")) return s->funds[i].cap_left;
    }
    if (!strncmp(k, "d:", 2)) {
        *is_money = 0;
        return yb_accum_get(&s->deltas, k + 2);
    }
    static const struct {
        const char *k;
        size_t off;
    } map[] = {
#define F(name, member) {name, offsetof(yb_settlement, member)}
        F("medfee", medfee_sumamt), F("fulamt", fulamt_ownpay_amt), F("overlmt", overlmt_selfpay),
        F("presf", preselfpay_amt), F("inscp", inscp_scp_amt), F("extra", offsite_extra), F("dedc", dedc_std),
        F("crt", crt_dedc), F("act", act_pay_dedc), F("hifp", hifp_pay), F("overcap", over_cap),
        F("cvlserv", cvlserv_pay), F("hifmi", hifmi_pay), F("hifob", hifob_pay), F("maf", maf_pay),
        F("oth", oth_pay), F("fund", fund_pay_sumamt), F("psn", psn_part_amt), F("acct", acct_pay),
        F("cash", psn_cash_pay), F("balc", balc),
#undef F
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i].k, k)) return *(const yb_fen *)((const char *)s + map[i].off);
    *is_money = 0;
    if (!strcmp(k, "year")) return s->year;
    if (!strcmp(k, "rows")) return s->n_funds;
    if (!strcmp(k, "prop")) return s->pool_prop;
    if (!strcmp(k, "share")) return s->offsite_share;
    if (!strcmp(k, "class")) return s->level_class;
    fail_msg("unknown expectation key %s", k);
    return 0;
}

/* The stay's earlier interim settlements for run_case_with (test_interim_stay); NULL otherwise. */
static const yb_stay *g_stay;

/* Settle one case. With carry, the accumulators and balance come from *carry / *balance (the case's
 * own acc and balance are ignored) and the settlement's deltas and new balance are applied to them. */
static void run_case_with(const struct scase *c, yb_settlement *s_out, yb_accum *carry, yb_fen *balance) {
    yb_policy *pol = malloc(sizeof *pol);
    make_policy(c->pol, pol);
    yb_catalog *cat = demo_catalog();
    yb_person psn;
    memset(&psn, 0, sizeof psn);
    strcpy(psn.psn_no, "P1");
    strcpy(psn.insutype, c->insutype);
    strcpy(psn.psn_type, c->psn_type);
    strcpy(psn.sp_psn_type, c->sp ? c->sp : "");
    psn.cvlserv_flag = c->cvlserv;
    strcpy(psn.insu_admdvs, "360100");
    yb_visit v;
    memset(&v, 0, sizeof v);
    strcpy(v.mdtrt_id, "M1");
    strcpy(v.med_type, c->med_type);
    strcpy(v.hosp_lv, c->hosp_lv);
    strcpy(v.mdtrtarea_admvs, c->area ? c->area : "360100");
    strcpy(v.rloc_type, c->rloc ? c->rloc : "");
    v.begntime = DT(CASE_BEGIN);
    v.endtime = DT(CASE_END);
    v.acct_used_flag = c->acct_flag;
    yb_line lines[MAX_CASE_LINES];
    int n = parse_lines(c->lines, lines, MAX_CASE_LINES);
    yb_accum acc;
    if (carry) acc = *carry;
    else parse_acc(c->acc, &acc);
    yb_fen bal = balance ? *balance : c->balance ? Y(c->balance) : 0;
    yb_settle_in in = {pol, cat, &psn, &v, lines, (size_t)n, &acc, bal, g_stay};
    yb_settlement s;
    yb_line_split sp[MAX_CASE_LINES];
    yb_err err;
    yb_err_clear(&err);
    yb_rc rc = yb_settle_calc(&in, &s, sp, &err);
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", c->expect);
    char *save = NULL;
    if (!strncmp(c->expect, "rc=", 3)) {
        char eb[512];
        for (char *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
            char *eq = strchr(kv, '=');
            assert_non_null(eq);
            *eq = '\0';
            const char *want = eq + 1, *got = !strcmp(kv, "rc") ? yb_rc_str(rc)
                                                : !strcmp(kv, "field") ? err.field
                                                : !strcmp(kv, "value") ? err.value
                                                                       : NULL;
            if (!got) fail_msg("case '%s': unknown error key %s", c->name, kv);
            if (strcmp(got, want) != 0)
                fail_msg("case '%s': %s is '%s', want '%s' (%s)", c->name, kv, got, want, yb_err_fmt(&err, eb, sizeof eb));
        }
        assert_true(err.msg[0]);
    } else {
        if (rc != YB_OK) {
            char b[512];
            fail_msg("case '%s': %s", c->name, yb_err_fmt(&err, b, sizeof b));
        }
        for (char *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
            char *eq = strchr(kv, '=');
            assert_non_null(eq);
            *eq = '\0';
            int money;
            int64_t got = field_of(&s, sp, n, kv, &money);
            int64_t want = !strcmp(eq + 1, "none") ? YB_NO_CAP : money ? Y(eq + 1) : strtoll(eq + 1, NULL, 10);
            if (got != want) {
                char gb[48];
                if (!money) snprintf(gb, sizeof gb, "%lld", (long long)got);
                fail_msg("case '%s': %s = %s, want %s", c->name, kv, money ? yb_fen_fmt(got, gb) : gb, eq + 1);
            }
        }
        assert_int_equal(yb_settle_check(&s, sp, (size_t)n, NULL), YB_OK);
        if (carry) {
            for (int k = 0; k < s.deltas.n; k++)
                assert_int_equal(yb_accum_add(carry, s.deltas.it[k].key, s.deltas.it[k].v), YB_OK);
        }
        if (balance) *balance = s.balc;
        if (s_out) *s_out = s;
    }
    yb_catalog_free(cat);
    free(pol);
}

static void run_case(const struct scase *c, yb_settlement *s_out) { run_case_with(c, s_out, NULL, NULL); }

#define RES "390", "1501"
#define EMP "310", "1101"
#define RET "310", "1201"

static const struct scase cases[] = {
    /* ---- settlement.md §9 ---- */
    /* A: split: 丙 1000 → fulamt; D 10 x 120 capped at 100 → 1000 in scope, 200 overlmt; B 2000 x 0.10 = 200
     * preselfpay, 1800 in scope; inscp 8000+1800+1000 = 10800; medfee 12200. deductible 600 (class 3,
     * admission); 10200 x 0.60 = 6120. 大病 base 10800 - 6120 = 4680 < 17000: 0. psn 6080 = cash. */
    {"A", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:8000;B:1:2000;C:1:1000;D:10:120",
     "fulamt=1000.00;overlmt=200.00;presf=200.00;inscp=10800.00;medfee=12200.00;dedc=600.00;act=600.00;"
     "hifp=6120.00;hifmi=0;fund=6120.00;psn=6080.00;cash=6080.00;rows=2;d:adm/居民住院=1;d:pool/pool=612000;"
     "d:base/居民大病=468000;d:paid/居民大病=0;l3.overlmt=200.00;l3.inscp=1000.00;l1.presf=200.00"},
    /* B: after A. 600 deductible again; 39400 x 0.60 = 23640; pool this year 29760 <= 100000.
     * 大病 base 40000 - 23640 = 16360; yearly base 4680 → 21040; 4040 above 17000 x 0.60 = 2424.
     * fund 26064; psn 13936. */
    {"B", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, "adm/居民住院=1;pool/pool=612000;base/居民大病=468000",
     "A:1:40000", "hifp=23640.00;hifmi=2424.00;fund=26064.00;psn=13936.00;d:base/居民大病=1636000;d:paid/居民大病=242400"},
    /* C: retired employee, class 2, outpatient: deductible 300 (per year); ratio 0.60+0.05; 200 x 0.65 = 130.
     * 大额 base over_cap 0. account 1000: acct 370, cash 0, balc 630. */
    {"C", 0, RET, NULL, 0, "05", "11", NULL, NULL, 1, "1000", NULL, "A:1:500",
     "dedc=300.00;crt=300.00;act=300.00;prop=6500;hifp=130.00;hifob=0;fund=130.00;acct=370.00;cash=0;balc=630.00;"
     "d:dedc/职工门诊统筹=30000;rows=2"},
    /* D: 1000 left in the pool; deductible 800; 9200 x 0.85 = 7820 > 1000 → hifp 1000;
     * over_cap = 9200 - round(1000/0.85 = 1176.470..) = 9200 - 1176.47 = 8023.53; 大额 8023.53 x 0.90 =
     * 7221.177 → 7221.18; fund 8221.18; psn 10000 - 8221.18 = 1778.82. */
    {"D", 0, EMP, NULL, 0, "01", "21", NULL, NULL, 0, NULL, "pool/pool=9900000", "A:1:10000",
     "hifp=1000.00;overcap=8023.53;hifob=7221.18;fund=8221.18;psn=1778.82"},

    /* ---- pool: levels, deductibles ---- */
    /* class 1: deductible 100; 900 x 0.90 = 810; 大病 base 190 */
    {"resident class 1", 0, RES, NULL, 0, "09", "21", NULL, NULL, 0, NULL, NULL, "A:1:1000",
     "dedc=100.00;hifp=810.00;fund=810.00;psn=190.00;prop=9000"},
    /* class 2: deductible 400 eats all 400 */
    {"deductible equals inscp", 0, RES, NULL, 0, "06", "21", NULL, NULL, 0, NULL, NULL, "A:1:400",
     "act=400.00;hifp=0;psn=400.00"},
    /* inscp 500 below the 600 deductible: act 500, crt 600 */
    {"inscp below deductible", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:500",
     "dedc=600.00;crt=600.00;act=500.00;hifp=0;fund=0"},
    /* employee class 2 inpatient: 500 deductible; 2500 x 0.90 = 2250; 大额 row with 0 */
    {"employee class 2 inpatient", 0, EMP, NULL, 0, "05", "21", NULL, NULL, 0, NULL, NULL, "A:1:3000",
     "hifp=2250.00;hifob=0;fund=2250.00;psn=750.00;rows=2"},
    /* per-year deductible 200 already paid: crt 100, act 100; 400 x 0.55 = 220 */
    {"per-year deductible partly used", 0, EMP, NULL, 0, "02", "11", NULL, NULL, 0, NULL, "dedc/职工门诊统筹=20000",
     "A:1:500", "dedc=300.00;crt=100.00;act=100.00;hifp=220.00;d:dedc/职工门诊统筹=10000"},
    /* per-year deductible fully used: 500 x 0.55 = 275 */
    {"per-year deductible used up", 0, EMP, NULL, 0, "02", "11", NULL, NULL, 0, NULL, "dedc/职工门诊统筹=30000",
     "A:1:500", "crt=0;act=0;hifp=275.00"},
    /* per-admission deductible is charged again although the year has admissions */
    {"per-admission deductible each time", 0, EMP, NULL, 0, "03", "21", NULL, NULL, 0, NULL, "adm/职工住院=3",
     "A:1:1800", "act=800.00;hifp=850.00;d:adm/职工住院=1"},
    /* variant: 2nd admission of the year, factor 0.5: 800 x 0.5 = 400; 1600 x 0.85 = 1360 */
    {"second admission half deductible", 1, EMP, NULL, 0, "03", "21", NULL, NULL, 0, NULL, "adm/职工住院=1",
     "A:1:2000", "dedc=400.00;act=400.00;hifp=1360.00"},
    /* variant: 5th admission uses the last factor (0.5) */
    {"later admissions keep the last factor", 1, EMP, NULL, 0, "03", "21", NULL, NULL, 0, NULL, "adm/职工住院=4",
     "A:1:2000", "dedc=400.00"},
    /* variant: first admission factor 1: 800 */
    {"first admission full deductible", 1, EMP, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:2000",
     "dedc=800.00;hifp=1020.00"},

    /* ---- pool caps and over_cap ---- */
    /* outpatient cap 2000 (active), 1900 used: want 275 > 100 left → 100; over_cap = 500 - round(100/0.55 =
     * 181.818) = 500 - 181.82 = 318.18; 大额 318.18 x 0.90 = 286.362 → 286.36; fund 386.36; psn 113.64 */
    {"outpatient cap crossed", 0, EMP, NULL, 0, "02", "11", NULL, NULL, 0, NULL,
     "dedc/职工门诊统筹=30000;pool/outpatient=190000", "A:1:500",
     "hifp=100.00;overcap=318.18;hifob=286.36;fund=386.36;psn=113.64;d:pool/outpatient=10000"},
    /* retired cap 3000, 2900 used; ratio 0.55+0.05 = 0.60 → want 600 > 100 → 100;
     * over_cap = 1000 - round(166.666..) = 833.33; 大额 833.33 x 0.90 = 749.997 → 750.00 */
    {"retired cap crossed", 0, RET, NULL, 0, "03", "11", NULL, NULL, 0, NULL,
     "dedc/职工门诊统筹=30000;pool/outpatient=290000", "A:1:1000", "hifp=100.00;overcap=833.33;hifob=750.00;fund=850.00"},
    /* cap already exhausted: hifp 0, over_cap = eligible - round(0/0.85) = everything eligible */
    {"pool cap exhausted", 0, EMP, NULL, 0, "01", "21", NULL, NULL, 0, NULL, "pool/pool=10000000", "A:1:1800",
     "hifp=0;overcap=1000.00;hifob=900.00;fund=900.00"},
    /* cap exactly reached: 1000 x 0.85 = 850 with 850 left → paid in full, no over_cap */
    {"pool cap reached exactly", 0, EMP, NULL, 0, "01", "21", NULL, NULL, 0, NULL, "pool/pool=9915000", "A:1:1800",
     "hifp=850.00;overcap=0;hifob=0"},
    /* 大额 annual cap: 399990 paid, base 1000 x 0.9 = 900 raw → 10 left */
    {"大额 cap", 0, EMP, NULL, 0, "01", "21", NULL, NULL, 0, NULL, "pool/pool=10000000;paid/职工大额=39999000",
     "A:1:1800", "hifob=10.00;d:paid/职工大额=1000"},

    /* ---- 大病 thresholds, segments, identities ---- */
    /* yearly base already 17000: all 4600 above T: 10600 → 10000 x 0.6 = 6000, base 4600 x 0.6 = 2760 */
    {"大病 from the first yuan above threshold", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL,
     "base/居民大病=1700000", "A:1:10600", "hifp=6000.00;hifmi=2760.00;fund=8760.00;psn=1840.00"},
    /* yearly base 16000, this base 4600 → 3600 above: 2160 */
    {"大病 threshold crossed inside the visit", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL,
     "base/居民大病=1600000", "A:1:10600", "hifmi=2160.00"},
    /* 特困: threshold 17000 x 0.5 = 8500, ratio 0.65, no cap. 30000: hifp 29400 x 0.6 = 17640; 大病 base
     * 12360, 3860 above 8500 x 0.65 = 2509.00; 救助 (tekun 0.90, T 0): 30000-17640-2509 = 9851 x 0.9 = 8865.90;
     * fund 29014.90; psn 985.10 */
    {"特困 大病 and 救助", 0, RES, "特困", 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:30000",
     "hifp=17640.00;hifmi=2509.00;maf=8865.90;fund=29014.90;psn=985.10;rows=3"},
    /* several identities: 特困 is listed first in by_identity, so the same as above */
    {"first identity in policy order", 0, RES, "低收入|特困", 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:30000",
     "hifmi=2509.00;maf=8865.90"},
    /* 低保 class 1: hifp 19900 x 0.9 = 17910; 大病 base 2090 < 8500; 救助 2090 x 0.70 = 1463 */
    {"低保 救助", 0, RES, "低保", 0, "08", "21", NULL, NULL, 0, NULL, NULL, "A:1:20000",
     "hifp=17910.00;hifmi=0;maf=1463.00;fund=19373.00;psn=627.00"},
    /* 低收入: no 大病 adjustment; 救助 threshold 2000 ratio 0.60: hifp 4400 x 0.6 = 2640; 救助 base 2360,
     * 360 above → 216 */
    {"低收入 救助 threshold", 0, RES, "低收入", 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:5000",
     "hifp=2640.00;hifmi=0;maf=216.00;fund=2856.00;psn=2144.00"},
    /* 救助 annual cap 60000 with 59990 paid: raw 1416 → 10 */
    {"救助 cap", 0, RES, "低收入", 0, "03", "21", NULL, NULL, 0, NULL, "paid/医疗救助=5999000;base/医疗救助=10000000",
     "A:1:5000", "maf=10.00"},
    /* variant segments [0:0.60, 50000:0.70] above T 17000: yearly base 65000, this base 4000 (inscp 9100:
     * hifp 8500 x 0.6 = 5100, base 9100 - 5100) → 2000 x 0.6 + 2000 x 0.7 = 1200 + 1400 = 2600 */
    {"大病 segment boundary inside the visit", 1, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL,
     "base/居民大病=6500000", "A:1:9100", "hifp=5100.00;hifmi=2600.00;fund=7700.00;psn=1400.00"},
    /* variant: cap 300000 with 299900 paid, in the 0.70 segment: raw 2800 → 100 */
    {"大病 cap crossed inside a segment", 1, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL,
     "base/居民大病=100000000;paid/居民大病=29990000", "A:1:9100", "hifmi=100.00"},
    /* variant, 特困 ignores the cap: 4000 x (0.70 + 0.05) = 3000; 救助 (9100 - 5100 - 3000) x 0.9 = 900 */
    {"特困 no cap", 1, RES, "特困", 0, "03", "21", NULL, NULL, 0, NULL,
     "base/居民大病=100000000;paid/居民大病=29990000", "A:1:9100", "hifmi=3000.00;maf=900.00;fund=9000.00;psn=100.00"},

    /* ---- 公务员补助 (variant) ---- */
    /* class 3 inpatient 5000: hifp 4200 x 0.85 = 3570; 公务员 base 1430 x 0.30 = 429 */
    {"公务员补助 first segment", 1, EMP, NULL, 1, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:5000",
     "hifp=3570.00;cvlserv=429.00;hifob=0;fund=3999.00;psn=1001.00;rows=3"},
    /* yearly base 1500 + 1430 crosses 2000: 500 x 0.30 + 930 x 0.50 = 150 + 465 = 615 */
    {"公务员补助 across segments", 1, EMP, NULL, 1, "03", "21", NULL, NULL, 0, NULL, "base/公务员补助=150000",
     "A:1:5000", "cvlserv=615.00"},
    /* not a civil servant: no 公务员 row */
    {"公务员补助 not eligible", 1, EMP, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:5000",
     "cvlserv=0;rows=2"},

    /* ---- line split ---- */
    /* 乙: 1000 x 0.10 = 100 preselfpay; 900 in scope; 300 x 0.6 = 180 */
    {"乙类 pre-self-pay", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "B:1:1000",
     "presf=100.00;inscp=900.00;hifp=180.00;psn=820.00"},
    {"丙类 all self-paid", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "C:1:500",
     "fulamt=500.00;inscp=0;act=0;hifp=0;psn=500.00"},
    {"not in the catalogue", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "ZZZ:1:300",
     "fulamt=300.00;inscp=0"},
    /* class 1 cap 80: 2 x 95 = 190, capped 160, overlmt 30; 60 x 0.9 = 54 */
    {"price cap class 1", 0, RES, NULL, 0, "09", "21", NULL, NULL, 0, NULL, NULL, "D:2:95",
     "overlmt=30.00;inscp=160.00;hifp=54.00"},
    /* class 2 cap 90: capped 180, overlmt 10 */
    {"price cap class 2", 0, RES, NULL, 0, "06", "21", NULL, NULL, 0, NULL, NULL, "D:2:95", "overlmt=10.00;inscp=180.00"},
    {"price below cap", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "D:1:70", "overlmt=0;inscp=70.00"},
    /* 乙 with cap: 3 x 60 = 180, capped 150, overlmt 30, 150 x 0.20 = 30 preselfpay, 120 in scope */
    {"乙类 with cap", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "E:3:60",
     "medfee=180.00;overlmt=30.00;presf=30.00;inscp=120.00"},
    /* E has no cap in class 1: 180 in scope before 0.20 */
    {"cap only in one class", 0, RES, NULL, 0, "09", "21", NULL, NULL, 0, NULL, NULL, "E:3:60",
     "overlmt=0;presf=36.00;inscp=144.00"},
    {"denied by audit", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:1000:-:1:d;A:1:700",
     "fulamt=1000.00;inscp=700.00;l0.fulamt=1000.00"},
    /* catalogue entry valid on the fee date: in June N is still 甲 (乙 0.50 from July) */
    {"catalogue by date", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "N:1:100", "presf=0;inscp=100.00"},
    /* refunds net: 200 - 100 = 100 */
    {"refund line nets", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:2:100;A:-1:100",
     "medfee=100.00;inscp=100.00;act=100.00"},

    /* ---- rounding at half a fen ---- */
    /* 0.05 x 0.10 = 0.005 → 0.01 preselfpay, 0.04 in scope */
    {"half fen pre-self-pay", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "B:1:0.05",
     "presf=0.01;inscp=0.04"},
    /* 0.5 x 0.01 = 0.005 → 0.01 */
    {"half fen amount", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:0.5:0.01", "medfee=0.01"},
    /* 0.10 x 0.65 = 0.065 → 0.07 (retired class 2, deductible used) */
    {"half fen pool", 0, RET, NULL, 0, "05", "11", NULL, NULL, 0, NULL, "dedc/职工门诊统筹=30000", "A:1:0.10",
     "hifp=0.07;psn=0.03"},
    /* variant segments, rounding per segment: 600.125 yuan → 600.13; deductible 600; 0.13 x 0.6 = 0.078 →
     * 0.08; 大病 base 600.13 - 0.08 = 600.05 from 66999.99: 0.01 below 67000 x 0.6 = 0.006 → 0.01, and
     * 600.04 x 0.7 = 420.028 → 420.03; paid 420.04 (one rounding of the sum would give 420.03) */
    {"rounding per segment", 1, RES, NULL, 0, "03", "21", NULL, NULL, 0, "0", "base/居民大病=6699999;adm/居民住院=0",
     "C:1:0;A:1:600.125:600.13", "hifp=0.08;hifmi=420.04"},

    /* ---- cross-region ---- */
    /* referral 0.10: 1000 moved; 8200 x 0.85 = 6970 */
    {"cross-region referral", 0, EMP, NULL, 0, "03", "21", "330100", "2", 0, NULL, NULL, "A:1:10000",
     "extra=1000.00;presf=1000.00;inscp=9000.00;hifp=6970.00;psn=3030.00"},
    /* temporary 0.20: 2000 moved; 7400 x 0.6 = 4440 */
    {"cross-region temporary", 0, RES, NULL, 0, "03", "21", "330100", "3", 0, NULL, NULL, "A:1:10000",
     "extra=2000.00;inscp=8000.00;hifp=4440.00;psn=5560.00"},
    {"cross-region long-term", 0, RES, NULL, 0, "03", "21", "330100", "1", 0, NULL, NULL, "A:1:10000",
     "extra=0;hifp=5640.00"},
    {"cross-region unfiled without default", 0, RES, NULL, 0, "03", "21", "330100", "", 0, NULL, NULL, "A:1:10000",
     "extra=0;hifp=5640.00"},
    /* catalogue of the place of treatment: R is 甲 in 440100 only */
    {"catalogue of the place of treatment", 0, RES, NULL, 0, "03", "21", "440100", "1", 0, NULL, NULL, "R:1:1000",
     "inscp=1000.00;hifp=240.00"},
    {"local visit, code outside local catalogue", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "R:1:1000",
     "fulamt=1000.00;hifp=0"},
    /* spread: extra 100.00 over 333.33 and 666.67: round(100.00 x 333.33/1000) = 33.33, the rest 66.67 */
    {"cross-region extra spread over lines", 0, EMP, NULL, 0, "03", "21", "330100", "2", 0, NULL, NULL,
     "A:1:333.33;A:1:666.67", "extra=100.00;l0.presf=33.33;l1.presf=66.67;l0.inscp=300.00;l1.inscp=600.00"},

    /* ---- blocks, account, year ---- */
    /* resident outpatient has no block: nothing from the pool, 大病 only for 居民住院, 救助 not eligible */
    {"no block", 0, RES, NULL, 0, "03", "11", NULL, NULL, 0, NULL, NULL, "A:1:100", "hifp=0;fund=0;psn=100.00;rows=0"},
    /* ... but 救助 applies to every visit of 特困: 100 x 0.9 */
    {"no block, 救助 still pays", 0, RES, "特困", 0, "03", "11", NULL, NULL, 0, NULL, NULL, "A:1:100",
     "maf=90.00;rows=1"},
    /* balance 100 < payable 370 */
    {"balance smaller than payable", 0, RET, NULL, 0, "05", "11", NULL, NULL, 1, "100", NULL, "A:1:500",
     "acct=100.00;cash=270.00;balc=0"},
    {"account not used", 0, RET, NULL, 0, "05", "11", NULL, NULL, 0, "1000", NULL, "A:1:500",
     "acct=0;cash=370.00;balc=1000.00"},
    {"residents have no account", 0, RES, NULL, 0, "03", "21", NULL, NULL, 1, "1000", NULL, "A:1:1000",
     "acct=0;balc=1000.00"},
    /* variant scope: 100 甲 + 50 丙, deductible used: 100 x 0.55 = 55; psn 95; payable 95 - 50 = 45 */
    {"account without 目录外", 1, EMP, NULL, 0, "03", "11", NULL, NULL, 1, "1000", "dedc/职工门诊统筹=30000",
     "A:1:100;C:1:50", "hifp=55.00;psn=95.00;acct=45.00;cash=50.00;balc=955.00"},
    {"same, demo scope all", 0, EMP, NULL, 0, "03", "11", NULL, NULL, 1, "1000", "dedc/职工门诊统筹=30000",
     "A:1:100;C:1:50", "acct=95.00;cash=0"},

    /* ---- errors ---- */
    {"sumamt differs by 0.02", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:2:10:20.02",
     "rc=mismatch;field=feedetail[0].det_item_fee_sumamt;value=20.02"},
    {"sumamt within 0.01", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:2:10:20.01", "medfee=20.01"},
    {"duplicate feedetl_sn", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:10:-:X;A:1:10:-:X",
     "rc=duplicate;field=feedetail[1].feedetl_sn;value=X"},
    {"unknown insutype", 0, "999", "1101", NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:10", "rc=policy;field=insutype;value=999"},
    {"unknown hospital level", 0, RES, NULL, 0, "99", "21", NULL, NULL, 0, NULL, NULL, "A:1:10",
     "rc=policy;field=hosp_lv;value=99"},
    {"refunds exceed charges", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:100;A:-2:100",
     "rc=invalid;field=medfee_sumamt;value=-100.00"},
    {"overflowing product", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:999999999999:9999999999:1",
     "rc=overflow;field=feedetail[0].cnt"},

    /* ================= further cases (pol 2 = edge variant unless said) ================= */

    /* ---- rounding exactly at half a fen ---- */
    /* 居民门诊: no deductible, 50 %: 0.01 x 0.50 = 0.005 → 0.01 (half up); the person pays 0 */
    {"pool 0.01 x 0.50 rounds up", 2, RES, NULL, 0, "03", "11", NULL, NULL, 0, NULL, NULL, "A:1:0.01",
     "inscp=0.01;dedc=0;act=0;prop=5000;hifp=0.01;fund=0.01;psn=0;rows=1"},
    /* 0.03 x 0.50 = 0.015 → 0.02; person 0.01 */
    {"pool 0.03 x 0.50 rounds up", 2, RES, NULL, 0, "03", "11", NULL, NULL, 0, NULL, NULL, "A:1:0.03",
     "hifp=0.02;psn=0.01"},
    /* a refund mirrors the charge: 乙 1.00 → 0.10 / 0.90; 乙 -0.05 → round(-0.005) = -0.01 / -0.04;
     * totals 0.95 = 0.09 + 0.86; deductible 600 takes all 0.86 */
    {"refund: half fen rounds away from zero", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL,
     "B:1:1.00;B:-1:0.05",
     "l0.presf=0.10;l0.inscp=0.90;l1.presf=-0.01;l1.inscp=-0.04;medfee=0.95;presf=0.09;inscp=0.86;act=0.86;hifp=0"},
    /* D class 3 cap 100: 2 x 120 = 240 → capped 200, overlmt 40; refund -1 x 120 → capped round(-1 x 100) =
     * -100, overlmt -20; totals medfee 120, overlmt 20, inscp 100 */
    {"refund of a capped line", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "D:2:120;D:-1:120",
     "l0.overlmt=40.00;l0.inscp=200.00;l1.overlmt=-20.00;l1.inscp=-100.00;medfee=120.00;overlmt=20.00;inscp=100.00"},
    /* class 2 (80 %), pool has 0.02 left: deductible 400, eligible 1000, 800 > 0.02 → hifp 0.02;
     * over_cap = 1000 - round(0.02 / 0.80 = 0.025) = 1000 - 0.03 = 999.97; 大病 base 1399.98 < 17000 */
    {"over_cap at exactly half a fen", 0, RES, NULL, 0, "05", "21", NULL, NULL, 0, NULL, "pool/pool=9999998",
     "A:1:1400", "hifp=0.02;overcap=999.97;hifmi=0;fund=0.02;psn=1399.98;f0.left=0"},
    /* referral 0.10 of 0.15 = 0.015 → extra 0.02, spread cumulatively over 0.05 + 0.05 + 0.05:
     * round(0.02 x 5/15 = 0.0067) = 0.01; round(0.02 x 10/15 = 0.0133) = 0.01 → 0; 0.02 → 0.01 */
    {"cross-region extra of half a fen spread over lines", 0, EMP, NULL, 0, "03", "21", "330100", "2", 0, NULL, NULL,
     "A:1:0.05;A:1:0.05;A:1:0.05",
     "extra=0.02;l0.presf=0.01;l1.presf=0;l2.presf=0.01;l0.inscp=0.04;l1.inscp=0.05;l2.inscp=0.04;inscp=0.13;hifp=0"},
    /* threshold x factor is rounded: 特困 17000.01 x 0.5 = 8500.005 → 8500.01. inscp 1600: deductible 600;
     * 1000 x 0.60 = 600; 大病 base 1000, yearly 8500.00 → 9500.00, above 8500.01: 999.99 x 0.65 = 649.9935 →
     * 649.99; 救助 (特困 0 / 90 %) 1600 - 600 - 649.99 = 350.01 x 0.90 = 315.009 → 315.01; fund 1565.00 */
    {"identity threshold factor rounded", 2, RES, "特困", 0, "03", "21", NULL, NULL, 0, NULL, "base/居民大病=850000",
     "A:1:1600", "hifp=600.00;hifmi=649.99;maf=315.01;fund=1565.00;psn=35.00;d:base/医疗救助=35001;f1.left=none"},

    /* ---- pool: ratio 0, retiree bonus, caps of the person's kind ---- */
    /* class 1 employee outpatient ratio 0: the pool pays nothing, and nothing is "over the cap": both
     * over_cap layers (职工大额, 补充大额) are considered with base 0 */
    {"ratio 0: no pool", 2, EMP, NULL, 0, "08", "11", NULL, NULL, 0, NULL, "dedc/职工门诊统筹=30000", "A:1:500",
     "prop=0;hifp=0;overcap=0;hifob=0;oth=0;fund=0;psn=500.00;rows=3;d:pool/outpatient=0"},
    {"ratio 0 with the cap used up: over_cap stays 0", 2, EMP, NULL, 0, "08", "11", NULL, NULL, 0, NULL,
     "dedc/职工门诊统筹=30000;pool/outpatient=200000", "A:1:500", "hifp=0;overcap=0;fund=0"},
    /* retired on a ratio of 0: 0 + 0.05; 500 x 0.05 = 25 */
    {"retiree bonus on ratio 0", 2, RET, NULL, 0, "08", "11", NULL, NULL, 0, NULL, "dedc/职工门诊统筹=30000",
     "A:1:500", "prop=500;hifp=25.00"},
    /* psn_type 1300 is retired (prefix 1300): as example C, 200 x 0.65 = 130 */
    {"retired by prefix 1300", 0, "310", "1300", NULL, 0, "05", "11", NULL, NULL, 0, NULL, NULL, "A:1:500",
     "prop=6500;hifp=130.00"},
    /* 1301 does not start with 12 or 1300: in service, 200 x 0.60 = 120 */
    {"1301 is not retired", 0, "310", "1301", NULL, 0, "05", "11", NULL, NULL, 0, NULL, NULL, "A:1:500",
     "prop=6000;hifp=120.00"},
    /* retired cap 3000 with 2500 used: 1000 x 0.60 = 600 > 500 → 500; over_cap = 1000 - round(500/0.60 =
     * 833.333) = 166.67; 大额 166.67 x 0.90 = 150.003 → 150.00; fund 650 */
    {"retired cap 3000", 0, RET, NULL, 0, "03", "11", NULL, NULL, 0, NULL,
     "dedc/职工门诊统筹=30000;pool/outpatient=250000", "A:1:1000",
     "hifp=500.00;overcap=166.67;hifob=150.00;fund=650.00;f0.left=0"},
    /* the same 2500 used by someone in service (cap 2000): nothing left, all 1000 over the cap → 大额 900 */
    {"active cap 2000 already passed", 0, EMP, NULL, 0, "03", "11", NULL, NULL, 0, NULL,
     "dedc/职工门诊统筹=30000;pool/outpatient=250000", "A:1:1000",
     "hifp=0;overcap=1000.00;hifob=900.00;fund=900.00;f0.left=0;d:pool/outpatient=0"},
    /* 居民门诊 cap 300 with 299.90 used: 100 x 0.50 = 50 > 0.10 → 0.10; over_cap = 100 - round(0.10/0.50) =
     * 99.80; no resident layer takes over_cap */
    {"resident outpatient cap crossed", 2, RES, NULL, 0, "03", "11", NULL, NULL, 0, NULL, "pool/outpatient=29990",
     "A:1:100", "hifp=0.10;overcap=99.80;fund=0.10;psn=99.90;rows=1;f0.left=0"},

    /* ---- n-th admission ---- */
    /* second admission, factor 0.8: 800 x 0.8 = 640; 1360 x 0.85 = 1156 */
    {"second admission factor 0.8", 2, EMP, NULL, 0, "03", "21", NULL, NULL, 0, NULL, "adm/职工住院=1", "A:1:2000",
     "dedc=640.00;crt=640.00;act=640.00;hifp=1156.00;psn=844.00;d:adm/职工住院=1"},
    /* eighth admission, last factor 0.5, class 1: 200 x 0.5 = 100; 900 x 0.95 = 855 */
    {"eighth admission keeps the last factor", 2, EMP, NULL, 0, "09", "21", NULL, NULL, 0, NULL, "adm/职工住院=7",
     "A:1:1000", "dedc=100.00;hifp=855.00;psn=145.00"},
    /* an admission with no lines still counts as an admission of the year */
    {"admission without lines", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "",
     "medfee=0;dedc=600.00;act=0;hifp=0;fund=0;psn=0;rows=2;d:adm/居民住院=1"},

    /* ---- over_cap layers ---- */
    /* as example D (pool 1000 left): over_cap 8023.53; 大额 7221.18; 补充大额 100 % would be 8023.53 but
     * only 10000 - 1000 - 7221.18 = 1778.82 of the in-scope amount is unpaid → 1778.82; the person pays 0;
     * its yearly base still grows by the whole 8023.53 */
    {"second over_cap layer held to what is unpaid", 2, EMP, NULL, 0, "01", "21", NULL, NULL, 0, NULL,
     "pool/pool=9900000", "A:1:10000",
     "hifp=1000.00;overcap=8023.53;hifob=7221.18;oth=1778.82;fund=10000.00;psn=0;f2.base=8023.53;f2.pay=1778.82;"
     "f2.left=none;d:base/补充大额=802353;d:paid/补充大额=177882"},
    /* 大额 paid up (400000): pays 0, yet its base grows by over_cap 1000 (pool exhausted, eligible 1000) */
    {"大额 paid up: base still grows", 0, EMP, NULL, 0, "01", "21", NULL, NULL, 0, NULL,
     "pool/pool=10000000;paid/职工大额=40000000", "A:1:1800",
     "hifp=0;overcap=1000.00;hifob=0;fund=0;d:base/职工大额=100000;d:paid/职工大额=0;f1.left=0"},

    /* ---- thresholds and identities ---- */
    /* 8000 in scope: 7400 x 0.60 = 4440; base 3560; yearly 13440 + 3560 = 17000 exactly: nothing above yet */
    {"大病 threshold reached exactly", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, "base/居民大病=1344000",
     "A:8000:1", "hifp=4440.00;hifmi=0;d:base/居民大病=356000;f1.left=300000.00"},
    /* from 17000: deductible 600, 0.01 x 0.60 = 0.006 → 0.01; base 600.00 x 0.60 = 360.00 */
    {"大病 from the first fen above", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, "base/居民大病=1700000",
     "A:1:600.01", "hifp=0.01;hifmi=360.00;fund=360.01;psn=240.00"},
    /* 大病 paid up (300000): raw 4600 x 0.60 = 2760 → 0; base grows by 4600 */
    {"大病 paid up: base still grows", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL,
     "base/居民大病=5000000;paid/居民大病=30000000", "A:1:10600",
     "hifp=6000.00;hifmi=0;d:base/居民大病=460000;d:paid/居民大病=0;f1.left=0"},
    /* 低保 is the second adjustment of 大病: T 8500, 65 %, no cap. 30000: 29400 x 0.60 = 17640; base 12360,
     * 3860 above → 2509.00; 救助 低保 70 %: 30000 - 17640 - 2509 = 9851 x 0.70 = 6895.70; fund 27044.70 */
    {"低保 大病 and 救助", 0, RES, "低保", 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:30000",
     "hifp=17640.00;hifmi=2509.00;maf=6895.70;fund=27044.70;psn=2955.30;f1.left=none;f2.left=53104.30"},
    /* sp_psn_type holding the identity's name instead of its code: same as 特困 */
    {"identity given by its name", 0, RES, "tekun", 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:30000",
     "hifmi=2509.00;maf=8865.90"},
    /* by_identity and identity_adjust together (低收入): T 2000 x 0.5 = 1000, 60 % + 10 = 70 %.
     * 5000: 4400 x 0.60 = 2640; 大病 base 2360 < 17000.01 (considered, 0); 救助 [1000, 2360) = 1360 x 0.70 = 952 */
    {"by_identity with an adjustment", 2, RES, "低收入", 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:5000",
     "hifp=2640.00;hifmi=0;maf=952.00;fund=3592.00;psn=1408.00;rows=3;f2.base=2360.00;f2.left=59048.00"},
    /* 优抚 is eligible for 救助 but has no by_identity row and the layer no segments: not considered */
    {"eligible without a by_identity row", 2, RES, "优抚", 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:5000",
     "hifp=2640.00;maf=0;rows=2;d:base/医疗救助=0"},
    /* 居民门诊 of 特困: 100 x 0.50 = 50; 大病 is for 居民住院 only (not considered); 救助 (no blocks) 50 x 0.90 = 45 */
    {"layer blocks filter", 2, RES, "特困", 0, "03", "11", NULL, NULL, 0, NULL, NULL, "A:1:100",
     "hifp=50.00;hifmi=0;maf=45.00;fund=95.00;psn=5.00;rows=2;d:base/居民大病=0"},
    /* variant 公务员 cap 3000 with 2800 paid, yearly base 5000 (0.50 segment): 5000: hifp 4200 x 0.85 = 3570;
     * base 1430 x 0.50 = 715 → 200 left; 大额 over_cap 0 */
    {"公务员补助 cap crossed", 1, EMP, NULL, 1, "03", "21", NULL, NULL, 0, NULL,
     "base/公务员补助=500000;paid/公务员补助=280000", "A:1:5000", "cvlserv=200.00;hifob=0;fund=3770.00;f1.left=0"},

    /* ---- cross-region ---- */
    /* unmapped filing class: the policy's default class (temporary 0.20): 10000 → 2000 moved; 7400 x 0.60 */
    {"cross-region unmapped class uses the default", 2, RES, NULL, 0, "03", "21", "330100", "9", 0, NULL, NULL,
     "A:1:10000", "share=2000;extra=2000.00;presf=2000.00;inscp=8000.00;hifp=4440.00;hifmi=0;psn=5560.00"},
    {"cross-region empty class uses the default", 2, RES, NULL, 0, "03", "21", "330100", "", 0, NULL, NULL,
     "A:1:10000", "extra=2000.00;hifp=4440.00"},
    /* a mapped class keeps its own share even with a default: long-term 0 → 9400 x 0.60 */
    {"cross-region mapped class beats the default", 2, RES, NULL, 0, "03", "21", "330100", "1", 0, NULL, NULL,
     "A:1:10000", "share=0;extra=0;hifp=5640.00"},
    /* rloc_type equal to a class name: referral 0.10 → 1000; 8400 x 0.60 = 5040 */
    {"cross-region class given by name", 0, RES, NULL, 0, "03", "21", "330100", "referral", 0, NULL, NULL,
     "A:1:10000", "extra=1000.00;hifp=5040.00"},
    /* the extra share applies to in-scope after the line's own pre-self-pay: 乙 1000 → 100 / 900;
     * temporary 900 x 0.20 = 180 → preselfpay 280, in scope 720; 120 x 0.60 = 72 */
    {"cross-region extra after 乙 pre-self-pay", 0, RES, NULL, 0, "03", "21", "330100", "3", 0, NULL, NULL, "B:1:1000",
     "presf=280.00;inscp=720.00;extra=180.00;l0.presf=280.00;hifp=72.00;psn=928.00"},
    /* same area as the person: no extra whatever the filing class says */
    {"local visit ignores the filing class", 0, RES, NULL, 0, "03", "21", NULL, "3", 0, NULL, NULL, "A:1:10000",
     "extra=0;hifp=5640.00"},
    /* the area-specific entry (丙 in 330100) beats the all-areas one (甲) */
    {"area entry beats all-areas entry", 0, RES, NULL, 0, "03", "21", "330100", "1", 0, NULL, NULL, "G:1:100",
     "fulamt=100.00;inscp=0"},
    {"all-areas entry elsewhere", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "G:1:100",
     "fulamt=0;inscp=100.00"},

    /* ---- line split ---- */
    /* 可报丙类 04 uses its share: 100 x 0.30 = 30 pre-self-pay, 70 in scope (all to the deductible) */
    {"可报丙类 04", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "F:1:100",
     "fulamt=0;presf=30.00;inscp=70.00;act=70.00;hifp=0"},
    /* a denied 乙 line is all self-paid, no pre-self-pay */
    {"denied 乙 line", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "B:1:500:-:1:d",
     "fulamt=500.00;presf=0;inscp=0;l0.fulamt=500.00"},
    /* 丙 + 目录外 + denied + 甲 in one visit: 100 + 300 + 50 all-self, 1000 in scope; 400 x 0.60 = 240 */
    {"mixed self-paid kinds", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL,
     "C:1:100;ZZZ:3:100;A:1:50:-:9:d;A:1:1000",
     "fulamt=450.00;inscp=1000.00;hifp=240.00;psn=1210.00;l1.fulamt=300.00;l2.fulamt=50.00;l3.inscp=1000.00"},

    /* ---- account ---- */
    {"account with zero balance", 0, RET, NULL, 0, "05", "11", NULL, NULL, 1, "0", NULL, "A:1:500",
     "acct=0;cash=370.00;balc=0"},
    /* balance exactly the person's part */
    {"account pays exactly its balance", 0, RET, NULL, 0, "05", "11", NULL, NULL, 1, "370", NULL, "A:1:500",
     "acct=370.00;cash=0;balc=0"},
    /* variant scope without 目录外: a visit of 丙 only leaves nothing payable */
    {"account scope: only 目录外", 1, EMP, NULL, 0, "03", "11", NULL, NULL, 1, "1000", "dedc/职工门诊统筹=30000",
     "C:1:100", "psn=100.00;acct=0;cash=100.00;balc=1000.00"},

    /* ---- more splits, adjustments ---- */
    /* 甲 pays no pre-self-pay whatever share the catalogue carries */
    {"甲 ignores a catalogue share", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "H:1:100",
     "presf=0;inscp=100.00"},
    /* a price 0.004 above the cap of 100 (class 3): 3 x 100.004 = 300.012 → 300.01; capped 300.00 → 0.01 over */
    {"price just above the cap", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "D:3:100.004",
     "medfee=300.01;overlmt=0.01;inscp=300.00"},
    /* a price equal to the cap is not over it, even when the amount is written 0.01 above cnt x pric */
    {"price equal to the cap", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "D:3:100:300.01",
     "overlmt=0;inscp=300.01"},
    /* both 特困 and 低保: the first adjustment in policy order (特困: T 8500.01, 65 %, no cap) applies, not
     * 低保's (T 10200.01 would leave the yearly 9500 below it). Numbers as "identity threshold factor rounded" */
    {"first adjustment in policy order", 2, RES, "低保|特困", 0, "03", "21", NULL, NULL, 0, NULL,
     "base/居民大病=850000", "A:1:1600", "hifp=600.00;hifmi=649.99;maf=315.01;f1.left=none"},
    /* 低保 alone (pol 2): T 17000.01 x 0.6 = 10200.006 → 10200.01, 60 + 3 = 63 %, capped. Yearly 10000 →
     * 11000: 799.99 x 0.63 = 503.9937 → 503.99; 救助 低保 70 %: 1600 - 600 - 503.99 = 496.01 x 0.70 =
     * 347.207 → 347.21; fund 1451.20 */
    {"低保 adjustment with its own factor", 2, RES, "低保", 0, "03", "21", NULL, NULL, 0, NULL, "base/居民大病=1000000",
     "A:1:1600", "hifmi=503.99;maf=347.21;fund=1451.20;psn=148.80;f1.left=299496.01"},

    /* ---- errors ---- */
    /* the second line: round(3 x 0.333333) = 1.00, written 0.98 */
    {"mismatch on the second line", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:10;A:3:0.333333:0.98",
     "rc=mismatch;field=feedetail[1].det_item_fee_sumamt;value=0.98"},
    /* 3 x 0.333333 = 0.999999 → 1.00; 0.99 is within 0.01 */
    {"within 0.01 after rounding", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:3:0.333333:0.99",
     "medfee=0.99"},
    {"refund amount with a positive quantity", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL,
     "A:1:10;A:1:10:-10.00", "rc=mismatch;field=feedetail[1].det_item_fee_sumamt;value=-10.00"},
    {"negative price", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:-10",
     "rc=invalid;field=feedetail[0].pric;value=-10.000000"},
    /* two lines of 5e16 yuan each: the visit total does not fit in int64 fen */
    {"overflowing visit total", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL,
     "A:5000000:10000000000;A:5000000:10000000000", "rc=overflow;field=medfee_sumamt"},
    {"negative accumulator", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, "pool/pool=-1", "A:1:1000",
     "rc=invalid;field=pool/pool;value=-1"},
    {"negative balance", 0, RET, NULL, 0, "05", "11", NULL, NULL, 1, "-0.01", NULL, "A:1:500",
     "rc=invalid;field=balc;value=-0.01"},
    {"unknown level 15", 0, RES, NULL, 0, "15", "21", NULL, NULL, 0, NULL, NULL, "A:1:10",
     "rc=policy;field=hosp_lv;value=15"},
};

static void test_cases(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&cases[i], NULL);
}

static void test_case_count(void **state) {
    (void)state;
    /* the four examples plus at least 40 more */
    assert_true(sizeof cases / sizeof cases[0] >= 44);
}

/* The rest of a stay whose interim settlements stand (中途结算): its deductible is the standard the
 * first of them used, less what they paid; no second admission is counted. Employee, level 03
 * (class 3): 职工住院 deductible 800, 85 %. */
static void test_interim_stay(void **state) {
    (void)state;
    static const struct {
        yb_stay stay;
        struct scase c;
    } t[] = {
        /* the interim paid the whole 800: 500 x 0.85 = 425, no admission counted */
        {{"职工住院", 80000, 80000},
         {"rest after a full deductible", 0, EMP, NULL, 0, "03", "21", NULL, NULL, 0, NULL, "adm/职工住院=1", "A:1:500",
          "dedc=800.00;crt=0;act=0;hifp=425.00;d:adm/职工住院=0"}},
        /* the interim paid 300 of it: 500 left; (1800 - 500) x 0.85 = 1105 */
        {{"职工住院", 80000, 30000},
         {"rest after a partial deductible", 0, EMP, NULL, 0, "03", "21", NULL, NULL, 0, NULL, "adm/职工住院=1",
          "A:1:1800", "dedc=800.00;crt=500.00;act=500.00;hifp=1105.00;d:adm/职工住院=0"}},
        /* admission factors [1, 0.8, 0.5]: the interim counted this stay as the first admission
         * (800); its rest keeps that standard, not the second admission's 640 */
        {{"职工住院", 80000, 0},
         {"rest keeps the stay's factor", 2, EMP, NULL, 0, "03", "21", NULL, NULL, 0, NULL, "adm/职工住院=1",
          "A:1:1000", "dedc=800.00;crt=800.00;act=800.00;d:adm/职工住院=0"}},
        /* a stay settled in another block does not carry over */
        {{"居民住院", 60000, 60000},
         {"another block's stay", 0, EMP, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:1800",
          "dedc=800.00;act=800.00;hifp=850.00;d:adm/职工住院=1"}},
        {{"职工住院", 80000, 80001},
         {"a stay that paid more than its standard", 0, EMP, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:1800",
          "rc=invalid;field=dedc_std;value=800.00"}},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        g_stay = &t[i].stay;
        run_case(&t[i].c, NULL);
    }
    g_stay = NULL;
}

/* ---------- sequences: each visit reads the accumulators the previous ones left ---------- */

static void expect_acc(const yb_accum *a, const char *spec) {
    yb_accum want;
    parse_acc(spec, &want);
    for (int k = 0; k < want.n; k++)
        if (yb_accum_get(a, want.it[k].key) != want.it[k].v)
            fail_msg("accumulator %s = %lld, want %lld", want.it[k].key, (long long)yb_accum_get(a, want.it[k].key),
                     (long long)want.it[k].v);
    /* and nothing else moved */
    for (int k = 0; k < a->n; k++)
        if (a->it[k].v != 0 && yb_accum_get(&want, a->it[k].key) != a->it[k].v)
            fail_msg("unexpected accumulator %s = %lld", a->it[k].key, (long long)a->it[k].v);
}

/* Examples A then B: B's hand-entered accumulators are exactly what A leaves behind. */
static void test_sequence_examples(void **state) {
    (void)state;
    yb_accum acc;
    memset(&acc, 0, sizeof acc);
    yb_fen bal = 0;
    run_case_with(&cases[0], NULL, &acc, &bal);
    expect_acc(&acc, "adm/居民住院=1;pool/pool=612000;base/居民大病=468000");
    run_case_with(&cases[1], NULL, &acc, &bal);
    /* 612000 + 2364000; base 4680 + 16360; 大病 paid 2424 */
    expect_acc(&acc, "adm/居民住院=2;pool/pool=2976000;base/居民大病=2104000;paid/居民大病=242400");
}

/* A 特困 resident, three admissions in a tertiary hospital: 大病's threshold (17000 x 0.5 = 8500) is
 * reached on the third; 救助 (特困: from 0 at 90 %) pays what remains each time. */
static const struct scase seq_tekun[] = {
    /* 5000: 4400 x 0.60 = 2640; 大病 base 2360 (yearly 2360 < 8500): 0; 救助 2360 x 0.90 = 2124; fund 4764 */
    {"tekun 1", 0, RES, "特困", 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:5000",
     "hifp=2640.00;hifmi=0;maf=2124.00;fund=4764.00;psn=236.00;dedc=600.00"},
    /* 10000: 9400 x 0.60 = 5640; 大病 base 4360 (yearly 6720): 0; 救助 4360 x 0.90 = 3924; fund 9564 */
    {"tekun 2", 0, RES, "特困", 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:10000",
     "hifp=5640.00;hifmi=0;maf=3924.00;fund=9564.00;psn=436.00;dedc=600.00"},
    /* 20000: 19400 x 0.60 = 11640; 大病 base 8360, yearly 6720 → 15080: 6580 above 8500 x 0.65 = 4277;
     * 救助 8360 - 4277 = 4083 x 0.90 = 3674.70; fund 19591.70 */
    {"tekun 3", 0, RES, "特困", 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:20000",
     "hifp=11640.00;hifmi=4277.00;maf=3674.70;fund=19591.70;psn=408.30;f1.base=8360.00;f2.base=4083.00"},
};

/* An employee in service, outpatient pool (per-year deductible 300, 55 %, cap 2000) and 职工大额 on
 * over_cap, paying from an account of 1000. */
static const struct scase seq_outpatient[] = {
    /* 200: all to the deductible (300 still open); account 200 → balance 800 */
    {"outpatient 1", 0, EMP, NULL, 0, "03", "11", NULL, NULL, 1, NULL, NULL, "A:1:200",
     "crt=300.00;act=200.00;hifp=0;psn=200.00;acct=200.00;cash=0;balc=800.00"},
    /* 500: 100 deductible left; 400 x 0.55 = 220; person 280 from the account → 520 */
    {"outpatient 2", 0, EMP, NULL, 0, "03", "11", NULL, NULL, 1, NULL, NULL, "A:1:500",
     "crt=100.00;act=100.00;hifp=220.00;psn=280.00;acct=280.00;balc=520.00"},
    /* 4000: 2200 > 2000 - 220 = 1780 → 1780; over_cap 4000 - round(1780/0.55 = 3236.3636) = 763.64;
     * 大额 763.64 x 0.90 = 687.276 → 687.28; person 1532.72: account 520, cash 1012.72 */
    {"outpatient 3", 0, EMP, NULL, 0, "03", "11", NULL, NULL, 1, NULL, NULL, "A:1:4000",
     "crt=0;hifp=1780.00;overcap=763.64;hifob=687.28;fund=2467.28;psn=1532.72;acct=520.00;cash=1012.72;balc=0"},
    /* 100: the pool is used up: over_cap 100 → 大额 90; person 10 in cash */
    {"outpatient 4", 0, EMP, NULL, 0, "03", "11", NULL, NULL, 1, NULL, NULL, "A:1:100",
     "hifp=0;overcap=100.00;hifob=90.00;psn=10.00;acct=0;cash=10.00;balc=0"},
};

static void test_sequences(void **state) {
    (void)state;
    yb_accum acc;
    yb_fen bal = 0;
    memset(&acc, 0, sizeof acc);
    yb_settlement s;
    for (size_t i = 0; i < sizeof seq_tekun / sizeof seq_tekun[0]; i++) run_case_with(&seq_tekun[i], &s, &acc, &bal);
    assert_string_equal(s.funds[1].proc_info, "起付线8500.00 分段65% 累计基数15080.00 年度剩余限额不限");
    assert_int_equal(s.funds[1].cap_left, YB_NO_CAP);
    /* pool 2640 + 5640 + 11640; 大病 base 2360 + 4360 + 8360; 救助 base 2360 + 4360 + 4083, paid 2124 +
     * 3924 + 3674.70 */
    expect_acc(&acc, "adm/居民住院=3;pool/pool=1992000;base/居民大病=1508000;paid/居民大病=427700;"
                     "base/医疗救助=1080300;paid/医疗救助=972270");

    memset(&acc, 0, sizeof acc);
    bal = Y("1000");
    for (size_t i = 0; i < sizeof seq_outpatient / sizeof seq_outpatient[0]; i++)
        run_case_with(&seq_outpatient[i], &s, &acc, &bal);
    assert_int_equal(bal, 0);
    /* deductible 200 + 100; pool 220 + 1780; 大额 base 763.64 + 100, paid 687.28 + 90 */
    expect_acc(&acc, "dedc/职工门诊统筹=30000;pool/outpatient=200000;base/职工大额=86364;paid/职工大额=77728");
}

/* ---------- dates ---------- */

static void test_year_boundary(void **state) {
    (void)state;
    yb_visit v;
    memset(&v, 0, sizeof v);
    v.begntime = DT("2024-12-28 09:00:00");
    v.endtime = DT("2025-01-03 10:00:00");
    assert_int_equal(yb_settle_year(&v), 2025);
    assert_int_equal(yb_settle_date(&v), D("2025-01-03"));
    v.endtime = YB_DATETIME_NONE;
    assert_int_equal(yb_settle_year(&v), 2024);
    assert_int_equal(yb_settle_date(&v), D("2024-12-28"));
    v.endtime = DT("2025-12-31 23:59:59");
    assert_int_equal(yb_settle_year(&v), 2025);
    v.endtime = DT("2026-01-01 00:00:00");
    assert_int_equal(yb_settle_year(&v), 2026);
}

struct timed {
    yb_policy pol;
    yb_catalog *cat;
    yb_person psn;
    yb_visit v;
    yb_line lines[4];
    yb_line_split sp[4];
    yb_settlement s;
    yb_err err;
};

static struct timed *timed_new(const char *begin, const char *end) {
    struct timed *t = calloc(1, sizeof *t);
    demo_policy(&t->pol);
    t->cat = demo_catalog();
    strcpy(t->psn.psn_no, "P9");
    strcpy(t->psn.insutype, "390");
    strcpy(t->psn.psn_type, "1501");
    strcpy(t->psn.insu_admdvs, "360100");
    strcpy(t->v.mdtrt_id, "M9");
    strcpy(t->v.med_type, "21");
    strcpy(t->v.hosp_lv, "03");
    strcpy(t->v.mdtrtarea_admvs, "360100");
    t->v.begntime = begin ? DT(begin) : YB_DATETIME_NONE;
    t->v.endtime = end ? DT(end) : YB_DATETIME_NONE;
    yb_err_clear(&t->err);
    return t;
}

static void timed_line(struct timed *t, int i, const char *sn, const char *code, const char *amount, const char *when) {
    yb_line *l = &t->lines[i];
    memset(l, 0, sizeof *l);
    strcpy(l->feedetl_sn, sn);
    strcpy(l->med_list_codg, code);
    l->cnt = YB_QTY_ONE;
    l->sumamt = Y(amount);
    l->pric = l->sumamt * (YB_PRICE_ONE / 100);
    l->fee_ocur_time = when ? DT(when) : YB_DATETIME_NONE;
}

static yb_rc timed_run(struct timed *t, int n) {
    yb_settle_in in = {&t->pol, t->cat, &t->psn, &t->v, t->lines, (size_t)n, NULL, 0, NULL};
    return yb_settle_calc(&in, &t->s, t->sp, &t->err);
}

static void timed_free(struct timed *t) {
    yb_catalog_free(t->cat);
    free(t);
}

/* N is 甲 until 2025-06-30 and 乙 0.50 from 2025-07-01: each line uses the entry valid when its fee
 * arose, a line without fee_ocur_time the visit's start. */
static void test_catalogue_by_fee_time(void **state) {
    (void)state;
    struct timed *t = timed_new("2025-06-30 10:00:00", "2025-07-02 10:00:00");
    timed_line(t, 0, "1", "N", "100", "2025-07-01 09:00:00"); /* 乙: 50 pre-self-pay, 50 in scope */
    timed_line(t, 1, "2", "N", "100", NULL);                  /* visit start 06-30: 甲, 100 in scope */
    timed_line(t, 2, "3", "N", "100", "2025-06-30 23:59:59"); /* still 甲 */
    assert_int_equal(timed_run(t, 3), YB_OK);
    assert_int_equal(t->sp[0].preselfpay_amt, Y("50"));
    assert_string_equal(t->sp[0].chrgitm_lv, "02");
    assert_int_equal(t->sp[1].preselfpay_amt, 0);
    assert_string_equal(t->sp[1].chrgitm_lv, "01");
    assert_int_equal(t->sp[2].inscp_scp_amt, Y("100"));
    assert_int_equal(t->s.preselfpay_amt, Y("50"));
    assert_int_equal(t->s.inscp_scp_amt, Y("250"));
    assert_int_equal(t->s.year, 2025);
    timed_free(t);

    /* a visit known only by its end: lines without a fee time use it (07-02: 乙) */
    t = timed_new(NULL, "2025-07-02 10:00:00");
    timed_line(t, 0, "1", "N", "100", NULL);
    assert_int_equal(timed_run(t, 1), YB_OK);
    assert_int_equal(t->s.preselfpay_amt, Y("50"));
    timed_free(t);
}

/* A stay from 2024-12-28 to 2025-01-03 settles in 2025 (the caller passes the 2025 accumulators). */
static void test_year_of_a_settlement(void **state) {
    (void)state;
    struct timed *t = timed_new("2024-12-28 09:00:00", "2025-01-03 10:00:00");
    timed_line(t, 0, "1", "A", "1000", "2024-12-29 10:00:00");
    assert_int_equal(timed_run(t, 1), YB_OK);
    assert_int_equal(t->s.year, 2025);
    timed_free(t);
}

static void test_visit_errors(void **state) {
    (void)state;
    struct timed *t = timed_new(NULL, NULL);
    timed_line(t, 0, "1", "A", "10", NULL);
    assert_int_equal(timed_run(t, 1), YB_E_INVALID);
    assert_string_equal(t->err.field, "begntime");
    timed_free(t);

    t = timed_new("2025-03-02 10:00:00", "2025-03-01 10:00:00");
    timed_line(t, 0, "1", "A", "10", NULL);
    assert_int_equal(timed_run(t, 1), YB_E_INVALID);
    assert_string_equal(t->err.field, "endtime");
    timed_free(t);

    t = timed_new("2025-03-01 10:00:00", NULL);
    timed_line(t, 0, "1", "A", "10", NULL);
    timed_line(t, 1, "", "A", "10", NULL);
    assert_int_equal(timed_run(t, 2), YB_E_INVALID);
    assert_string_equal(t->err.field, "feedetail[1].feedetl_sn");
    timed_free(t);

    /* too many lines is refused before a line is read */
    t = timed_new("2025-03-01 10:00:00", NULL);
    yb_settle_in in = {&t->pol, t->cat, &t->psn, &t->v, t->lines, (size_t)1000001, NULL, 0, NULL};
    assert_int_equal(yb_settle_calc(&in, &t->s, t->sp, &t->err), YB_E_LIMIT);
    assert_non_null(strstr(t->err.msg, "1000000"));
    /* incomplete input */
    yb_err_clear(&t->err);
    yb_settle_in bad = {NULL, t->cat, &t->psn, &t->v, t->lines, 0, NULL, 0, NULL};
    assert_int_equal(yb_settle_calc(&bad, &t->s, t->sp, &t->err), YB_E_INVALID);
    assert_int_equal(yb_settle_calc(&in, NULL, t->sp, NULL), YB_E_INTERNAL);
    /* no catalogue: every line is 目录外 */
    yb_err_clear(&t->err);
    timed_line(t, 0, "1", "A", "10", NULL);
    yb_settle_in nocat = {&t->pol, NULL, &t->psn, &t->v, t->lines, 1, NULL, 0, NULL};
    assert_int_equal(yb_settle_calc(&nocat, &t->s, t->sp, &t->err), YB_OK);
    assert_int_equal(t->s.fulamt_ownpay_amt, Y("10"));
    timed_free(t);
}

/* ---------- accumulators and the check ---------- */

static void test_accum(void **state) {
    (void)state;
    yb_accum a;
    memset(&a, 0, sizeof a);
    assert_int_equal(yb_accum_get(&a, "pool/pool"), 0);
    assert_int_equal(yb_accum_get(NULL, "pool/pool"), 0);
    assert_int_equal(yb_accum_add(&a, "pool/pool", 0), YB_OK);
    assert_int_equal(a.n, 0); /* a zero delta creates nothing */
    assert_int_equal(yb_accum_add(&a, "pool/pool", 500), YB_OK);
    assert_int_equal(yb_accum_add(&a, "pool/pool", -200), YB_OK);
    assert_int_equal(yb_accum_get(&a, "pool/pool"), 300);
    assert_int_equal(a.n, 1);
    assert_int_equal(yb_accum_add(&a, "pool/pool", INT64_MAX), YB_E_OVERFLOW);
    assert_int_equal(yb_accum_get(&a, "pool/pool"), 300); /* unchanged by the failed add */
    char key[YB_ACC_KEY + 8];
    memset(key, 'k', sizeof key);
    key[YB_ACC_KEY] = '\0';
    assert_int_equal(yb_accum_add(&a, key, 1), YB_E_LIMIT); /* YB_ACC_KEY bytes + NUL do not fit */
    key[YB_ACC_KEY - 1] = '\0';
    assert_int_equal(yb_accum_add(&a, key, 1), YB_OK);
    for (int i = a.n; i < YB_ACC_MAX; i++) {
        char k2[32];
        snprintf(k2, sizeof k2, "base/L%d", i);
        assert_int_equal(yb_accum_add(&a, k2, i + 1), YB_OK);
    }
    assert_int_equal(a.n, YB_ACC_MAX);
    assert_int_equal(yb_accum_add(&a, "paid/new", 1), YB_E_LIMIT);
    assert_int_equal(yb_accum_add(&a, "pool/pool", 1), YB_OK); /* existing keys still grow */
    assert_int_equal(yb_accum_get(&a, "pool/pool"), 301);
    assert_int_equal(yb_accum_add(NULL, "pool/pool", 1), YB_E_INTERNAL);
}

static void test_check_catches(void **state) {
    (void)state;
    yb_settlement good;
    run_case(&cases[0], &good); /* example A */
    yb_settlement s;
    yb_err e;
    struct {
        const char *field;
        size_t off;
        int64_t d;
    } t[] = {
        {"medfee_sumamt", offsetof(yb_settlement, inscp_scp_amt), 1},
        {"fund_pay_sumamt", offsetof(yb_settlement, hifmi_pay), 1},
        {"fund_pay_sumamt", offsetof(yb_settlement, fund_pay_sumamt), 1},
        {"psn_part_amt", offsetof(yb_settlement, psn_cash_pay), -1},
        {"psn_part_amt", offsetof(yb_settlement, acct_pay), 1},
        {"balc", offsetof(yb_settlement, balc), 1},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        s = good;
        *(yb_fen *)((char *)&s + t[i].off) += t[i].d;
        yb_err_clear(&e);
        assert_int_equal(yb_settle_check(&s, NULL, 0, &e), YB_E_INTERNAL);
        assert_string_equal(e.field, t[i].field);
    }
    s = good;
    s.funds[0].payamt += 1;
    yb_err_clear(&e);
    assert_int_equal(yb_settle_check(&s, NULL, 0, &e), YB_E_INTERNAL);
    assert_string_equal(e.field, "fund_pay_sumamt");
    /* the lines must add up to the totals */
    yb_line_split sp[2];
    memset(sp, 0, sizeof sp);
    sp[0].fulamt_ownpay_amt = good.fulamt_ownpay_amt;
    sp[0].overlmt_amt = good.overlmt_selfpay;
    sp[0].preselfpay_amt = good.preselfpay_amt;
    sp[1].inscp_scp_amt = good.inscp_scp_amt;
    assert_int_equal(yb_settle_check(&good, sp, 2, NULL), YB_OK);
    sp[1].inscp_scp_amt -= 1;
    yb_err_clear(&e);
    assert_int_equal(yb_settle_check(&good, sp, 2, &e), YB_E_INTERNAL);
    assert_string_equal(e.field, "setldetail");
    /* extreme values do not overflow the check itself */
    s = good;
    s.medfee_sumamt = INT64_MAX;
    s.inscp_scp_amt = INT64_MAX;
    assert_int_equal(yb_settle_check(&s, NULL, 0, NULL), YB_E_INTERNAL);
}

static void test_fund_fields(void **state) {
    (void)state;
    assert_string_equal(yb_fund_field("390200"), "hifmi_pay");
    assert_string_equal(yb_fund_field("330100"), "hifob_pay");
    assert_string_equal(yb_fund_field("320100"), "cvlserv_pay");
    assert_string_equal(yb_fund_field("610100"), "maf_pay");
    assert_string_equal(yb_fund_field("610102"), "maf_pay");
    assert_string_equal(yb_fund_field("370100"), "hifes_pay");
    assert_string_equal(yb_fund_field("350100"), "hifdm_pay");
    assert_string_equal(yb_fund_field("999997"), "oth_pay");
    assert_string_equal(yb_fund_field(""), "oth_pay");
    assert_string_equal(yb_fund_field(NULL), "oth_pay");
}

static void test_proc_info(void **state) {
    (void)state;
    yb_settlement s;
    run_case(&cases[1], &s); /* example B */
    assert_int_equal(s.n_funds, 2);
    assert_string_equal(s.funds[0].fund_pay_type, "390100");
    assert_string_equal(s.funds[0].name, "居民住院");
    assert_string_equal(s.funds[0].proc_info, "起付线600.00 比例60% 年度剩余限额70240.00");
    assert_int_equal(s.funds[0].base, Y("40000")); /* the pool row's base: the visit's in-scope amount */
    assert_int_equal(s.funds[0].cap_left, Y("70240"));
    assert_string_equal(s.funds[1].fund_pay_type, "390200");
    assert_string_equal(s.funds[1].name, "居民大病");
    assert_string_equal(s.funds[1].proc_info, "起付线17000.00 分段60% 累计基数21040.00 年度剩余限额297576.00");
    assert_int_equal(s.funds[1].base, Y("16360"));
    assert_int_equal(s.funds[1].cap_left, Y("297576"));

    run_case(&cases[2], &s); /* example C: retired, 0.60 + 0.05; cap 3000 - 130 */
    assert_string_equal(s.funds[0].fund_pay_type, "310100");
    assert_string_equal(s.funds[0].proc_info, "起付线300.00 比例65% 年度剩余限额2870.00");
    assert_string_equal(s.funds[1].fund_pay_type, "330100");
    assert_string_equal(s.funds[1].proc_info, "起付线0.00 分段90% 累计基数0.00 年度剩余限额400000.00");

    /* variant: two segments; 公务员补助 first */
    const struct scase seg = {"segments text", 1, EMP, NULL, 1, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:5000",
                              "cvlserv=429.00"};
    run_case(&seg, &s);
    assert_string_equal(s.funds[1].proc_info, "起付线0.00 分段30%/50% 累计基数1430.00 年度剩余限额2571.00");

    /* by_identity + adjustment: T 1000, 70 %, cap 60000 - 952 */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (!strcmp(cases[i].name, "by_identity with an adjustment")) run_case(&cases[i], &s);
    assert_string_equal(s.funds[2].fund_pay_type, "610100");
    assert_string_equal(s.funds[2].proc_info, "起付线1000.00 分段70% 累计基数2360.00 年度剩余限额59048.00");
    /* no pool cap: a block without annual cap reads 不限 */
    yb_policy *p = malloc(sizeof *p);
    demo_policy(p);
    p->insutypes[1].blocks[0].annual_cap_active = p->insutypes[1].blocks[0].annual_cap_retired = YB_NO_CAP;
    yb_catalog *cat = demo_catalog();
    yb_person psn = {.psn_no = "P", .insutype = "390", .psn_type = "1501", .insu_admdvs = "360100"};
    yb_visit v = {.mdtrt_id = "M", .med_type = "21", .hosp_lv = "09", .mdtrtarea_admvs = "360100"};
    v.begntime = DT("2025-05-01 08:00:00");
    v.endtime = YB_DATETIME_NONE;
    yb_line l = {.feedetl_sn = "1", .med_list_codg = "A", .cnt = YB_QTY_ONE, .pric = 1000 * (yb_price)YB_PRICE_ONE,
                 .sumamt = 100000};
    l.fee_ocur_time = YB_DATETIME_NONE;
    yb_line_split sp[1];
    yb_settle_in in = {p, cat, &psn, &v, &l, 1, NULL, 0, NULL};
    assert_int_equal(yb_settle_calc(&in, &s, sp, NULL), YB_OK);
    /* class 1: deductible 100, 900 x 0.90 = 810 */
    assert_int_equal(s.hifp_pay, Y("810"));
    assert_int_equal(s.funds[0].cap_left, YB_NO_CAP);
    assert_string_equal(s.funds[0].proc_info, "起付线100.00 比例90% 年度剩余限额不限");
    yb_catalog_free(cat);
    free(p);
}

/* ---------- property test ---------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) { /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}
static int64_t rnd_in(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1)); }

/* What the accumulators must hold, rebuilt from the settlements' visible outputs (not from their
 * deltas): pool paid per cap group, admissions, per-year deductible paid, and each layer's base and
 * payments as its fund rows show them. */
static void model_add(yb_accum *m, const char *kind, const char *name, int64_t v) {
    char key[YB_ACC_KEY];
    snprintf(key, sizeof key, "%s/%s", kind, name);
    assert_int_equal(yb_accum_add(m, key, v), YB_OK);
}

#define N_PERSONS 800

static void test_property(void **state) {
    (void)state;
    yb_policy *pol[3];
    for (int k = 0; k < 3; k++) {
        pol[k] = malloc(sizeof **pol);
        make_policy(k, pol[k]);
    }
    yb_catalog *cat = demo_catalog();
    static const char *codes[] = {"A", "A", "B", "C", "D", "E", "F", "G", "R", "N", "ZZZ"};
    enum { NCODES = sizeof codes / sizeof codes[0] };
    static const char *levels[] = {"01", "03", "05", "07", "09", "11", "12", "13", "14"};
    static const char *meds[] = {"11", "13", "21", "24", "28", "14"};
    static const char *sps[] = {"", "", "", "特困", "低保", "低收入", "低保|特困", "优抚", "tekun"};
    static const char *areas[] = {"360100", "360100", "360100", "330100", "440100"};
    static const char *rlocs[] = {"", "1", "2", "3", "4", "referral"};
    static const char *psn_types[] = {"1101", "1201", "1300", "1501", "1301"};
    long visits = 0, lines_total = 0, refunds = 0, dedc_checked = 0, dabing_checked = 0;
    for (int person = 0; person < N_PERSONS; person++) {
        int pk = person % 3;
        const yb_policy *p = pol[pk];
        yb_person psn;
        memset(&psn, 0, sizeof psn);
        snprintf(psn.psn_no, sizeof psn.psn_no, "P%d", person);
        strcpy(psn.insutype, rnd() % 2 ? "310" : "390");
        strcpy(psn.psn_type, psn_types[rnd() % 5]);
        strcpy(psn.sp_psn_type, sps[rnd() % 9]);
        psn.cvlserv_flag = rnd() % 4 == 0;
        strcpy(psn.insu_admdvs, "360100");
        int retired = yb_policy_is_retired(p, psn.psn_type);
        const yb_insutype_policy *ip = yb_policy_insutype(p, psn.insutype);
        yb_accum acc, model;
        memset(&acc, 0, sizeof acc);
        memset(&model, 0, sizeof model);
        const yb_fen balance0 = rnd_in(0, 500000);
        yb_fen balance = balance0, acct_total = 0, outpatient_inscp = 0;
        int nvisits = (int)rnd_in(1, 12), dabing_visits = 0;
        for (int vi = 0; vi < nvisits; vi++) {
            yb_visit v;
            memset(&v, 0, sizeof v);
            snprintf(v.mdtrt_id, sizeof v.mdtrt_id, "M%d_%d", person, vi);
            strcpy(v.med_type, meds[rnd() % 6]);
            strcpy(v.hosp_lv, levels[rnd() % 9]);
            strcpy(v.mdtrtarea_admvs, areas[rnd() % 5]);
            strcpy(v.rloc_type, rlocs[rnd() % 6]);
            v.begntime = (yb_datetime)D("2025-01-01") * 86400 + (yb_datetime)vi * 86400 * 20 + rnd_in(0, 86399);
            v.endtime = rnd() % 5 ? v.begntime + rnd_in(0, 10 * 86400) : YB_DATETIME_NONE;
            v.acct_used_flag = (int)(rnd() % 2);
            enum { MAXL = 48 };
            yb_line lines[MAXL];
            yb_line_split sp[MAXL];
            int big = rnd() % 4 == 0;
            int n = (int)rnd_in(0, big ? 40 : 8);
            int nl = 0, refund_of[MAXL];
            for (int li = 0; li < n; li++) {
                yb_line *l = &lines[nl];
                refund_of[nl] = -1;
                int charge = nl > 0 ? (int)(rnd() % (uint64_t)nl) : -1;
                if (charge >= 0 && rnd() % 6 == 0 && lines[charge].cnt > 0 && refund_of[charge] < 0) {
                    int taken = 0;
                    for (int k = 0; k < nl; k++) taken |= refund_of[k] == charge;
                    if (taken) continue;
                    /* a full refund of an earlier charge: same code, price, time and audit verdict */
                    *l = lines[charge];
                    l->cnt = -l->cnt;
                    l->sumamt = -l->sumamt;
                    refund_of[nl] = charge;
                    refunds++;
                } else {
                    memset(l, 0, sizeof *l);
                    strcpy(l->med_list_codg, codes[rnd() % NCODES]);
                    l->cnt = rnd_in(1, big ? 200000 : 50000);                    /* 0.0001 .. 20 */
                    l->pric = rnd_in(1, (big ? 3000LL : 300LL) * YB_PRICE_ONE); /* up to 3000 yuan */
                    l->fee_ocur_time = rnd() % 4 ? v.begntime + rnd_in(0, 86400) : YB_DATETIME_NONE;
                    l->denied = rnd() % 20 == 0;
                    assert_int_equal(yb_fen_of_qty_price(l->cnt, l->pric, &l->sumamt), YB_OK);
                    if (rnd() % 10 == 0) l->sumamt += l->sumamt > 0 && rnd() % 2 ? -1 : 1; /* within 0.01 */
                }
                snprintf(l->feedetl_sn, sizeof l->feedetl_sn, "%d", nl);
                nl++;
            }
            yb_settle_in in = {p, cat, &psn, &v, lines, (size_t)nl, &acc, balance, NULL};
            yb_settlement s;
            yb_err err;
            yb_err_clear(&err);
            yb_rc rc = yb_settle_calc(&in, &s, sp, &err);
            if (rc) {
                char b[512];
                fail_msg("property, person %d visit %d: %s", person, vi, yb_err_fmt(&err, b, sizeof b));
            }
            visits++;
            lines_total += nl;
            /* every line: its four parts add up to its amount; self-paid kinds have only fulamt */
            yb_fen tot[5] = {0};
            for (int li = 0; li < nl; li++) {
                const yb_line_split *o = &sp[li];
                assert_int_equal(o->fulamt_ownpay_amt + o->overlmt_amt + o->preselfpay_amt + o->inscp_scp_amt,
                                 lines[li].sumamt);
                if (lines[li].denied || !strcmp(lines[li].med_list_codg, "C") || !strcmp(lines[li].med_list_codg, "ZZZ"))
                    assert_int_equal(o->fulamt_ownpay_amt, lines[li].sumamt);
                tot[0] += o->fulamt_ownpay_amt, tot[1] += o->overlmt_amt, tot[2] += o->preselfpay_amt;
                tot[3] += o->inscp_scp_amt, tot[4] += lines[li].sumamt;
            }
            /* a full refund splits as the exact mirror image of its charge (symmetric rounding); the
             * cross-region spread rounds by running sums, so it is left out there */
            for (int li = 0; li < nl; li++) {
                if (refund_of[li] < 0 || s.offsite_extra) continue;
                const yb_line_split *o = &sp[li], *c = &sp[refund_of[li]];
                assert_int_equal(o->fulamt_ownpay_amt, -c->fulamt_ownpay_amt);
                assert_int_equal(o->overlmt_amt, -c->overlmt_amt);
                assert_int_equal(o->preselfpay_amt, -c->preselfpay_amt);
                assert_int_equal(o->inscp_scp_amt, -c->inscp_scp_amt);
            }
            /* the identities of settle.h, independently of yb_settle_check */
            assert_int_equal(tot[0], s.fulamt_ownpay_amt);
            assert_int_equal(tot[1], s.overlmt_selfpay);
            assert_int_equal(tot[2], s.preselfpay_amt);
            assert_int_equal(tot[3], s.inscp_scp_amt);
            assert_int_equal(tot[4], s.medfee_sumamt);
            assert_int_equal(s.medfee_sumamt, s.fulamt_ownpay_amt + s.overlmt_selfpay + s.preselfpay_amt + s.inscp_scp_amt);
            assert_true(s.fulamt_ownpay_amt >= 0 && s.overlmt_selfpay >= 0 && s.preselfpay_amt >= 0 && s.inscp_scp_amt >= 0);
            yb_fen fsum = 0, layers = 0;
            for (int k = 0; k < s.n_funds; k++) {
                assert_true(s.funds[k].payamt >= 0);
                fsum += s.funds[k].payamt;
                if (k > 0 || !s.block[0]) {
                    assert_true(s.funds[k].payamt <= s.funds[k].base); /* a layer never pays more than its base */
                    layers += s.funds[k].payamt;
                }
            }
            assert_int_equal(fsum, s.fund_pay_sumamt);
            assert_int_equal(s.hifp_pay + layers, s.fund_pay_sumamt);
            assert_int_equal(s.hifp_pay + s.cvlserv_pay + s.hifes_pay + s.hifmi_pay + s.hifob_pay + s.hifdm_pay +
                                 s.maf_pay + s.oth_pay,
                             s.fund_pay_sumamt);
            assert_int_equal(s.fund_pay_sumamt + s.hosp_part_amt + s.psn_part_amt, s.medfee_sumamt);
            assert_int_equal(s.acct_pay + s.psn_cash_pay, s.psn_part_amt);
            assert_true(s.fund_pay_sumamt <= s.inscp_scp_amt); /* the funds pay in-scope amounts only */
            assert_true(s.hifp_pay <= s.inscp_scp_amt - s.act_pay_dedc);
            assert_true(s.acct_pay >= 0 && s.acct_pay <= balance && s.psn_cash_pay >= 0);
            if (!ip->account || v.acct_used_flag != 1) assert_int_equal(s.acct_pay, 0);
            assert_int_equal(s.balc, balance - s.acct_pay);
            if (!s.offsite) assert_int_equal(s.offsite_extra, 0);

            /* the model, from the outputs */
            const yb_block *blk = yb_policy_block(ip, v.med_type);
            if (blk) {
                assert_string_equal(s.block, blk->name);
                assert_string_equal(s.funds[0].name, blk->name);
                assert_int_equal(s.funds[0].payamt, s.hifp_pay);
                model_add(&model, "pool", blk->cap_group, s.hifp_pay);
                if (blk->dedc_per == YB_DEDC_PER_ADMISSION) model_add(&model, "adm", blk->name, 1);
                if (blk->dedc_per == YB_DEDC_PER_YEAR) {
                    model_add(&model, "dedc", blk->name, s.act_pay_dedc);
                    outpatient_inscp += s.inscp_scp_amt;
                }
            } else {
                assert_string_equal(s.block, "");
                assert_int_equal(s.hifp_pay, 0);
            }
            for (int k = blk ? 1 : 0; k < s.n_funds; k++) {
                model_add(&model, "base", s.funds[k].name, s.funds[k].base);
                model_add(&model, "paid", s.funds[k].name, s.funds[k].payamt);
                if (!strcmp(s.funds[k].name, "居民大病")) dabing_visits++;
            }
            /* apply the deltas one after another */
            for (int k = 0; k < s.deltas.n; k++) {
                int64_t before = yb_accum_get(&acc, s.deltas.it[k].key);
                assert_true(s.deltas.it[k].v >= 0);
                assert_int_equal(yb_accum_add(&acc, s.deltas.it[k].key, s.deltas.it[k].v), YB_OK);
                assert_int_equal(yb_accum_get(&acc, s.deltas.it[k].key), before + s.deltas.it[k].v);
            }
            balance = s.balc;
            acct_total += s.acct_pay;
        }
        /* the sequentially applied deltas equal the state rebuilt from the outputs, key by key */
        for (int k = 0; k < model.n; k++)
            if (yb_accum_get(&acc, model.it[k].key) != model.it[k].v)
                fail_msg("person %d: %s = %lld from the deltas, %lld from the outputs", person, model.it[k].key,
                         (long long)yb_accum_get(&acc, model.it[k].key), (long long)model.it[k].v);
        for (int k = 0; k < acc.n; k++)
            if (acc.it[k].v != yb_accum_get(&model, acc.it[k].key))
                fail_msg("person %d: delta key %s not explained by the outputs", person, acc.it[k].key);
        assert_int_equal(balance, balance0 - acct_total);
        assert_true(balance >= 0);
        /* caps hold over the year */
        for (int b = 0; b < ip->n_blocks; b++) {
            yb_fen cap = retired ? ip->blocks[b].annual_cap_retired : ip->blocks[b].annual_cap_active;
            char key[YB_ACC_KEY];
            snprintf(key, sizeof key, "pool/%s", ip->blocks[b].cap_group);
            if (cap != YB_NO_CAP) assert_true(yb_accum_get(&acc, key) <= cap);
        }
        for (int l = 0; l < ip->n_layers; l++) {
            const yb_layer *ly = &ip->layers[l];
            int uncapped = 0;
            for (int a = 0; a < ly->n_adjust; a++)
                uncapped |= ly->adjust[a].no_cap && yb_policy_has_identity(p, ly->adjust[a].identity, psn.sp_psn_type);
            char key[YB_ACC_KEY];
            snprintf(key, sizeof key, "paid/%s", ly->name);
            if (!uncapped && ly->annual_cap != YB_NO_CAP) assert_true(yb_accum_get(&acc, key) <= ly->annual_cap);
        }
        /* a per-year deductible of 300 is paid exactly up to min(300, Σ in-scope of its visits) */
        if (!strcmp(psn.insutype, "310")) {
            assert_int_equal(yb_accum_get(&acc, "dedc/职工门诊统筹"), yb_min64(30000, outpatient_inscp));
            dedc_checked++;
        }
        /* single-segment 大病 (pol 0) of a person without adjustment, cap not reached: the payments,
         * rounded per visit, stay within half a fen per visit of 60 % of the yearly base above 17000 */
        if (pk == 0 && !strcmp(psn.insutype, "390") && !yb_policy_has_identity(p, "tekun", psn.sp_psn_type) &&
            !yb_policy_has_identity(p, "dibao", psn.sp_psn_type)) {
            int64_t B = yb_accum_get(&acc, "base/居民大病"), paid = yb_accum_get(&acc, "paid/居民大病");
            if (paid < Y("300000")) {
                yb_i128 exact = (yb_i128)6000 * yb_max64(0, B - Y("17000")); /* x 10000 */
                yb_i128 diff = (yb_i128)paid * 10000 - exact;
                if (diff < 0) diff = -diff;
                assert_true(diff <= (yb_i128)dabing_visits * 5000);
                dabing_checked++;
            }
        }
    }
    /* the generator reached what it is meant to reach */
    assert_true(visits >= 2000);
    assert_true(refunds > 100);
    assert_true(dedc_checked > 100 && dabing_checked > 30);
    (void)lines_total;
    yb_catalog_free(cat);
    for (int k = 0; k < 3; k++) free(pol[k]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_case_count),
        cmocka_unit_test(test_interim_stay),
        cmocka_unit_test(test_sequence_examples),
        cmocka_unit_test(test_sequences),
        cmocka_unit_test(test_year_boundary),
        cmocka_unit_test(test_catalogue_by_fee_time),
        cmocka_unit_test(test_year_of_a_settlement),
        cmocka_unit_test(test_visit_errors),
        cmocka_unit_test(test_accum),
        cmocka_unit_test(test_check_catches),
        cmocka_unit_test(test_fund_fields),
        cmocka_unit_test(test_proc_info),
        cmocka_unit_test(test_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
