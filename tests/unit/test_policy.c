/*
 * test_policy.c — the policy helpers of core/policy.c and yb_policy_validate.
 *
 * The valid policy is the example of settlement.md §8 built in C. Each validation case changes
 * one thing in it and expects YB_E_POLICY with the JSON-style path of that thing (and a word of
 * the message); a case that passed validation, or failed elsewhere, fails the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "yibao/policy.h"

static yb_ratio R(const char *s) {
    yb_ratio r = 0;
    assert_int_equal(yb_ratio_parse(s, strlen(s), 1, &r), YB_OK);
    return r;
}

static yb_fen Y(const char *s) {
    yb_fen v = 0;
    assert_int_equal(yb_fen_parse(s, strlen(s), 1, &v), YB_OK);
    return v;
}

static void block(yb_block *b, const char *name, const char *mt1, const char *mt2, yb_dedc_per per, const char *d,
                  const char *r, const char *bonus, const char *group, const char *cap) {
    strcpy(b->name, name);
    strcpy(b->med_types[b->n_med_types++], mt1);
    if (mt2) strcpy(b->med_types[b->n_med_types++], mt2);
    b->dedc_per = per;
    for (int k = 1; k <= 3; k++) b->dedc[k] = Y(d), b->ratio[k] = R(r);
    b->retiree_bonus = R(bonus);
    strcpy(b->cap_group, group);
    b->annual_cap_active = b->annual_cap_retired = Y(cap);
}

static void map(yb_code_map *m, const char *name, const char *code) {
    strcpy(m->name, name);
    strcpy(m->codes[0], code);
    m->n_codes = 1;
}

/* settlement.md §8, abridged where validation does not care */
static void valid_policy(yb_policy *p) {
    yb_policy_defaults(p);
    strcpy(p->admdvs, "360100");
    strcpy(p->version, "2025.1");
    assert_int_equal(yb_date_make(2025, 1, 1, &p->effective_from), YB_OK);
    map(&p->offsite_classes[0], "long_term", "1");
    map(&p->offsite_classes[1], "referral", "2");
    map(&p->offsite_classes[2], "temporary", "3");
    p->offsite_extra[0] = 0, p->offsite_extra[1] = R("0.10"), p->offsite_extra[2] = R("0.20");
    p->n_offsite = 3;
    map(&p->identities[0], "tekun", "特困");
    map(&p->identities[1], "dibao", "低保");
    map(&p->identities[2], "dishouru", "低收入");
    p->n_identities = 3;

    yb_insutype_policy *e = &p->insutypes[p->n_insutypes++];
    strcpy(e->insutype, "310");
    e->account = 1;
    block(&e->blocks[e->n_blocks++], "职工住院", "21", "24", YB_DEDC_PER_ADMISSION, "800", "0.85", "0", "pool", "100000");
    block(&e->blocks[e->n_blocks++], "职工门诊统筹", "11", "13", YB_DEDC_PER_YEAR, "300", "0.55", "0.05", "outpatient",
          "2000");
    yb_layer *l = &e->layers[e->n_layers++];
    strcpy(l->name, "职工大额");
    strcpy(l->fund_pay_type, "330100");
    l->base = YB_BASE_OVER_CAP;
    l->seg[0].ratio = R("0.90");
    l->n_seg = 1;
    l->annual_cap = Y("400000");

    yb_insutype_policy *r = &p->insutypes[p->n_insutypes++];
    strcpy(r->insutype, "390");
    block(&r->blocks[r->n_blocks++], "居民住院", "21", "24", YB_DEDC_PER_ADMISSION, "600", "0.60", "0", "pool", "100000");
    l = &r->layers[r->n_layers++];
    strcpy(l->name, "居民大病");
    strcpy(l->fund_pay_type, "390200");
    strcpy(l->blocks[l->n_blocks++], "居民住院");
    l->threshold = Y("17000");
    l->seg[0].ratio = R("0.60");
    l->seg[1].from = Y("50000");
    l->seg[1].ratio = R("0.70");
    l->n_seg = 2;
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
    const char *ids[3] = {"tekun", "dibao", "dishouru"}, *th[3] = {"0", "0", "2000"}, *ra[3] = {"0.90", "0.70", "0.60"};
    for (int k = 0; k < 3; k++) {
        strcpy(l->eligible[l->n_eligible++], ids[k]);
        yb_by_identity *b = &l->by_identity[l->n_by_identity++];
        strcpy(b->identity, ids[k]);
        b->threshold = Y(th[k]);
        b->ratio = R(ra[k]);
    }
    l->annual_cap = Y("60000");
}

/* ---------- helpers ---------- */

static void test_defaults(void **state) {
    (void)state;
    yb_policy *p = malloc(sizeof *p);
    memset(p, 0x5a, sizeof *p); /* defaults must overwrite everything */
    yb_policy_defaults(p);
    assert_int_equal(p->effective_to, YB_DATE_MAX);
    assert_int_equal(p->effective_from, YB_DATE_NONE);
    assert_int_equal(p->n_insutypes, 0);
    assert_int_equal(p->n_offsite, 0);
    assert_int_equal(p->n_identities, 0);
    assert_string_equal(p->admdvs, "");
    assert_string_equal(p->offsite_default, "");
    /* settlement.md §3 */
    static const struct {
        const char *lv;
        int cls;
    } t[] = {{"01", 3}, {"02", 3}, {"03", 3}, {"04", 3}, {"12", 3}, {"05", 2}, {"06", 2}, {"07", 2},
             {"13", 2}, {"08", 1}, {"09", 1}, {"10", 1}, {"14", 1}, {"11", 1}, {"00", 0}, {"15", 0},
             {"16", 0}, {"99", 0}, {"", 0},   {"1a", 0}, {"001", 0}, {"-1", 0}, {"3", 3}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (yb_policy_class(p, t[i].lv) != t[i].cls)
            fail_msg("hosp_lv '%s': class %d, want %d", t[i].lv, yb_policy_class(p, t[i].lv), t[i].cls);
    assert_int_equal(yb_policy_class(p, NULL), 0);
    /* retired: psn_type starting with 12 or 1300 */
    assert_int_equal(p->n_retired, 2);
    assert_true(yb_policy_is_retired(p, "1201"));
    assert_true(yb_policy_is_retired(p, "12"));
    assert_true(yb_policy_is_retired(p, "1300"));
    assert_true(yb_policy_is_retired(p, "13001"));
    assert_false(yb_policy_is_retired(p, "1301"));
    assert_false(yb_policy_is_retired(p, "13"));
    assert_false(yb_policy_is_retired(p, "1101"));
    assert_false(yb_policy_is_retired(p, "2120"));
    assert_false(yb_policy_is_retired(p, ""));
    assert_false(yb_policy_is_retired(p, NULL));
    /* every cap slot means "no cap", every adjustment factor "unchanged" */
    for (int t2 = 0; t2 < YB_POL_MAX_INSUTYPES; t2++) {
        for (int b = 0; b < YB_POL_MAX_BLOCKS; b++) {
            assert_int_equal(p->insutypes[t2].blocks[b].annual_cap_active, YB_NO_CAP);
            assert_int_equal(p->insutypes[t2].blocks[b].annual_cap_retired, YB_NO_CAP);
            assert_int_equal(p->insutypes[t2].blocks[b].ratio[3], 0);
            assert_int_equal(p->insutypes[t2].blocks[b].n_med_types, 0);
        }
        for (int l = 0; l < YB_POL_MAX_LAYERS; l++) {
            assert_int_equal(p->insutypes[t2].layers[l].annual_cap, YB_NO_CAP);
            assert_int_equal(p->insutypes[t2].layers[l].threshold, 0);
            assert_int_equal(p->insutypes[t2].layers[l].adjust[3].threshold_factor, YB_RATIO_ONE);
            assert_int_equal(p->insutypes[t2].layers[l].adjust[3].ratio_add, 0);
        }
    }
    free(p);
}

static void test_lookups(void **state) {
    (void)state;
    yb_policy *p = malloc(sizeof *p);
    valid_policy(p);
    const yb_insutype_policy *e = yb_policy_insutype(p, "310");
    assert_non_null(e);
    assert_string_equal(e->insutype, "310");
    assert_ptr_equal(yb_policy_insutype(p, "390"), &p->insutypes[1]);
    assert_null(yb_policy_insutype(p, "320"));
    assert_null(yb_policy_insutype(p, "31"));
    assert_null(yb_policy_insutype(p, ""));
    assert_null(yb_policy_insutype(p, NULL));
    assert_ptr_equal(yb_policy_block(e, "21"), &e->blocks[0]);
    assert_ptr_equal(yb_policy_block(e, "24"), &e->blocks[0]);
    assert_ptr_equal(yb_policy_block(e, "13"), &e->blocks[1]);
    assert_null(yb_policy_block(e, "14"));  /* no block: not covered by the pool */
    assert_null(yb_policy_block(e, "2"));   /* no prefix matching */
    assert_null(yb_policy_block(e, "211")); /* nor longer codes */
    assert_null(yb_policy_block(e, ""));
    assert_null(yb_policy_block(NULL, "21"));
    free(p);
}

static void test_identities(void **state) {
    (void)state;
    yb_policy *p = malloc(sizeof *p);
    valid_policy(p);
    static const struct {
        const char *name, *sp;
        int want;
    } t[] = {
        {"tekun", "特困", 1},
        {"tekun", "低保|特困", 1},       /* several values */
        {"tekun", "低保 | 特困 ", 1},    /* spaces around a value are ignored */
        {"tekun", "tekun", 1},           /* a value equal to the name is that identity */
        {"tekun", "低保", 0},
        {"tekun", "特困人员", 0},        /* whole values only */
        {"tekun", "特", 0},
        {"tekun", "", 0},
        {"tekun", "|", 0},
        {"dibao", "特困||低保", 1},      /* empty values are skipped */
        {"dishouru", "低收入", 1},
        {"youfu", "优抚", 0},            /* not an identity of this policy: only its own name matches */
        {"youfu", "youfu", 1},
        {"", "特困", 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (yb_policy_has_identity(p, t[i].name, t[i].sp) != t[i].want)
            fail_msg("identity %s in '%s': want %d", t[i].name, t[i].sp, t[i].want);
    assert_false(yb_policy_has_identity(p, "tekun", NULL));
    free(p);
}

static void test_offsite(void **state) {
    (void)state;
    yb_policy *p = malloc(sizeof *p);
    valid_policy(p);
    assert_int_equal(yb_policy_offsite_extra(p, "1"), 0);          /* long-term residence */
    assert_int_equal(yb_policy_offsite_extra(p, "2"), 1000);       /* referral 0.10 */
    assert_int_equal(yb_policy_offsite_extra(p, "3"), 2000);       /* temporary 0.20 */
    assert_int_equal(yb_policy_offsite_extra(p, "referral"), 1000); /* the class name itself */
    assert_int_equal(yb_policy_offsite_extra(p, "9"), 0);          /* unmapped, no default */
    assert_int_equal(yb_policy_offsite_extra(p, ""), 0);
    assert_int_equal(yb_policy_offsite_extra(p, NULL), 0);
    strcpy(p->offsite_default, "temporary");
    assert_int_equal(yb_policy_validate(p, NULL), YB_OK);
    assert_int_equal(yb_policy_offsite_extra(p, "9"), 2000); /* unmapped → the default class */
    assert_int_equal(yb_policy_offsite_extra(p, ""), 2000);
    assert_int_equal(yb_policy_offsite_extra(p, "1"), 0);    /* a mapped class keeps its own share */
    /* several codes for one class */
    strcpy(p->offsite_classes[1].codes[1], "21");
    p->offsite_classes[1].n_codes = 2;
    assert_int_equal(yb_policy_offsite_extra(p, "21"), 1000);
    free(p);
}

/* ---------- validation ---------- */

typedef void (*mutate_fn)(yb_policy *p);

#define IT(i) (&p->insutypes[i])
#define LAYER(i, l) (&p->insutypes[i].layers[l])
#define BLOCK(i, b) (&p->insutypes[i].blocks[b])

static void m_admdvs(yb_policy *p) { strcpy(p->admdvs, "36010"); }
static void m_admdvs_alpha(yb_policy *p) { strcpy(p->admdvs, "3601OO"); }
static void m_version(yb_policy *p) { p->version[0] = '\0'; }
static void m_from(yb_policy *p) { p->effective_from = YB_DATE_NONE; }
static void m_to(yb_policy *p) { p->effective_to = p->effective_from - 1; }
static void m_lvclass(yb_policy *p) { p->hosp_lv_class[5] = 4; }
static void m_retired_empty(yb_policy *p) { p->retired_psn_types[0][0] = '\0'; }
static void m_retired_count(yb_policy *p) { p->n_retired = YB_POL_MAX_RETIRED + 1; }
static void m_ident_twice(yb_policy *p) { strcpy(p->identities[1].name, "tekun"); }
static void m_ident_empty_code(yb_policy *p) { p->identities[0].codes[0][0] = '\0'; }
static void m_ident_count(yb_policy *p) { p->n_identities = -1; }
static void m_offsite_share(yb_policy *p) { p->offsite_extra[1] = R("1.5"); }
static void m_offsite_default(yb_policy *p) { strcpy(p->offsite_default, "abroad"); }
static void m_offsite_twice(yb_policy *p) { strcpy(p->offsite_classes[2].name, "referral"); }
static void m_insutype(yb_policy *p) { strcpy(IT(0)->insutype, "31"); }
static void m_insutype_twice(yb_policy *p) { strcpy(IT(1)->insutype, "310"); }
static void m_account_flag(yb_policy *p) { IT(0)->account = 2; }
static void m_block_twice(yb_policy *p) { strcpy(BLOCK(0, 1)->name, "职工住院"); }
static void m_block_noname(yb_policy *p) { BLOCK(0, 1)->name[0] = '\0'; }
static void m_block_no_medtypes(yb_policy *p) { BLOCK(0, 0)->n_med_types = 0; }
static void m_medtype_two_blocks(yb_policy *p) { strcpy(BLOCK(0, 1)->med_types[1], "21"); }
static void m_medtype_twice_in_block(yb_policy *p) { strcpy(BLOCK(0, 1)->med_types[1], "11"); }
static void m_dedc_negative(yb_policy *p) { BLOCK(0, 0)->dedc[2] = -1; }
static void m_dedc_per(yb_policy *p) { BLOCK(0, 0)->dedc_per = (yb_dedc_per)7; }
static void m_ratio(yb_policy *p) { BLOCK(0, 0)->ratio[3] = R("1.2"); }
static void m_ratio_neg(yb_policy *p) { BLOCK(1, 0)->ratio[1] = R("-0.1"); }
static void m_bonus(yb_policy *p) { BLOCK(0, 1)->retiree_bonus = R("0.50"); }
static void m_factor_per_year(yb_policy *p) {
    BLOCK(0, 1)->admission_factor[0] = R("0.5");
    BLOCK(0, 1)->n_admission_factors = 1;
}
static void m_factor_negative(yb_policy *p) {
    BLOCK(0, 0)->admission_factor[0] = R("1");
    BLOCK(0, 0)->admission_factor[1] = R("-0.5");
    BLOCK(0, 0)->n_admission_factors = 2;
}
static void m_factor_count(yb_policy *p) { BLOCK(0, 0)->n_admission_factors = YB_POL_MAX_FACTORS + 1; }
static void m_cap_group(yb_policy *p) { BLOCK(0, 0)->cap_group[0] = '\0'; }
static void m_cap_negative(yb_policy *p) { BLOCK(0, 1)->annual_cap_retired = -5; }
static void m_block_fpt(yb_policy *p) { strcpy(BLOCK(0, 0)->fund_pay_type, "31010"); }
static void m_layer_twice(yb_policy *p) { strcpy(LAYER(1, 1)->name, "居民大病"); }
static void m_layer_is_block(yb_policy *p) { strcpy(LAYER(1, 0)->name, "居民住院"); }
static void m_layer_fpt(yb_policy *p) { strcpy(LAYER(1, 0)->fund_pay_type, "39020X"); }
static void m_layer_block(yb_policy *p) { strcpy(LAYER(1, 0)->blocks[0], "居民门诊"); }
static void m_seg_from(yb_policy *p) { LAYER(1, 0)->seg[0].from = 100; }
static void m_seg_equal(yb_policy *p) { LAYER(1, 0)->seg[1].from = 0; }
static void m_seg_descending(yb_policy *p) {
    LAYER(1, 0)->seg[2].from = Y("40000");
    LAYER(1, 0)->seg[2].ratio = R("0.8");
    LAYER(1, 0)->n_seg = 3;
}
static void m_seg_ratio(yb_policy *p) { LAYER(1, 0)->seg[1].ratio = R("1.1"); }
static void m_seg_count(yb_policy *p) { LAYER(1, 0)->n_seg = YB_POL_MAX_SEGMENTS + 1; }
static void m_no_segments(yb_policy *p) { LAYER(0, 0)->n_seg = 0; }
static void m_threshold(yb_policy *p) { LAYER(1, 0)->threshold = -1; }
static void m_layer_cap(yb_policy *p) { LAYER(1, 0)->annual_cap = -100; }
static void m_base(yb_policy *p) { LAYER(1, 0)->base = (yb_layer_base)5; }
static void m_elig_kind(yb_policy *p) { LAYER(0, 0)->elig = (yb_layer_elig)9; }
static void m_eligible_unknown(yb_policy *p) { strcpy(LAYER(1, 1)->eligible[1], "dibaoo"); }
static void m_eligible_empty(yb_policy *p) { LAYER(1, 1)->n_eligible = 0; }
static void m_adjust_unknown(yb_policy *p) { strcpy(LAYER(1, 0)->adjust[0].identity, "tekunn"); }
static void m_adjust_twice(yb_policy *p) { strcpy(LAYER(1, 0)->adjust[1].identity, "tekun"); }
static void m_adjust_factor(yb_policy *p) { LAYER(1, 0)->adjust[0].threshold_factor = R("-0.5"); }
static void m_adjust_add(yb_policy *p) { LAYER(1, 0)->adjust[1].ratio_add = R("2"); }
static void m_adjust_nocap(yb_policy *p) { LAYER(1, 0)->adjust[1].no_cap = 3; }
static void m_by_identity_unknown(yb_policy *p) { strcpy(LAYER(1, 1)->by_identity[0].identity, "tekun2"); }
static void m_by_identity_ratio(yb_policy *p) { LAYER(1, 1)->by_identity[0].ratio = R("1.5"); }
static void m_by_identity_threshold(yb_policy *p) { LAYER(1, 1)->by_identity[2].threshold = -1; }
static void m_by_identity_twice(yb_policy *p) { strcpy(LAYER(1, 1)->by_identity[1].identity, "tekun"); }
static void m_layers_count(yb_policy *p) { IT(1)->n_layers = YB_POL_MAX_LAYERS + 1; }
static void m_blocks_count(yb_policy *p) { IT(0)->n_blocks = -2; }
static void m_insutypes_count(yb_policy *p) { p->n_insutypes = YB_POL_MAX_INSUTYPES + 1; }
static void m_unterminated(yb_policy *p) { memset(BLOCK(0, 0)->name, 'x', sizeof BLOCK(0, 0)->name); }

static const struct vcase {
    const char *what;
    mutate_fn mutate;
    const char *field, *value, *msg; /* value NULL: not checked */
} vcases[] = {
    {"area of 5 digits", m_admdvs, "admdvs", "36010", "6 digits"},
    {"area with letters", m_admdvs_alpha, "admdvs", "3601OO", "6 digits"},
    {"no version", m_version, "version", NULL, "version"},
    {"no effective_from", m_from, "effective_from", NULL, "effective_from"},
    {"effective_to before effective_from", m_to, "effective_to", "2024-12-31", "before"},
    {"level class 4", m_lvclass, "hosp_lv_class.05", "4", "class"},
    {"empty retired prefix", m_retired_empty, "retired_psn_types[0]", NULL, "empty"},
    {"too many retired prefixes", m_retired_count, "retired_psn_types", "9", "0..8"},
    {"identity listed twice", m_ident_twice, "identities.tekun", "tekun", "twice"},
    {"identity with an empty code", m_ident_empty_code, "identities.tekun[0]", NULL, "empty code"},
    {"negative identity count", m_ident_count, "identities", "-1", "count"},
    {"offsite share above 1", m_offsite_share, "offsite_extra_preselfpay.referral", "1.5000", "0..1"},
    {"unknown offsite default", m_offsite_default, "offsite_default", "abroad", "no such"},
    {"offsite class listed twice", m_offsite_twice, "offsite_classes.referral", "referral", "twice"},
    {"insutype of 2 digits", m_insutype, "insutypes[0]", "31", "3 digits"},
    {"insutype listed twice", m_insutype_twice, "insutypes.310", "310", "twice"},
    {"account flag 2", m_account_flag, "insutypes.310", NULL, "flags"},
    {"block name used twice", m_block_twice, "insutypes.310.blocks[1]", "职工住院", "twice"},
    {"block without a name", m_block_noname, "insutypes.310.blocks[1]", "", "name"},
    {"block without med_types", m_block_no_medtypes, "insutypes.310.blocks[0].med_types", NULL, "at least one"},
    {"med_type in two blocks", m_medtype_two_blocks, "insutypes.310.blocks[1]", "21", "two blocks"},
    {"med_type twice in one block", m_medtype_twice_in_block, "insutypes.310.blocks[1]", "11", "two blocks"},
    {"negative deductible", m_dedc_negative, "insutypes.310.blocks[0].deductible.by_class.2", "-0.01", "negative"},
    {"unknown deductible kind", m_dedc_per, "insutypes.310.blocks[0].deductible.per", "7", "admission"},
    {"ratio 1.2", m_ratio, "insutypes.310.blocks[0].ratio.3", "1.2000", "0..1"},
    {"negative ratio", m_ratio_neg, "insutypes.390.blocks[0].ratio.1", "-0.1000", "0..1"},
    {"ratio plus bonus above 1", m_bonus, "insutypes.310.blocks[1].retiree_bonus", "0.5000", "exceeds 1"},
    {"admission factors on a per-year block", m_factor_per_year, "insutypes.310.blocks[1].deductible.admission_factors",
     NULL, "per-admission"},
    {"negative admission factor", m_factor_negative, "insutypes.310.blocks[0].deductible.admission_factors[1]",
     "-0.5000", "negative"},
    {"too many admission factors", m_factor_count, "insutypes.310.blocks[0].deductible.admission_factors", "9",
     "0..8"},
    {"no cap group", m_cap_group, "insutypes.310.blocks[0].cap_group", NULL, "cap_group"},
    {"negative annual cap", m_cap_negative, "insutypes.310.blocks[1].annual_cap.retired", "-0.05", "negative"},
    {"pool fund_pay_type of 5 digits", m_block_fpt, "insutypes.310.blocks[0].fund_pay_type", "31010", "6 digits"},
    {"layer name used twice", m_layer_twice, "insutypes.390.layers[1]", "居民大病", "twice"},
    {"layer named like a block", m_layer_is_block, "insutypes.390.layers[0]", "居民住院", "block"},
    {"layer fund_pay_type with a letter", m_layer_fpt, "insutypes.390.layers[0].fund_pay_type", "39020X", "6 digits"},
    {"layer of an unknown block", m_layer_block, "insutypes.390.layers[0].blocks[0]", "居民门诊", "no such block"},
    {"first segment not from 0", m_seg_from, "insutypes.390.layers[0].segments[0]", "1.00", "from 0"},
    {"segments not strictly ascending", m_seg_equal, "insutypes.390.layers[0].segments[1]", "0.00", "ascend"},
    {"segments descending", m_seg_descending, "insutypes.390.layers[0].segments[2]", "40000.00", "ascend"},
    {"segment ratio 1.1", m_seg_ratio, "insutypes.390.layers[0].segments[1].ratio", "1.1000", "0..1"},
    {"too many segments", m_seg_count, "insutypes.390.layers[0].segments", "9", "0..8"},
    {"layer without segments", m_no_segments, "insutypes.310.layers[0].segments", NULL, "segments or by_identity"},
    {"negative threshold", m_threshold, "insutypes.390.layers[0].threshold", "-0.01", "negative"},
    {"negative layer cap", m_layer_cap, "insutypes.390.layers[0].annual_cap", "-1.00", "negative"},
    {"unknown base", m_base, "insutypes.390.layers[0].base", "5", "remaining_inscp"},
    {"unknown eligibility", m_elig_kind, "insutypes.310.layers[0].eligible", "9", "cvlserv"},
    {"eligible identity unknown", m_eligible_unknown, "insutypes.390.layers[1].eligible[1]", "dibaoo", "no such identity"},
    {"eligible list empty", m_eligible_empty, "insutypes.390.layers[1].eligible", NULL, "nobody"},
    {"adjustment of an unknown identity", m_adjust_unknown, "insutypes.390.layers[0].identity_adjust.tekunn", "tekunn",
     "no such identity"},
    {"adjustment listed twice", m_adjust_twice, "insutypes.390.layers[0].identity_adjust.tekun", "tekun", "twice"},
    {"negative threshold factor", m_adjust_factor, "insutypes.390.layers[0].identity_adjust.tekun.threshold_factor",
     "-0.5000", "negative"},
    {"ratio_add of 2", m_adjust_add, "insutypes.390.layers[0].identity_adjust.dibao.ratio_add", "2.0000", "-1..1"},
    {"no_cap flag 3", m_adjust_nocap, "insutypes.390.layers[0].identity_adjust.dibao.no_cap", "3", "flag"},
    {"by_identity of an unknown identity", m_by_identity_unknown, "insutypes.390.layers[1].by_identity.tekun2",
     "tekun2", "no such identity"},
    {"by_identity ratio 1.5", m_by_identity_ratio, "insutypes.390.layers[1].by_identity.tekun.ratio", "1.5000", "0..1"},
    {"by_identity negative threshold", m_by_identity_threshold,
     "insutypes.390.layers[1].by_identity.dishouru.threshold", "-0.01", "negative"},
    {"by_identity listed twice", m_by_identity_twice, "insutypes.390.layers[1].by_identity.tekun", "tekun", "twice"},
    {"too many layers", m_layers_count, "insutypes.390.layers", "9", "0..8"},
    {"negative block count", m_blocks_count, "insutypes.310.blocks", "-2", "count"},
    {"too many insutypes", m_insutypes_count, "insutypes", "9", "0..8"},
    {"unterminated block name", m_unterminated, "insutypes.310.blocks[0]", NULL, "terminated"},
};

static void test_validate_ok(void **state) {
    (void)state;
    yb_policy *p = malloc(sizeof *p);
    valid_policy(p);
    yb_err e;
    yb_err_clear(&e);
    yb_rc rc = yb_policy_validate(p, &e);
    if (rc) {
        char b[512];
        fail_msg("valid policy refused: %s", yb_err_fmt(&e, b, sizeof b));
    }
    /* the limits themselves are fine: 8 segments, ratios 0 and 1, caps of 0, factor lists */
    yb_layer *l = LAYER(1, 0);
    for (int s = 0; s < YB_POL_MAX_SEGMENTS; s++) {
        l->seg[s].from = (yb_fen)s * 100;
        l->seg[s].ratio = s % 2 ? YB_RATIO_ONE : 0;
    }
    l->n_seg = YB_POL_MAX_SEGMENTS;
    l->annual_cap = 0;
    BLOCK(0, 0)->n_admission_factors = YB_POL_MAX_FACTORS;
    for (int k = 0; k < YB_POL_MAX_FACTORS; k++) BLOCK(0, 0)->admission_factor[k] = (yb_ratio)(YB_RATIO_ONE - k * 1000);
    BLOCK(0, 1)->retiree_bonus = R("0.45"); /* 0.55 + 0.45 = 1 exactly */
    LAYER(1, 0)->adjust[0].ratio_add = R("-1");
    assert_int_equal(yb_policy_validate(p, NULL), YB_OK);
    free(p);
}

static void test_validate_errors(void **state) {
    (void)state;
    yb_policy *p = malloc(sizeof *p);
    for (size_t i = 0; i < sizeof vcases / sizeof vcases[0]; i++) {
        const struct vcase *c = &vcases[i];
        valid_policy(p);
        c->mutate(p);
        yb_err e;
        yb_err_clear(&e);
        yb_rc rc = yb_policy_validate(p, &e);
        char b[512];
        if (rc != YB_E_POLICY || strcmp(e.field, c->field) != 0 || (c->value && strcmp(e.value, c->value) != 0) ||
            !strstr(e.msg, c->msg))
            fail_msg("%s: got %s (%s); want field %s value %s msg ~%s", c->what, yb_rc_str(rc),
                     yb_err_fmt(&e, b, sizeof b), c->field, c->value ? c->value : "(any)", c->msg);
    }
    free(p);
}

static void test_validate_null(void **state) {
    (void)state;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_policy_validate(NULL, &e), YB_E_INTERNAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),     cmocka_unit_test(test_lookups),         cmocka_unit_test(test_identities),
        cmocka_unit_test(test_offsite),      cmocka_unit_test(test_validate_ok),     cmocka_unit_test(test_validate_errors),
        cmocka_unit_test(test_validate_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
