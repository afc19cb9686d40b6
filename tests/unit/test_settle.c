/*
 * test_settle.c — the settlement calculator against hand-computed cases.
 *
 * The policy is the example of settlement.md §8 (pol 0) or a variant of it (pol 1) with
 * admission factors, multi-segment 大病, a 公务员 layer and an account restricted to the in-scope
 * part. Each case is one visit written in a small notation:
 *   lines  "CODE:cnt:pric[:sumamt[:sn[:d]]]; ..."   (sumamt defaults to round(cnt x pric); d = denied)
 *   acc    "key=value;..."                             (the person's accumulators before the visit)
 *   expect "field=value;..."                           (amounts in yuan; l<i>.<f> a line; d:<key> a delta)
 * and its arithmetic is written next to it. The four worked examples of settlement.md §9 come first.
 *
 * Catalogue (all areas, valid from 2020): A 甲 no cap · B 乙 0.10 · C 丙 · D 甲 capped 80/90/100 by
 * class 1/2/3 · E 乙 0.20 capped 50.00 in class 3 only · R 甲 only in area 440100 ·
 * N 甲 until 2025-06-30, 乙 0.50 from 2025-07-01.
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
    for (char *t = strtok(tmp, ","); t; t = strtok(NULL, ",")) strcpy(b->med_types[b->n_med_types++], t);
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
    assert_int_equal(yb_policy_validate(p, NULL), YB_OK);
}

/* the variant: admission factors, segments, 公务员补助, account without 目录外 */
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
    assert_int_equal(yb_policy_validate(p, NULL), YB_OK);
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
    int pol;                    /* 0 demo, 1 variant */
    const char *insutype, *psn_type, *sp;
    int cvlserv;
    const char *hosp_lv, *med_type;
    const char *area;           /* place of treatment; person's area is 360100 */
    const char *rloc;
    int acct_flag;
    const char *balance;
    const char *acc;
    const char *lines;
    const char *expect;         /* or "rc=<name>" */
};

static const char *CASE_BEGIN = "2025-06-01 08:00:00";
static const char *CASE_END = "2025-06-01 10:00:00";

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
        assert_int_equal(yb_price_parse(f[2], strlen(f[2]), 0, &l->pric), YB_OK);
        if (k >= 4 && f[3][0] != '-') l->sumamt = Y(f[3]);
        else if (yb_fen_of_qty_price(l->cnt, l->pric, &l->sumamt) != YB_OK) l->sumamt = 1;
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

static int64_t field_of(const yb_settlement *s, const yb_line_split *sp, const char *k, int *is_money) {
    *is_money = 1;
    if (k[0] == 'l' && k[1] >= '0' && k[1] <= '9') {
        int i = k[1] - '0';
        const char *f = k + 3;
        if (!strcmp(f, "fulamt")) return sp[i].fulamt_ownpay_amt;
        if (!strcmp(f, "overlmt")) return sp[i].overlmt_amt;
        if (!strcmp(f, "presf")) return sp[i].preselfpay_amt;
        if (!strcmp(f, "inscp")) return sp[i].inscp_scp_amt;
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
        F("fund", fund_pay_sumamt), F("psn", psn_part_amt), F("acct", acct_pay), F("cash", psn_cash_pay),
        F("balc", balc),
#undef F
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i].k, k)) return *(const yb_fen *)((const char *)s + map[i].off);
    *is_money = 0;
    if (!strcmp(k, "year")) return s->year;
    if (!strcmp(k, "rows")) return s->n_funds;
    if (!strcmp(k, "prop")) return s->pool_prop;
    fail_msg("unknown expectation key %s", k);
    return 0;
}

static void run_case(const struct scase *c, yb_settlement *s_out) {
    yb_policy *pol = malloc(sizeof *pol);
    if (c->pol) variant_policy(pol);
    else demo_policy(pol);
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
    assert_int_equal(yb_datetime_parse(CASE_BEGIN, strlen(CASE_BEGIN), &v.begntime), YB_OK);
    assert_int_equal(yb_datetime_parse(CASE_END, strlen(CASE_END), &v.endtime), YB_OK);
    v.acct_used_flag = c->acct_flag;
    yb_line lines[16];
    int n = parse_lines(c->lines, lines, 16);
    yb_accum acc;
    parse_acc(c->acc, &acc);
    yb_settle_in in = {pol, cat, &psn, &v, lines, (size_t)n, &acc, c->balance ? Y(c->balance) : 0};
    yb_settlement s;
    yb_line_split sp[16];
    yb_err err;
    yb_err_clear(&err);
    yb_rc rc = yb_settle_calc(&in, &s, sp, &err);
    if (!strncmp(c->expect, "rc=", 3)) {
        if (strcmp(yb_rc_str(rc), c->expect + 3) != 0)
            fail_msg("case '%s': rc %s (%s), want %s", c->name, yb_rc_str(rc), err.msg, c->expect + 3);
        assert_true(err.field[0] || err.msg[0]);
    } else {
        if (rc != YB_OK) {
            char b[512];
            fail_msg("case '%s': %s", c->name, yb_err_fmt(&err, b, sizeof b));
        }
        char buf[1024];
        snprintf(buf, sizeof buf, "%s", c->expect);
        char *save = NULL;
        for (char *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
            char *eq = strchr(kv, '=');
            assert_non_null(eq);
            *eq = '\0';
            int money;
            int64_t got = field_of(&s, sp, kv, &money);
            int64_t want = money ? Y(eq + 1) : strtoll(eq + 1, NULL, 10);
            if (got != want) {
                char gb[48];
                fail_msg("case '%s': %s = %s, want %s", c->name, kv, money ? yb_fen_fmt(got, gb) : "(count)", eq + 1);
            }
        }
        assert_int_equal(yb_settle_check(&s, sp, (size_t)n, NULL), YB_OK);
        if (s_out) *s_out = s;
    }
    yb_catalog_free(cat);
    free(pol);
}

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
    {"sumamt differs by 0.02", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:2:10:20.02", "rc=mismatch"},
    {"sumamt within 0.01", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:2:10:20.01", "medfee=20.01"},
    {"duplicate feedetl_sn", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:10:-:X;A:1:10:-:X",
     "rc=duplicate"},
    {"unknown insutype", 0, "999", "1101", NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:10", "rc=policy"},
    {"unknown hospital level", 0, RES, NULL, 0, "99", "21", NULL, NULL, 0, NULL, NULL, "A:1:10", "rc=policy"},
    {"refunds exceed charges", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:1:100;A:-2:100", "rc=invalid"},
    {"overflowing product", 0, RES, NULL, 0, "03", "21", NULL, NULL, 0, NULL, NULL, "A:999999999999:9999999999:1",
     "rc=overflow"},
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

static void test_year_boundary(void **state) {
    (void)state;
    yb_visit v;
    memset(&v, 0, sizeof v);
    assert_int_equal(yb_datetime_parse("2024-12-28 09:00:00", 19, &v.begntime), YB_OK);
    assert_int_equal(yb_datetime_parse("2025-01-03 10:00:00", 19, &v.endtime), YB_OK);
    assert_int_equal(yb_settle_year(&v), 2025);
    v.endtime = YB_DATETIME_NONE;
    assert_int_equal(yb_settle_year(&v), 2024);
}

static void test_fund_fields(void **state) {
    (void)state;
    assert_string_equal(yb_fund_field("390200"), "hifmi_pay");
    assert_string_equal(yb_fund_field("330100"), "hifob_pay");
    assert_string_equal(yb_fund_field("320100"), "cvlserv_pay");
    assert_string_equal(yb_fund_field("610100"), "maf_pay");
    assert_string_equal(yb_fund_field("999997"), "oth_pay");
}

static void test_proc_info(void **state) {
    (void)state;
    yb_settlement s;
    run_case(&cases[1], &s); /* example B */
    assert_string_equal(s.funds[0].fund_pay_type, "390100");
    assert_string_equal(s.funds[0].proc_info, "起付线600.00 比例60% 年度剩余限额70240.00");
    assert_string_equal(s.funds[1].fund_pay_type, "390200");
    assert_string_equal(s.funds[1].proc_info, "起付线17000.00 分段60% 累计基数21040.00 年度剩余限额297576.00");
    assert_int_equal(s.funds[1].base, Y("16360"));
    assert_int_equal(s.funds[1].cap_left, Y("297576"));
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

static void test_property(void **state) {
    (void)state;
    yb_policy *pol[2];
    pol[0] = malloc(sizeof **pol), pol[1] = malloc(sizeof **pol);
    demo_policy(pol[0]);
    variant_policy(pol[1]);
    yb_catalog *cat = demo_catalog();
    static const char *codes[] = {"A", "B", "C", "D", "E", "R", "N", "ZZZ"};
    static const char *levels[] = {"01", "03", "05", "07", "09", "11", "12", "14"};
    static const char *meds[] = {"11", "13", "21", "24", "28", "14"};
    static const char *sps[] = {"", "", "", "特困", "低保", "低收入", "低保|特困"};
    static const char *areas[] = {"360100", "360100", "360100", "330100", "440100"};
    for (int person = 0; person < 300; person++) {
        const yb_policy *p = pol[person % 2];
        yb_person psn;
        memset(&psn, 0, sizeof psn);
        snprintf(psn.psn_no, sizeof psn.psn_no, "P%d", person);
        strcpy(psn.insutype, rnd() % 2 ? "310" : "390");
        strcpy(psn.psn_type, rnd() % 3 == 0 ? "1201" : "1101");
        strcpy(psn.sp_psn_type, sps[rnd() % 7]);
        psn.cvlserv_flag = rnd() % 4 == 0;
        strcpy(psn.insu_admdvs, "360100");
        yb_accum acc;
        memset(&acc, 0, sizeof acc);
        yb_fen balance = rnd_in(0, 500000);
        int nvisits = (int)rnd_in(1, 12);
        for (int vi = 0; vi < nvisits; vi++) {
            yb_visit v;
            memset(&v, 0, sizeof v);
            snprintf(v.mdtrt_id, sizeof v.mdtrt_id, "M%d_%d", person, vi);
            strcpy(v.med_type, meds[rnd() % 6]);
            strcpy(v.hosp_lv, levels[rnd() % 8]);
            strcpy(v.mdtrtarea_admvs, areas[rnd() % 5]);
            snprintf(v.rloc_type, sizeof v.rloc_type, "%d", (int)rnd_in(0, 4));
            v.begntime = (yb_datetime)D("2025-01-01") * 86400 + vi * 86400 * 20;
            v.endtime = v.begntime + 3600;
            v.acct_used_flag = (int)(rnd() % 2);
            yb_line lines[40];
            yb_line_split sp[40];
            int n = (int)rnd_in(1, 40);
            for (int li = 0; li < n; li++) {
                yb_line *l = &lines[li];
                memset(l, 0, sizeof *l);
                snprintf(l->feedetl_sn, sizeof l->feedetl_sn, "%d", li);
                strcpy(l->med_list_codg, codes[rnd() % 8]);
                l->cnt = rnd_in(1, 200000);                /* 0.0001 .. 20 */
                l->pric = rnd_in(1, 3000LL * YB_PRICE_ONE); /* up to 3000 yuan */
                assert_int_equal(yb_fen_of_qty_price(l->cnt, l->pric, &l->sumamt), YB_OK);
                l->fee_ocur_time = v.begntime;
                l->denied = rnd() % 20 == 0;
            }
            yb_settle_in in = {p, cat, &psn, &v, lines, (size_t)n, &acc, balance};
            yb_settlement s;
            yb_err err;
            yb_err_clear(&err);
            yb_rc rc = yb_settle_calc(&in, &s, sp, &err);
            if (rc) fail_msg("property: %s %s", err.field, err.msg);
            /* the identities, again, independently of yb_settle_check */
            assert_int_equal(s.medfee_sumamt, s.fulamt_ownpay_amt + s.overlmt_selfpay + s.preselfpay_amt + s.inscp_scp_amt);
            yb_fen fsum = 0, msum = 0;
            for (int k = 0; k < s.n_funds; k++) fsum += s.funds[k].payamt, assert_true(s.funds[k].payamt >= 0);
            for (int li = 0; li < n; li++) msum += lines[li].sumamt;
            assert_int_equal(fsum, s.fund_pay_sumamt);
            assert_int_equal(msum, s.medfee_sumamt);
            assert_int_equal(s.fund_pay_sumamt + s.psn_part_amt, s.medfee_sumamt);
            assert_int_equal(s.acct_pay + s.psn_cash_pay, s.psn_part_amt);
            assert_true(s.fund_pay_sumamt <= s.inscp_scp_amt);
            assert_true(s.acct_pay <= balance);
            /* apply the deltas: the state after equals the state before plus each delta */
            yb_accum before = acc;
            for (int k = 0; k < s.deltas.n; k++)
                assert_int_equal(yb_accum_add(&acc, s.deltas.it[k].key, s.deltas.it[k].v), YB_OK);
            for (int k = 0; k < s.deltas.n; k++)
                assert_int_equal(yb_accum_get(&acc, s.deltas.it[k].key),
                                 yb_accum_get(&before, s.deltas.it[k].key) + s.deltas.it[k].v);
            balance = s.balc;
        }
        /* pool payments never exceed the annual caps */
        assert_true(yb_accum_get(&acc, "pool/pool") <= Y("100000"));
        assert_true(yb_accum_get(&acc, "pool/outpatient") <= Y("3000"));
    }
    yb_catalog_free(cat);
    free(pol[0]);
    free(pol[1]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),         cmocka_unit_test(test_case_count), cmocka_unit_test(test_year_boundary),
        cmocka_unit_test(test_fund_fields),   cmocka_unit_test(test_proc_info),  cmocka_unit_test(test_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
