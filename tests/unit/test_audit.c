/*
 * test_audit.c — the audit engine, kind by kind, on real rows of the shipped rule set
 * (data/rules/nhsa, with the MediModel tables it names), plus rule-set loading errors with their
 * exact file:line:column text. Every expected amount is computed by hand in a comment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "yibao/audit.h"

static yb_audit_ruleset *RS;
static yb_auditor *AU;

/* ------------------------------------------------------------------ building inputs */

typedef struct tl {
    const char *sn, *code, *time, *cnt, *pric;
    const char *name;
    int prd_days;
    const char *refund_of;    /* init_feedetl_sn */
    const char *type;         /* med_chrgitm_type */
    const char *std_pric;
} tl;

typedef struct tp {
    int gend;
    const char *brdy;
    const char *insutype;
} tp;

typedef struct tv {
    const char *mdtrt, *med_type, *hosp_lv, *fix, *begin, *end, *diag;
} tv;

static const tp MAN = {1, "1980-06-15", "310"};
static const tp WOMAN = {2, "1980-06-15", "310"};
static const tv OUTP = {"V1", "11", "01", "H1", "2024-05-01 08:00:00", NULL, NULL};
static const tv INP = {"V1", "21", "01", "H1", "2024-05-01 08:00:00", "2024-05-10 10:00:00", "I63.900"};

#define MAXL 64
static yb_audit_line LINES[MAXL];
static yb_audit_diag DIAG[1];

static yb_datetime dt(const char *s) {
    yb_datetime t;
    assert_int_equal(yb_datetime_parse(s, strlen(s), &t), YB_OK);
    return t;
}

static void mk_visit(yb_audit_visit *v, const tp *p, const tv *w, const tl *ls, size_t n) {
    memset(v, 0, sizeof *v);
    snprintf(v->person.psn_no, sizeof v->person.psn_no, "P1");
    snprintf(v->person.insutype, sizeof v->person.insutype, "%s", p->insutype);
    v->person.gend = p->gend;
    v->person.brdy = YB_DATE_NONE;
    if (p->brdy) assert_int_equal(yb_date_parse(p->brdy, strlen(p->brdy), &v->person.brdy), YB_OK);
    snprintf(v->visit.mdtrt_id, sizeof v->visit.mdtrt_id, "%s", w->mdtrt);
    snprintf(v->visit.med_type, sizeof v->visit.med_type, "%s", w->med_type);
    snprintf(v->visit.hosp_lv, sizeof v->visit.hosp_lv, "%s", w->hosp_lv);
    snprintf(v->visit.fixmedins_code, sizeof v->visit.fixmedins_code, "%s", w->fix);
    v->visit.begntime = w->begin ? dt(w->begin) : YB_DATETIME_NONE;
    v->visit.endtime = w->end ? dt(w->end) : YB_DATETIME_NONE;
    if (w->diag) {
        snprintf(DIAG[0].code, sizeof DIAG[0].code, "%s", w->diag);
        DIAG[0].main = 1;
        v->diags = DIAG;
        v->n_diags = 1;
    }
    assert_true(n <= MAXL);
    for (size_t i = 0; i < n; i++) {
        yb_audit_line *l = &LINES[i];
        memset(l, 0, sizeof *l);
        snprintf(l->line.feedetl_sn, sizeof l->line.feedetl_sn, "%s", ls[i].sn);
        snprintf(l->line.med_list_codg, sizeof l->line.med_list_codg, "%s", ls[i].code);
        l->line.fee_ocur_time = dt(ls[i].time);
        assert_int_equal(yb_qty_parse(ls[i].cnt, strlen(ls[i].cnt), 1, &l->line.cnt), YB_OK);
        assert_int_equal(yb_price_parse(ls[i].pric, strlen(ls[i].pric), 0, &l->line.pric), YB_OK);
        assert_int_equal(yb_fen_of_qty_price(l->line.cnt, l->line.pric, &l->line.sumamt), YB_OK);
        l->name = ls[i].name;
        l->prd_days = ls[i].prd_days;
        if (ls[i].refund_of) snprintf(l->init_feedetl_sn, sizeof l->init_feedetl_sn, "%s", ls[i].refund_of);
        if (ls[i].type) snprintf(l->med_chrgitm_type, sizeof l->med_chrgitm_type, "%s", ls[i].type);
        if (ls[i].std_pric)
            assert_int_equal(yb_price_parse(ls[i].std_pric, strlen(ls[i].std_pric), 0, &l->std_pric), YB_OK);
    }
    v->lines = LINES;
    v->n_lines = n;
}

/* Run rules `ids` over one visit; hits land in hs (cleared first). */
static void run(const char *ids, yb_audit_history *h, const tp *p, const tv *w, const tl *ls, size_t n,
                yb_audit_hits *hs) {
    yb_audit_visit v;
    mk_visit(&v, p, w, ls, n);
    yb_err err;
    yb_err_clear(&err);
    assert_int_equal(yb_auditor_select(AU, ids, &err), YB_OK);
    yb_audit_hits_clear(hs);
    assert_int_equal(yb_audit_visit_run(AU, h, &v, yb_audit_hits_add, hs, &err), YB_OK);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The one hit expected: rule, amount (fen), and its violating lines' serial numbers. */
static void expect_hit(const yb_audit_hits *hs, size_t k, const char *rule_id, yb_fen amt, const char *viol_sns) {
    assert_true(k < hs->n);
    const yb_audit_hit *h = &hs->hit[k];
    assert_string_equal(h->rule_id, rule_id);
    assert_int_equal(h->vola_amt, amt);
    const yb_audit_ref *r = yb_audit_hits_refs(hs, k);
    char got[256] = "";
    for (size_t i = 0; i < h->n_refs; i++)
        if (r[i].item_type == 1) {
            if (got[0]) strcat(got, ",");
            strcat(got, r[i].feedetl_sn);
        }
    assert_string_equal(got, viol_sns);
}

static void expect_involved(const yb_audit_hits *hs, size_t k, const char *sns) {
    const yb_audit_hit *h = &hs->hit[k];
    const yb_audit_ref *r = yb_audit_hits_refs(hs, k);
    char got[256] = "";
    for (size_t i = 0; i < h->n_refs; i++)
        if (r[i].item_type == 2) {
            if (got[0]) strcat(got, ",");
            strcat(got, r[i].feedetl_sn);
        }
    assert_string_equal(got, sns);
}

/* ------------------------------------------------------------------ the shipped set */

static int setup(void **state) {
    (void)state;
    yb_err err;
    yb_err_clear(&err);
    if (yb_audit_ruleset_load("data/rules/nhsa", &RS, &err) != YB_OK) {
        char b[1024];
        fprintf(stderr, "%s\n", yb_err_fmt(&err, b, sizeof b));
        return -1;
    }
    return yb_auditor_new(RS, &AU) == YB_OK ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    yb_auditor_free(AU);
    yb_audit_ruleset_free(RS);
    return 0;
}

static void test_shipped_set(void **state) {
    (void)state;
    /* 32 manifest rows; rows per rule as the README counts them (treatment_limits: 211 数量限制
     * cells, 4 repeat a code with the same limit -> 207; item_related 43 + 106 + 7 = 156). */
    assert_int_equal(yb_audit_ruleset_count(RS), 32);
    static const struct { const char *id; size_t rows; yb_audit_kind kind; } want[] = {
        {"YB01", 112, YB_AK_INSUTYPE}, {"YB03", 962, YB_AK_HOSPLV}, {"YB05", 736, YB_AK_MEDTYPE},
        {"YB09", 6472, YB_AK_GENDER}, {"YB10", 390, YB_AK_GENDER}, {"YB11", 4398, YB_AK_AGE_BAND},
        {"YB12", 30, YB_AK_AGE_BAND}, {"YB12.2", 1, YB_AK_RETIRE_AGE}, {"YB17", 207, YB_AK_QUANTITY},
        {"YB18", 67, YB_AK_FREQUENCY}, {"YB18.2", 14, YB_AK_CYCLE}, {"YB19", 1147, YB_AK_DRUG_COURSE},
        {"YB20", 11, YB_AK_COURSE}, {"YB22", 7, YB_AK_TOTAL}, {"YB25", 900, YB_AK_DUPLICATE},
        {"YB26", 15, YB_AK_DUPLICATE}, {"YB27", 523, YB_AK_SURCHARGE_QTY}, {"YB28", 43, YB_AK_RELATED},
        {"YB29", 106, YB_AK_RELATED}, {"YB30", 7, YB_AK_RELATED}, {"YB31", 523, YB_AK_SURCHARGE_MAIN},
        {"YB32", 1, YB_AK_SWAP}, {"YB33", 45, YB_AK_SWAP}, {"YB34", 7, YB_AK_PHANTOM},
        {"YB35", 14, YB_AK_PHANTOM}, {"YB36", 2, YB_AK_SPLIT}, {"YB37", 37, YB_AK_SPLIT},
        {"YB38", 378, YB_AK_PRIMARY_SECONDARY}, {"YB39", 3, YB_AK_BED_DAYS}, {"YB40", 0, YB_AK_READMISSION},
        {"YB41", 0, YB_AK_LOW_ADMISSION}, {"YB42", 1, YB_AK_DUP_INSTITUTION},
    };
    size_t total = 0;
    for (size_t i = 0; i < N(want); i++) {
        const yb_audit_rule_info *r = yb_audit_ruleset_find(RS, want[i].id);
        assert_non_null(r);
        assert_int_equal(r->n_rows, want[i].rows);
        assert_int_equal(r->kind, want[i].kind);
        total += want[i].rows;
    }
    assert_int_equal(yb_audit_ruleset_rows(RS), total);   /* 17,159 */
    assert_int_equal(total, 17159);
    const yb_audit_rule_info *r = yb_audit_ruleset_find(RS, "YB18.2");
    assert_string_equal(r->rule_id, "YB18");
    assert_string_equal(r->name, "超频次限定诊疗");
    assert_int_equal(r->effect, YB_AUDIT_DENY);
    assert_null(yb_audit_ruleset_find(RS, "YB99"));
    yb_err err;
    yb_err_clear(&err);
    assert_int_equal(yb_auditor_select(AU, "YB18,YB99", &err), YB_E_NOTFOUND);
    assert_string_equal(err.value, "YB99");
}

/* ------------------------------------------------------------------ per-line kinds */

static void test_gender(void **state) {
    (void)state;
    yb_audit_hits hs = {0};
    /* 阿帕他胺片 (b1 drug gender, 男) joined from its generic name to XL02BBA326A001010102180;
     * 2 boxes at 1,234.56: 2 x 1234.56 = 2,469.12 yuan = 246912 fen, whole line. */
    tl l[] = {{.sn = "1", .code = "XL02BBA326A001010102180", .time = "2024-05-01 09:00:00", .cnt = "2", .pric = "1234.56"}};
    run("YB09", NULL, &WOMAN, &OUTP, l, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB09", 246912, "1");
    assert_string_equal(hs.hit[0].vola_cont, "阿帕他胺片限男性使用，参保人性别为女");
    assert_string_equal(hs.hit[0].vola_evid, "两库第一批 限定性别对象 XL02BBA326A001010102180 男");
    assert_string_equal(hs.hit[0].rule_name, "超性别对象限定用药");
    assert_string_equal(hs.hit[0].vola_bhvr_type, "03");
    assert_int_equal(hs.hit[0].sev_deg, 1);
    assert_int_equal(hs.hit[0].vola_amt_stas, 1);
    run("YB09", NULL, &MAN, &OUTP, l, 1, &hs);
    assert_int_equal(hs.n, 0);
    tp unknown = {0, "1980-06-15", "310"};
    run("YB09", NULL, &unknown, &OUTP, l, 1, &hs);
    assert_int_equal(hs.n, 0);
    /* 子宫造影 002101030300000 (b1 item gender, 女) for a man: 1 x 80.00 = 8000 fen */
    tl u[] = {{.sn = "7", .code = "002101030300000", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "80"}};
    run("YB10", NULL, &MAN, &OUTP, u, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB10", 8000, "7");
    assert_string_equal(hs.hit[0].vola_cont, "子宫造影限女性使用，参保人性别为男");
    /* unknown code: not an error, no hit */
    tl z[] = {{.sn = "9", .code = "XZ99ZZZ999Z999999999999", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "80"}};
    run(NULL, NULL, &MAN, &OUTP, z, 1, &hs);
    assert_int_equal(hs.n, 0);
    yb_audit_hits_free(&hs);
}

static void test_age(void **state) {
    (void)state;
    yb_audit_hits hs = {0};
    /* 新生儿测颅压 003112020020000 (新生儿 = at most 28 days old). Born 2024-04-03:
     * on 2024-05-01 it is 28 days old (allowed), on 2024-05-02 29 days (violates). */
    tp baby = {1, "2024-04-03", "390"};
    tl ok[] = {{.sn = "1", .code = "003112020020000", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "30"}};
    tl bad[] = {{.sn = "2", .code = "003112020020000", .time = "2024-05-02 09:00:00", .cnt = "1", .pric = "30"}};
    run("YB12", NULL, &baby, &OUTP, ok, 1, &hs);
    assert_int_equal(hs.n, 0);
    run("YB12", NULL, &baby, &OUTP, bad, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB12", 3000, "2");
    assert_string_equal(hs.hit[0].vola_cont, "新生儿测颅压限新生儿（出生28天内）使用，参保人收费日出生29天");
    /* 婴幼儿健康体检 001301000010000 (婴幼儿 = under 3): 3rd birthday 2024-05-01 violates */
    tp tod = {2, "2021-05-01", "390"};
    tl t1[] = {{.sn = "3", .code = "001301000010000", .time = "2024-04-30 09:00:00", .cnt = "1", .pric = "50"}};
    tl t2[] = {{.sn = "4", .code = "001301000010000", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "50"}};
    run("YB12", NULL, &tod, &OUTP, t1, 1, &hs);
    assert_int_equal(hs.n, 0);
    run("YB12", NULL, &tod, &OUTP, t2, 1, &hs);
    assert_int_equal(hs.n, 1);
    assert_string_equal(hs.hit[0].vola_cont, "婴幼儿健康体检限婴幼儿使用，参保人收费日年龄3岁");
    /* 儿童清肺口服液 ZA04CAE0023010100166 (儿童 = under 18): 18th birthday violates;
     * 3 x 12.345 = 37.035 -> 37.04 yuan (half up) = 3704 fen */
    tp teen = {1, "2006-05-01", "390"};
    tl c1[] = {{.sn = "5", .code = "ZA04CAE0023010100166", .time = "2024-04-30 09:00:00", .cnt = "3", .pric = "12.345"}};
    tl c2[] = {{.sn = "6", .code = "ZA04CAE0023010100166", .time = "2024-05-01 09:00:00", .cnt = "3", .pric = "12.345"}};
    run("YB11", NULL, &teen, &OUTP, c1, 1, &hs);
    assert_int_equal(hs.n, 0);
    run("YB11", NULL, &teen, &OUTP, c2, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB11", 3704, "6");
    /* unknown birth date: not judged */
    tp nob = {1, NULL, "390"};
    run("YB11", NULL, &nob, &OUTP, c2, 1, &hs);
    assert_int_equal(hs.n, 0);
    /* 职业功能训练 003402000320000 (b8-2): men from 60, women from 50 (manifest parameters) */
    tl w[] = {{.sn = "8", .code = "003402000320000", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "40"}};
    tp m59 = {1, "1964-05-02", "310"}, m60 = {1, "1964-05-01", "310"}, f50 = {2, "1974-05-01", "310"};
    run("YB12.2", NULL, &m59, &OUTP, w, 1, &hs);
    assert_int_equal(hs.n, 0);
    run("YB12.2", NULL, &m60, &OUTP, w, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB12", 4000, "8");
    assert_string_equal(hs.hit[0].vola_cont, "职业功能训练限法定就业年龄内参保人，参保人收费日年龄60岁，已达法定退休年龄60岁");
    run("YB12.2", NULL, &f50, &OUTP, w, 1, &hs);
    assert_int_equal(hs.n, 1);
    yb_audit_hits_free(&hs);
}

static void test_insutype_medtype_hosplv(void **state) {
    (void)state;
    yb_audit_hits hs = {0};
    /* b3 工伤: 疤痕止痒软化膏 ZH01AAB0066010100716, always a violation: 2 x 15.5 = 3100 fen */
    tl inj[] = {{.sn = "1", .code = "ZH01AAB0066010100716", .time = "2024-05-01 09:00:00", .cnt = "2", .pric = "15.5"}};
    run("YB01", NULL, &MAN, &OUTP, inj, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB01", 3100, "1");
    assert_string_equal(hs.hit[0].vola_cont, "疤痕止痒软化膏限工伤保险支付，不属于基本医疗保险支付范围");
    /* b3 生育: 地诺前列酮栓 XG02ADD082D003010179504 allowed for med_type 52 or insutype 510 */
    tl mat[] = {{.sn = "2", .code = "XG02ADD082D003010179504", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "300"}};
    run("YB01", NULL, &WOMAN, &OUTP, mat, 1, &hs);
    assert_int_equal(hs.n, 1);
    assert_string_equal(hs.hit[0].vola_cont, "地诺前列酮栓限生育保险支付，本次就诊医疗类别11、险种310");
    tv birth = INP;
    birth.med_type = "52";
    run("YB01", NULL, &WOMAN, &birth, mat, 1, &hs);
    assert_int_equal(hs.n, 0);
    tp mi = {2, "1990-01-01", "510"};
    run("YB01", NULL, &mi, &OUTP, mat, 1, &hs);
    assert_int_equal(hs.n, 0);
    /* b4 住院: ω-3鱼油脂肪乳注射液 XB05BAU005B002010101415 outpatient -> violation; 21, 52 fine */
    tl fish[] = {{.sn = "3", .code = "XB05BAU005B002010101415", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "180"}};
    run("YB05", NULL, &MAN, &OUTP, fish, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB05", 18000, "3");
    assert_string_equal(hs.hit[0].vola_cont, "ω-3鱼油脂肪乳注射液限住院使用，本次就诊医疗类别11");
    run("YB05", NULL, &MAN, &INP, fish, 1, &hs);
    assert_int_equal(hs.n, 0);
    run("YB05", NULL, &WOMAN, &birth, fish, 1, &hs);
    assert_int_equal(hs.n, 0);
    /* 安宫牛黄丸 ZA07AAA0061010100166: "限急诊或住院患者" -> 急诊 (13) allowed too */
    tl agnh[] = {{.sn = "4", .code = "ZA07AAA0061010100166", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "500"}};
    tv er = OUTP;
    er.med_type = "13";
    run("YB05", NULL, &MAN, &er, agnh, 1, &hs);
    assert_int_equal(hs.n, 0);
    run("YB05", NULL, &MAN, &OUTP, agnh, 1, &hs);
    assert_int_equal(hs.n, 1);
    assert_string_equal(hs.hit[0].vola_cont, "安宫牛黄丸限住院或急诊使用，本次就诊医疗类别11");
    /* b5: 艾迪注射液 ZC01AAA0042010105549 (二级): level 08 (一级甲等) violates, 05 fine, "" unknown */
    tl aidi[] = {{.sn = "5", .code = "ZC01AAA0042010105549", .time = "2024-05-01 09:00:00", .cnt = "4", .pric = "20"}};
    tv l1 = OUTP, l2 = OUTP, l0 = OUTP;
    l1.hosp_lv = "08";
    l2.hosp_lv = "05";
    l0.hosp_lv = "";
    run("YB03", NULL, &MAN, &l1, aidi, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB03", 8000, "5");
    assert_string_equal(hs.hit[0].vola_cont, "艾迪注射液限二级及以上医疗机构使用，本机构等级08");
    run("YB03", NULL, &MAN, &l2, aidi, 1, &hs);
    assert_int_equal(hs.n, 0);
    run("YB03", NULL, &MAN, &l0, aidi, 1, &hs);
    assert_int_equal(hs.n, 0);
    /* 雷珠单抗注射液 XS01LAL328B002010104021 (三级) at a 二级 hospital violates */
    tl lzd[] = {{.sn = "6", .code = "XS01LAL328B002010104021", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "3950"}};
    run("YB03", NULL, &MAN, &l2, lzd, 1, &hs);
    assert_int_equal(hs.n, 1);
    assert_string_equal(hs.hit[0].vola_cont, "雷珠单抗注射液限三级医疗机构使用，本机构等级05");
    yb_audit_hits_free(&hs);
}

static void test_quantity_swap_phantom(void **state) {
    (void)state;
    yb_audit_hits hs = {0};
    /* 浅表器官彩色多普勒超声检查 002203010020000: 数量限制 2部位; 3 parts at 45.50 -> 1 part over,
     * 1 x 45.50 = 4550 fen */
    tl q[] = {{.sn = "1", .code = "002203010020000", .time = "2024-05-01 09:00:00", .cnt = "3", .pric = "45.5"}};
    run("YB17", NULL, &MAN, &OUTP, q, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB17", 4550, "1");
    assert_string_equal(hs.hit[0].vola_cont, "浅表器官彩色多普勒超声检查单次计价数量3，超过限定数量2部位");
    assert_int_equal(yb_audit_hits_refs(&hs, 0)[0].vola_qty, 1 * YB_QTY_ONE);
    tl q2[] = {{.sn = "2", .code = "002203010020000", .time = "2024-05-01 09:00:00", .cnt = "2", .pric = "45.5"}};
    run("YB17", NULL, &MAN, &OUTP, q2, 1, &hs);
    assert_int_equal(hs.n, 0);
    /* 大清创 00120500001 (MediModel prefix) billed as 001205000010000: a swap lead with the line
     * amount and vola_amt_stas 0 */
    tl s[] = {{.sn = "3", .code = "001205000010000", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "120"}};
    run("YB33", NULL, &MAN, &OUTP, s, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB33", 12000, "3");
    assert_int_equal(hs.hit[0].vola_amt_stas, 0);
    assert_int_equal(hs.hit[0].sev_deg, 3);
    assert_string_equal(hs.hit[0].vola_cont, "大清创疑似串换收费（实际可能为(小清创)）");
    /* 心电向量图 003107010120000 on the phantom list */
    tl p[] = {{.sn = "4", .code = "003107010120000", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "25"}};
    run("YB35", NULL, &MAN, &OUTP, p, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB35", 2500, "4");
    /* 止血夹 C140808022 (材料) matches by prefix */
    tl c[] = {{.sn = "5", .code = "C14080802200001", .time = "2024-05-01 09:00:00", .cnt = "2", .pric = "60"}};
    run("YB34", NULL, &MAN, &OUTP, c, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB34", 12000, "5");
    yb_audit_hits_free(&hs);
}

/* ------------------------------------------------------------------ frequency */

static void test_frequency(void **state) {
    (void)state;
    yb_audit_hits hs = {0};
    /* 住院诊查费 001102000050000, 1 a day. One line of cnt 2 at 20.00: 1 unit over -> 20.00 */
    tl a[] = {{.sn = "1", .code = "001102000050000", .time = "2024-05-02 08:00:00", .cnt = "2", .pric = "20", .name = "住院诊查费"}};
    run("YB18", NULL, &MAN, &INP, a, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB18", 2000, "1");
    assert_string_equal(hs.hit[0].vola_cont, "住院诊查费当日计费2次，超过限定频次1次/日");
    assert_string_equal(hs.hit[0].vola_evid, "两库第八批-1 限定频次 001102000050000 1/日");
    assert_int_equal(yb_audit_hits_refs(&hs, 0)[0].vola_qty, YB_QTY_ONE);
    /* two lines the same day: the later one (by time, then feedetl_sn) violates, the earlier is
     * involved; given in reverse order to show the order comes from the data */
    tl b[] = {{.sn = "12", .code = "001102000050000", .time = "2024-05-02 18:00:00", .cnt = "1", .pric = "20"},
              {.sn = "11", .code = "001102000050000", .time = "2024-05-02 08:00:00", .cnt = "1", .pric = "20"},
              {.sn = "10", .code = "001102000050000", .time = "2024-05-03 08:00:00", .cnt = "1", .pric = "20"}};
    run("YB18", NULL, &MAN, &INP, b, N(b), &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB18", 2000, "12");
    expect_involved(&hs, 0, "11");
    /* same time: feedetl_sn decides ("B" after "A") */
    tl c[] = {{.sn = "B", .code = "001102000050000", .time = "2024-05-02 08:00:00", .cnt = "1", .pric = "20"},
              {.sn = "A", .code = "001102000050000", .time = "2024-05-02 08:00:00", .cnt = "1", .pric = "20"}};
    run("YB18", NULL, &MAN, &INP, c, N(c), &hs);
    expect_hit(&hs, 0, "YB18", 2000, "B");
    /* a refund linked to the second line nets it away: 1 + 1 - 1 = 1, no hit */
    tl d[] = {{.sn = "1", .code = "001102000050000", .time = "2024-05-02 08:00:00", .cnt = "1", .pric = "20"},
              {.sn = "2", .code = "001102000050000", .time = "2024-05-02 09:00:00", .cnt = "1", .pric = "20"},
              {.sn = "3", .code = "001102000050000", .time = "2024-05-02 10:00:00", .cnt = "-1", .pric = "20", .refund_of = "2"}};
    run("YB18", NULL, &MAN, &INP, d, N(d), &hs);
    assert_int_equal(hs.n, 0);
    /* a refund naming a line of another code is not netted into it: it stays an unlinked refund
     * of its own code (here 1 + 1 - 1 = 1 on the day, no hit), and the line it names keeps its
     * units (the second 住院诊查费 of the day: 2 > 1, 1 over) */
    tl d2[] = {{.sn = "1", .code = "001102000050000", .time = "2024-05-02 08:00:00", .cnt = "1", .pric = "20"},
               {.sn = "2", .code = "001102000050000", .time = "2024-05-02 09:00:00", .cnt = "1", .pric = "20"},
               {.sn = "3", .code = "X00000000000001", .time = "2024-05-02 10:00:00", .cnt = "-1", .pric = "20", .refund_of = "2"}};
    run("YB18", NULL, &MAN, &INP, d2, N(d2), &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB18", 2000, "2");
    /* an unlinked refund nets into the day's total: 1 + 1 - 1 = 1, no hit */
    tl e[] = {{.sn = "1", .code = "001102000050000", .time = "2024-05-02 08:00:00", .cnt = "1", .pric = "20"},
              {.sn = "2", .code = "001102000050000", .time = "2024-05-02 09:00:00", .cnt = "1", .pric = "20"},
              {.sn = "3", .code = "001102000050000", .time = "2024-05-02 10:00:00", .cnt = "-1", .pric = "20"}};
    run("YB18", NULL, &MAN, &INP, e, N(e), &hs);
    assert_int_equal(hs.n, 0);
    /* 3 on one day with a partial refund of 0.5 linked to the first: 0.5 + 1 + 1 = 2.5, excess
     * 1.5 from the latest: line 3 gives 1 (20.00), line 2 gives 0.5 (0.5 x 20 = 10.00): 30.00 */
    tl f[] = {{.sn = "1", .code = "001102000050000", .time = "2024-05-02 08:00:00", .cnt = "1", .pric = "20"},
              {.sn = "2", .code = "001102000050000", .time = "2024-05-02 09:00:00", .cnt = "1", .pric = "20"},
              {.sn = "3", .code = "001102000050000", .time = "2024-05-02 10:00:00", .cnt = "1", .pric = "20"},
              {.sn = "4", .code = "001102000050000", .time = "2024-05-02 11:00:00", .cnt = "-0.5", .pric = "20", .refund_of = "1"}};
    run("YB18", NULL, &MAN, &INP, f, N(f), &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB18", 3000, "2,3");
    assert_string_equal(hs.hit[0].vola_cont, "住院诊查费当日计费2.5次，超过限定频次1次/日");
    /* 呼吸机辅助呼吸 003106030010000 counts hours, 24 a day: 25 h at 10.00 -> 1 h over, 10.00 */
    tl g[] = {{.sn = "1", .code = "003106030010000", .time = "2024-05-02 23:00:00", .cnt = "25", .pric = "10", .name = "呼吸机辅助呼吸"}};
    run("YB18", NULL, &MAN, &INP, g, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB18", 1000, "1");
    assert_string_equal(hs.hit[0].vola_cont, "呼吸机辅助呼吸当日计费25小时，超过限定24小时/日");
    assert_string_equal(hs.hit[0].vola_evid, "两库第八批-1 限定频次 003106030010000 24/小时");
    /* across visits of the person, same day: the second visit's line violates, the first is involved */
    yb_audit_history *h = yb_audit_history_new();
    tv v2 = INP;
    v2.mdtrt = "V2";
    v2.fix = "H2";
    tl h1[] = {{.sn = "1", .code = "001102000050000", .time = "2024-05-02 08:00:00", .cnt = "1", .pric = "20"}};
    tl h2[] = {{.sn = "9", .code = "001102000050000", .time = "2024-05-02 20:00:00", .cnt = "1", .pric = "22"}};
    run("YB18", h, &MAN, &INP, h1, 1, &hs);
    assert_int_equal(hs.n, 0);
    run("YB18", h, &MAN, &v2, h2, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB18", 2200, "9");
    expect_involved(&hs, 0, "1");
    assert_string_equal(yb_audit_hits_refs(&hs, 0)[1].mdtrt_id, "V1");
    assert_int_equal(yb_audit_hits_refs(&hs, 0)[1].line, SIZE_MAX);
    yb_audit_history_free(h);
    yb_audit_hits_free(&hs);
}

/* ------------------------------------------------------------------ cycle and course */

static void test_cycle(void **state) {
    (void)state;
    yb_audit_hits hs = {0};
    yb_audit_history *h = yb_audit_history_new();
    /* 糖化血红蛋白测定 002503020030000: once per 15 days across visits. 03-01 paid; 03-10 is in
     * [03-10 - 14, 03-10] = [02-25, 03-10] which holds 03-01 -> violates (whole line, 60.00);
     * 03-16: window [03-02, 03-16] holds no paid charge (03-10 was not paid) -> allowed. */
    tv v1 = OUTP, v2 = OUTP, v3 = OUTP;
    v1.mdtrt = "V1";
    v2.mdtrt = "V2";
    v3.mdtrt = "V3";
    tl a[] = {{.sn = "1", .code = "002503020030000", .time = "2024-03-01 09:00:00", .cnt = "1", .pric = "60", .name = "糖化血红蛋白测定"}};
    tl b[] = {{.sn = "2", .code = "002503020030000", .time = "2024-03-10 09:00:00", .cnt = "1", .pric = "60", .name = "糖化血红蛋白测定"}};
    tl c[] = {{.sn = "3", .code = "002503020030000", .time = "2024-03-16 09:00:00", .cnt = "1", .pric = "60", .name = "糖化血红蛋白测定"}};
    run("YB18.2", h, &MAN, &v1, a, 1, &hs);
    assert_int_equal(hs.n, 0);
    run("YB18.2", h, &MAN, &v2, b, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB18", 6000, "2");
    expect_involved(&hs, 0, "1");
    assert_string_equal(hs.hit[0].vola_cont, "糖化血红蛋白测定15天内计费2次，超过限定周期15天1次");
    assert_string_equal(hs.hit[0].vola_evid, "两库第八批-4 限定周期 002503020030000 1次/15天");
    run("YB18.2", h, &MAN, &v3, c, 1, &hs);
    assert_int_equal(hs.n, 0);
    /* boundary: paid on 03-01, a charge on 03-15 (14 days later) violates, 03-16 does not */
    yb_audit_history_reset(h);
    tl d[] = {{.sn = "1", .code = "002503020030000", .time = "2024-03-01 09:00:00", .cnt = "1", .pric = "60"},
              {.sn = "2", .code = "002503020030000", .time = "2024-03-15 09:00:00", .cnt = "1", .pric = "60"}};
    run("YB18.2", h, &MAN, &v1, d, N(d), &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB18", 6000, "2");
    yb_audit_history_free(h);
    yb_audit_hits_free(&hs);
}

static void test_course(void **state) {
    (void)state;
    yb_audit_hits hs = {0};
    yb_audit_history *h = yb_audit_history_new();
    /* 手功能评定 003402000050000: 总时间不超过90天，评定间隔时间不短于14天.
     * 01-01 first (paid); 01-11 is 10 days after -> interval violation; 01-15 is 14 days after
     * 01-01 -> paid; 03-31 is day 90 after 01-01 (01-01 + 90 = 03-31) -> span violation. */
    tl a[] = {{.sn = "1", .code = "003402000050000", .time = "2024-01-01 09:00:00", .cnt = "1", .pric = "30", .name = "手功能评定"},
              {.sn = "2", .code = "003402000050000", .time = "2024-01-11 09:00:00", .cnt = "1", .pric = "30", .name = "手功能评定"},
              {.sn = "3", .code = "003402000050000", .time = "2024-01-15 09:00:00", .cnt = "1", .pric = "30", .name = "手功能评定"},
              {.sn = "4", .code = "003402000050000", .time = "2024-03-30 09:00:00", .cnt = "1", .pric = "30", .name = "手功能评定"},
              {.sn = "5", .code = "003402000050000", .time = "2024-03-31 09:00:00", .cnt = "1", .pric = "30", .name = "手功能评定"}};
    run("YB20", h, &MAN, &OUTP, a, N(a), &hs);
    assert_int_equal(hs.n, 2);
    expect_hit(&hs, 0, "YB20", 3000, "2");
    assert_string_equal(hs.hit[0].vola_cont, "手功能评定距上次支付10天，短于限定间隔14天");
    expect_hit(&hs, 1, "YB20", 3000, "5");
    assert_string_equal(hs.hit[1].vola_cont, "手功能评定自2024-01-01首次支付起已满90天（本次为第91天），超过限定疗程");
    /* 平衡功能训练 003402000240000: 90 days per illness episode (3-character main diagnosis) */
    yb_audit_history_reset(h);
    tv s1 = OUTP, s2 = OUTP, s3 = OUTP;
    s1.diag = "I63.900";
    s2.diag = "I63.901";
    s2.mdtrt = "V2";
    s3.diag = "S72.000";
    s3.mdtrt = "V3";
    tl b1[] = {{.sn = "1", .code = "003402000240000", .time = "2024-01-01 09:00:00", .cnt = "1", .pric = "25"}};
    tl b2[] = {{.sn = "2", .code = "003402000240000", .time = "2024-04-01 09:00:00", .cnt = "1", .pric = "25"}};   /* day 91 */
    run("YB20", h, &MAN, &s1, b1, 1, &hs);
    assert_int_equal(hs.n, 0);
    run("YB20", h, &MAN, &s3, b2, 1, &hs);   /* another illness: its own 90 days */
    assert_int_equal(hs.n, 0);
    run("YB20", h, &MAN, &s2, b2, 1, &hs);   /* same 3-character diagnosis I63 */
    assert_int_equal(hs.n, 1);
    /* restart after 180 days without the item: 01-01 then 2024-06-30 (181 days later) */
    yb_audit_history_reset(h);
    tl r1[] = {{.sn = "1", .code = "003402000210000", .time = "2024-01-01 09:00:00", .cnt = "1", .pric = "25"},
               {.sn = "2", .code = "003402000210000", .time = "2024-06-30 09:00:00", .cnt = "1", .pric = "25"},
               {.sn = "3", .code = "003402000210000", .time = "2024-07-30 09:00:00", .cnt = "1", .pric = "25"}};
    run("YB20", h, &MAN, &OUTP, r1, N(r1), &hs);
    /* 减重支持系统训练: 30 days. 06-30 restarts (gap 181 > 180); 07-30 is day 31 of it */
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB20", 2500, "3");
    /* 儿童听力障碍语言训练 003402000350000: at most once per ISO week; 2024-05-06 is a Monday */
    yb_audit_history_reset(h);
    tl w[] = {{.sn = "1", .code = "003402000350000", .time = "2024-05-06 09:00:00", .cnt = "1", .pric = "50"},
              {.sn = "2", .code = "003402000350000", .time = "2024-05-12 09:00:00", .cnt = "1", .pric = "50"},    /* Sunday, same week */
              {.sn = "3", .code = "003402000350000", .time = "2024-05-13 09:00:00", .cnt = "1", .pric = "50"}};   /* next Monday */
    run("YB20", h, &MAN, &OUTP, w, N(w), &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB20", 5000, "2");
    assert_string_equal(hs.hit[0].vola_cont, "儿童听力障碍语言训练本周已支付，每周最多支付一次");
    yb_audit_history_free(h);
    yb_audit_hits_free(&hs);
}

static void test_drug_course(void **state) {
    (void)state;
    yb_audit_hits hs = {0};
    yb_audit_history *h = yb_audit_history_new();
    /* 奥扎格雷钠注射液 (b6, 14天): two codes of the same generic name share one episode.
     * Line 1 on 05-01 for 10 days covers 05-01..05-10 (days 1-10); line 2 on 05-11 for 10 days
     * covers 05-11..05-20 (days 11-20). The 14th covered day is 05-14, so 05-15..05-20 = 6 of
     * line 2's 10 days violate: amount 10 x 36.00 = 360.00 -> 360.00 x 6/10 = 216.00 = 21600 fen,
     * units 10 x 6/10 = 6. */
    tl a[] = {{.sn = "1", .code = "XB01AXA223B002010100156", .time = "2024-05-01 09:00:00", .cnt = "10", .pric = "36", .prd_days = 10},
              {.sn = "2", .code = "XB01AXA223B002010101157", .time = "2024-05-11 09:00:00", .cnt = "10", .pric = "36", .prd_days = 10}};
    run("YB19", h, &MAN, &INP, a, N(a), &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB19", 21600, "2");
    assert_int_equal(yb_audit_hits_refs(&hs, 0)[0].vola_qty, 6 * YB_QTY_ONE);
    assert_string_equal(hs.hit[0].vola_cont,
                        "奥扎格雷钠注射液限定支付疗程14天，本疗程自2024-05-01起第14天为2024-05-14，本次10天中6天超出");
    /* the episode continues across visits: 05-21 covered day 21 -> whole line (1 day) */
    tv v2 = INP;
    v2.mdtrt = "V2";
    tl b[] = {{.sn = "3", .code = "XB01AXA223B002010100156", .time = "2024-05-21 09:00:00", .cnt = "1", .pric = "36"}};
    run("YB19", h, &MAN, &v2, b, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB19", 3600, "3");
    /* 30 days without the drug end the episode: last covered 05-21, next 06-21 (30 days gap) */
    tv v3 = INP;
    v3.mdtrt = "V3";
    tl c[] = {{.sn = "4", .code = "XB01AXA223B002010100156", .time = "2024-06-21 09:00:00", .cnt = "1", .pric = "36"}};
    run("YB19", h, &MAN, &v3, c, 1, &hs);
    assert_int_equal(hs.n, 0);
    /* overlap: 07-01 x 10 days then 07-05 x 14 days: union 07-01..07-18 = 18 days, day 14 is
     * 07-14; line 2 covers 07-05..07-18 of which 07-15..07-18 = 4 of 14 days violate:
     * 14 x 10.00 = 140.00 x 4/14 = 40.00 */
    yb_audit_history_reset(h);
    tl d[] = {{.sn = "5", .code = "XB01AXA223B002010100156", .time = "2024-07-01 09:00:00", .cnt = "10", .pric = "10", .prd_days = 10},
              {.sn = "6", .code = "XB01AXA223B002010100156", .time = "2024-07-05 09:00:00", .cnt = "14", .pric = "10", .prd_days = 14}};
    run("YB19", h, &MAN, &INP, d, N(d), &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB19", 4000, "6");
    yb_audit_history_free(h);
    yb_audit_hits_free(&hs);
}

static void test_total(void **state) {
    (void)state;
    yb_audit_hits hs = {0};
    yb_audit_history *h = yb_audit_history_new();
    /* 远程会诊 001110000030000: 400元 a year. 300.00 paid in visit 1; visit 2 charges 2 x 150.00
     * = 300.00 -> cumulative 600.00, 200.00 over; units 2 x 200/300 = 1.3333 */
    tv v2 = OUTP;
    v2.mdtrt = "V2";
    tl a[] = {{.sn = "1", .code = "001110000030000", .time = "2024-02-01 09:00:00", .cnt = "1", .pric = "300", .name = "远程会诊"}};
    tl b[] = {{.sn = "2", .code = "001110000030000", .time = "2024-06-01 09:00:00", .cnt = "2", .pric = "150", .name = "远程会诊"}};
    run("YB22", h, &MAN, &OUTP, a, 1, &hs);
    assert_int_equal(hs.n, 0);
    run("YB22", h, &MAN, &v2, b, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB22", 20000, "2");
    assert_int_equal(yb_audit_hits_refs(&hs, 0)[0].vola_qty, 13333);
    assert_string_equal(hs.hit[0].vola_cont, "远程会诊2024年度累计金额600.00元，超过限额400.00元");
    /* a new year starts from zero */
    tv v3 = OUTP;
    v3.mdtrt = "V3";
    tl c[] = {{.sn = "3", .code = "001110000030000", .time = "2025-01-02 09:00:00", .cnt = "1", .pric = "300"}};
    run("YB22", h, &MAN, &v3, c, 1, &hs);
    assert_int_equal(hs.n, 0);
    yb_audit_history_free(h);
    yb_audit_hits_free(&hs);
}

/* ------------------------------------------------------------------ within a visit */

static void test_duplicate(void **state) {
    (void)state;
    yb_audit_hits hs = {0};
    /* 急诊监护费 001103000010000 includes 急诊诊查费 001102000030000 (单日): 诊查费 violates
     * (whole line, 1 x 15.00), 监护费 is involved; the order of the lines does not matter. */
    tl a[] = {{.sn = "2", .code = "001102000030000", .time = "2024-05-01 07:00:00", .cnt = "1", .pric = "15", .name = "急诊诊查费"},
              {.sn = "1", .code = "001103000010000", .time = "2024-05-01 20:00:00", .cnt = "1", .pric = "80", .name = "急诊监护费"}};
    run("YB25", NULL, &MAN, &OUTP, a, N(a), &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB25", 1500, "2");
    expect_involved(&hs, 0, "1");
    assert_string_equal(hs.hit[0].vola_cont, "急诊诊查费与急诊监护费同日重复收费（含监护、床位、诊查、护理）");
    assert_string_equal(hs.hit[0].vola_evid, "两库第七批 重复收费 001103000010000+001102000030000 单日");
    /* the next day: no hit; a refunded main item: no hit */
    tl b[] = {{.sn = "2", .code = "001102000030000", .time = "2024-05-02 07:00:00", .cnt = "1", .pric = "15"},
              {.sn = "1", .code = "001103000010000", .time = "2024-05-01 20:00:00", .cnt = "1", .pric = "80"}};
    run("YB25", NULL, &MAN, &OUTP, b, N(b), &hs);
    assert_int_equal(hs.n, 0);
    tl c[] = {{.sn = "2", .code = "001102000030000", .time = "2024-05-01 07:00:00", .cnt = "1", .pric = "15"},
              {.sn = "1", .code = "001103000010000", .time = "2024-05-01 20:00:00", .cnt = "1", .pric = "80"},
              {.sn = "3", .code = "001103000010000", .time = "2024-05-01 21:00:00", .cnt = "-1", .pric = "80", .refund_of = "1"}};
    run("YB25", NULL, &MAN, &OUTP, c, N(c), &hs);
    assert_int_equal(hs.n, 0);
    /* 同一小时: 冷加压试验 003102070040000 includes 动态血压监测 003107010210000 within an hour:
     * 59:59 apart violates, exactly 1 hour apart does not */
    tl d[] = {{.sn = "1", .code = "003102070040000", .time = "2024-05-01 08:00:00", .cnt = "1", .pric = "40"},
              {.sn = "2", .code = "003107010210000", .time = "2024-05-01 08:59:59", .cnt = "1", .pric = "90"}};
    run("YB25", NULL, &MAN, &OUTP, d, N(d), &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB25", 9000, "2");
    tl e[] = {{.sn = "1", .code = "003102070040000", .time = "2024-05-01 08:00:00", .cnt = "1", .pric = "40"},
              {.sn = "2", .code = "003107010210000", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "90"}};
    run("YB25", NULL, &MAN, &OUTP, e, N(e), &hs);
    assert_int_equal(hs.n, 0);
    /* 6小时: 单胎顺产接生 003314000020000 includes 胎心监测 003112010260000: 5 h apart (sub before
     * main) violates, 6 h apart does not */
    tl f[] = {{.sn = "1", .code = "003112010260000", .time = "2024-05-01 03:00:00", .cnt = "1", .pric = "20"},
              {.sn = "2", .code = "003314000020000", .time = "2024-05-01 08:00:00", .cnt = "1", .pric = "600"}};
    run("YB25", NULL, &WOMAN, &INP, f, N(f), &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB25", 2000, "1");
    tl g[] = {{.sn = "1", .code = "003112010260000", .time = "2024-05-01 02:00:00", .cnt = "1", .pric = "20"},
              {.sn = "2", .code = "003314000020000", .time = "2024-05-01 08:00:00", .cnt = "1", .pric = "600"}};
    run("YB25", NULL, &WOMAN, &INP, g, N(g), &hs);
    assert_int_equal(hs.n, 0);
    /* 单次就诊: 颅内多发血肿清除术 003302010140000 includes 颅内硬膜外血肿引流术 003302010040000
     * anywhere in the visit (days apart) */
    tl k[] = {{.sn = "1", .code = "003302010140000", .time = "2024-05-02 08:00:00", .cnt = "1", .pric = "3000"},
              {.sn = "2", .code = "003302010040000", .time = "2024-05-07 08:00:00", .cnt = "1", .pric = "1200"}};
    run("YB25", NULL, &MAN, &INP, k, N(k), &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB25", 120000, "2");
    /* 单日 across visits of the person: the main item in an earlier visit the same day */
    yb_audit_history *h = yb_audit_history_new();
    tv v2 = OUTP;
    v2.mdtrt = "V2";
    tl m1[] = {{.sn = "1", .code = "001103000010000", .time = "2024-05-01 01:00:00", .cnt = "1", .pric = "80"}};
    tl m2[] = {{.sn = "5", .code = "001102000030000", .time = "2024-05-01 22:00:00", .cnt = "1", .pric = "15"}};
    run("YB25", h, &MAN, &OUTP, m1, 1, &hs);
    assert_int_equal(hs.n, 0);
    run("YB25", h, &MAN, &v2, m2, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB25", 1500, "5");
    expect_involved(&hs, 0, "1");
    yb_audit_history_free(h);
    yb_audit_hits_free(&hs);
}

static void test_surcharge(void **state) {
    (void)state;
    yb_audit_hits hs = {0};
    /* 胸导管结扎术 003309000090000 with its surcharge 003309000090001 (limit 1 per base item).
     * Surcharge alone that day -> YB31, whole line 500.00. */
    tl a[] = {{.sn = "1", .code = "003309000090001", .time = "2024-05-03 10:00:00", .cnt = "1", .pric = "500"}};
    run("YB31", NULL, &MAN, &INP, a, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB31", 50000, "1");
    assert_string_equal(hs.hit[0].vola_cont, "胸导管结扎术(经胸腔镜加收)当日无主项目胸导管结扎术，加收不予支付");
    /* base x1 and surcharge x2 the same day -> YB27, 1 unit over from the latest: 500.00 */
    tl b[] = {{.sn = "1", .code = "003309000090000", .time = "2024-05-03 09:00:00", .cnt = "1", .pric = "2000"},
              {.sn = "2", .code = "003309000090001", .time = "2024-05-03 10:00:00", .cnt = "1", .pric = "500"},
              {.sn = "3", .code = "003309000090001", .time = "2024-05-03 11:00:00", .cnt = "1", .pric = "500"}};
    run("YB27,YB31", NULL, &MAN, &INP, b, N(b), &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB27", 50000, "3");
    expect_involved(&hs, 0, "2,1");
    /* base x2: two surcharges are allowed */
    tl c[] = {{.sn = "1", .code = "003309000090000", .time = "2024-05-03 09:00:00", .cnt = "2", .pric = "2000"},
              {.sn = "2", .code = "003309000090001", .time = "2024-05-03 10:00:00", .cnt = "2", .pric = "500"}};
    run("YB27,YB31", NULL, &MAN, &INP, c, N(c), &hs);
    assert_int_equal(hs.n, 0);
    yb_audit_hits_free(&hs);
}

static void test_related_split(void **state) {
    (void)state;
    yb_audit_hits hs = {0};
    /* 二甲硅油 XA03AXE020X0 (prefix) needs 内镜|胃镜|肠镜 (prefix 00310902) that day */
    tl a[] = {{.sn = "1", .code = "XA03AXE020X001010101234", .time = "2024-05-01 08:00:00", .cnt = "1", .pric = "12", .name = "二甲硅油散"}};
    run("YB28", NULL, &MAN, &OUTP, a, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB28", 1200, "1");
    assert_string_equal(hs.hit[0].vola_cont, "二甲硅油当日无关联操作(内镜|胃镜|肠镜)");
    tl b[] = {{.sn = "1", .code = "XA03AXE020X001010101234", .time = "2024-05-01 08:00:00", .cnt = "1", .pric = "12"},
              {.sn = "2", .code = "003109020010000", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "300"}};
    run("YB28", NULL, &MAN, &OUTP, b, N(b), &hs);
    assert_int_equal(hs.n, 0);
    /* a material of the bare class C matched by name: a 鼻导管 needs 氧气吸入 (001203000010000);
     * it also matches the row 导管, whose procedures are absent, but one satisfied row is enough */
    tl c[] = {{.sn = "1", .code = "C01020304050607", .time = "2024-05-01 08:00:00", .cnt = "1", .pric = "5", .name = "一次性使用鼻导管"},
              {.sn = "2", .code = "001203000010000", .time = "2024-05-01 08:30:00", .cnt = "3", .pric = "4"}};
    run("YB29", NULL, &MAN, &OUTP, c, N(c), &hs);
    assert_int_equal(hs.n, 0);
    run("YB29", NULL, &MAN, &OUTP, c, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB29", 500, "1");
    /* split: 经皮冠状动脉内支架置入术 00320500003 with parts (0032010000400|0032050000100) —
     * two different part codes the same day: both lines are a lead, amount 1500 + 900 = 2400.00 */
    tl d[] = {{.sn = "1", .code = "003201000040000", .time = "2024-05-02 08:00:00", .cnt = "1", .pric = "1500"},
              {.sn = "2", .code = "003205000010000", .time = "2024-05-02 09:00:00", .cnt = "1", .pric = "900"}};
    run("YB37", NULL, &MAN, &INP, d, N(d), &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB37", 240000, "1,2");
    assert_int_equal(hs.hit[0].vola_amt_stas, 0);
    run("YB37", NULL, &MAN, &INP, d, 1, &hs);
    assert_int_equal(hs.n, 0);
    yb_audit_hits_free(&hs);
}

static void test_primary_secondary(void **state) {
    (void)state;
    yb_audit_hits hs = {0};
    /* two 胃肠手术组 operations the same day: 食管癌根治+结肠代食管术 003310010140000 at 3000.00
     * (primary) and 食管胃吻合口狭窄切开成形术 003310010160000 at 1200.00 (secondary). No
     * catalogue price: (1 - 0.5) x 1200.00 = 600.00, sev_deg 2. */
    tl a[] = {{.sn = "1", .code = "003310010140000", .time = "2024-05-03 09:00:00", .cnt = "1", .pric = "3000", .name = "食管癌根治+结肠代食管术"},
              {.sn = "2", .code = "003310010160000", .time = "2024-05-03 11:00:00", .cnt = "1", .pric = "1200", .name = "食管胃吻合口狭窄切开成形术"}};
    run("YB38", NULL, &MAN, &INP, a, N(a), &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB38", 60000, "2");
    expect_involved(&hs, 0, "1");
    assert_int_equal(hs.hit[0].sev_deg, 2);
    assert_string_equal(hs.hit[0].vola_cont,
                        "食管胃吻合口狭窄切开成形术与食管癌根治+结肠代食管术同日同组（胃肠手术组）手术，次要手术未按50%折价计收");
    /* with the catalogue price 1500.00: max(0, 1200.00 - 0.5 x 1500.00) x 1 = 450.00, sev 1 */
    tl b[] = {{.sn = "1", .code = "003310010140000", .time = "2024-05-03 09:00:00", .cnt = "1", .pric = "3000"},
              {.sn = "2", .code = "003310010160000", .time = "2024-05-03 11:00:00", .cnt = "1", .pric = "1200", .std_pric = "1500"}};
    run("YB38", NULL, &MAN, &INP, b, N(b), &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB38", 45000, "2");
    assert_int_equal(hs.hit[0].sev_deg, 1);
    /* already discounted (750.00 = 0.5 x 1500.00): no hit; one operation alone: no hit */
    tl c[] = {{.sn = "1", .code = "003310010140000", .time = "2024-05-03 09:00:00", .cnt = "1", .pric = "3000"},
              {.sn = "2", .code = "003310010160000", .time = "2024-05-03 11:00:00", .cnt = "1", .pric = "750", .std_pric = "1500"}};
    run("YB38", NULL, &MAN, &INP, c, N(c), &hs);
    assert_int_equal(hs.n, 0);
    run("YB38", NULL, &MAN, &INP, a, 1, &hs);
    assert_int_equal(hs.n, 0);
    yb_audit_hits_free(&hs);
}

/* ------------------------------------------------------------------ visit level */

static void test_bed_days(void **state) {
    (void)state;
    yb_audit_hits hs = {0};
    /* stay 05-01 .. 05-04 = 3 days, allowed 3 + 1 = 4 bed days; 5 charged at 50.00 (two of the
     * bed codes count together) -> 1 over, from the latest line: 50.00 */
    tv w = {"V1", "21", "01", "H1", "2024-05-01 08:00:00", "2024-05-04 10:00:00", "I63.900"};
    tl a[] = {{.sn = "1", .code = "001109000010000", .time = "2024-05-01 20:00:00", .cnt = "1", .pric = "50"},
              {.sn = "2", .code = "001109000010000", .time = "2024-05-02 20:00:00", .cnt = "1", .pric = "50"},
              {.sn = "3", .code = "001109000030000", .time = "2024-05-03 20:00:00", .cnt = "2", .pric = "50"},
              {.sn = "4", .code = "001109000010000", .time = "2024-05-04 09:00:00", .cnt = "1", .pric = "50"}};
    run("YB39", NULL, &MAN, &w, a, N(a), &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB39", 5000, "4");
    assert_string_equal(hs.hit[0].vola_cont, "住院3天，床位费计费5天，超过4天");
    run("YB39", NULL, &MAN, &w, a, 3, &hs);
    assert_int_equal(hs.n, 0);
    /* an outpatient visit is not judged */
    tv o = w;
    o.med_type = "11";
    run("YB39", NULL, &MAN, &o, a, N(a), &hs);
    assert_int_equal(hs.n, 0);
    yb_audit_hits_free(&hs);
}

static void test_readmission_low_dup(void **state) {
    (void)state;
    yb_audit_hits hs = {0};
    yb_audit_history *h = yb_audit_history_new();
    /* discharged 05-10 from H1 with I63.900; readmitted to H1 on 05-25 with I63.901: 15 days -> hit;
     * on 05-26 (16 days) or to H2, or with S72: none */
    tv a = {"A", "21", "01", "H1", "2024-05-01 08:00:00", "2024-05-10 10:00:00", "I63.900"};
    tv b = {"B", "21", "01", "H1", "2024-05-25 08:00:00", "2024-05-30 10:00:00", "I63.901"};
    tl x[] = {{.sn = "1", .code = "001109000010000", .time = "2024-05-01 20:00:00", .cnt = "1", .pric = "50"}};
    run("YB40", h, &MAN, &a, x, 1, &hs);
    assert_int_equal(hs.n, 0);
    run("YB40", h, &MAN, &b, x, 0, &hs);
    assert_int_equal(hs.n, 1);
    assert_string_equal(hs.hit[0].rule_id, "YB40");
    assert_int_equal(hs.hit[0].vola_amt, 0);
    assert_int_equal(hs.hit[0].vola_amt_stas, 0);
    assert_string_equal(hs.hit[0].vola_cont, "出院后15天内在同一医疗机构以相同主诊断I63再次入院（前次就诊A，2024-05-10出院）");
    yb_audit_history_reset(h);
    tv c = b;
    c.begin = "2024-05-26 08:00:00";
    run("YB40", h, &MAN, &a, x, 0, &hs);
    run("YB40", h, &MAN, &c, x, 0, &hs);
    assert_int_equal(hs.n, 0);
    tv d = b;
    d.fix = "H2";
    run("YB40", h, &MAN, &d, x, 0, &hs);
    assert_int_equal(hs.n, 0);
    /* low-standard admission: 2 days, tests 900.00 of 1,000.00 = 90% >= 80%, no 05/06 line */
    tv s = {"S", "21", "05", "H1", "2024-06-01 08:00:00", "2024-06-03 10:00:00", "R10.400"};
    tl l[] = {{.sn = "1", .code = "002501010010000", .time = "2024-06-01 09:00:00", .cnt = "1", .pric = "900", .type = "04"},
              {.sn = "2", .code = "001109000010000", .time = "2024-06-01 20:00:00", .cnt = "2", .pric = "50", .type = "01"},
              {.sn = "3", .code = "003101000010000", .time = "2024-06-02 09:00:00", .cnt = "1", .pric = "30", .type = "05"}};
    run("YB41", NULL, &MAN, &s, l, 2, &hs);
    assert_int_equal(hs.n, 1);
    assert_string_equal(hs.hit[0].vola_cont, "住院2天，检查化验费900.00元占总费用1000.00元的90%，无治疗、手术收费");
    run("YB41", NULL, &MAN, &s, l, 3, &hs);   /* a treatment line: not low-standard */
    assert_int_equal(hs.n, 0);
    /* bed fee at H1 and at H2 on the same day: the visit processed later violates */
    yb_audit_history_reset(h);
    tv p = {"P", "21", "01", "H1", "2024-07-01 08:00:00", "2024-07-05 10:00:00", "I63.900"};
    tv q = {"Q", "21", "01", "H2", "2024-07-04 08:00:00", "2024-07-09 10:00:00", "I63.900"};
    tl pl[] = {{.sn = "1", .code = "001109000010000", .time = "2024-07-04 20:00:00", .cnt = "1", .pric = "50"}};
    tl ql[] = {{.sn = "9", .code = "001109000030000", .time = "2024-07-04 21:00:00", .cnt = "1", .pric = "300"},
               {.sn = "8", .code = "001109000030000", .time = "2024-07-05 21:00:00", .cnt = "1", .pric = "300"}};
    run("YB42", h, &MAN, &p, pl, 1, &hs);
    assert_int_equal(hs.n, 0);
    run("YB42", h, &MAN, &q, ql, 2, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB42", 30000, "9");
    expect_involved(&hs, 0, "1");
    assert_string_equal(hs.hit[0].vola_cont, "2024-07-04床位费同日已由医疗机构H1收取（就诊P）");
    yb_audit_history_free(h);
    yb_audit_hits_free(&hs);
}

/* ------------------------------------------------------------------ effective date, deny */

static void test_effective_and_deny(void **state) {
    (void)state;
    yb_audit_hits hs = {0};
    /* a line before the rules' effective date (2020-01-01) is not checked */
    tl old[] = {{.sn = "1", .code = "001102000050000", .time = "2019-12-31 08:00:00", .cnt = "2", .pric = "20"}};
    run("YB18", NULL, &MAN, &INP, old, 1, &hs);
    assert_int_equal(hs.n, 0);
    /* deny marking: frequency excess 1 of 2 (partial) and a gender hit (whole line) */
    tl a[] = {{.sn = "1", .code = "001102000050000", .time = "2024-05-02 08:00:00", .cnt = "2", .pric = "20"},
              {.sn = "2", .code = "XL02BBA326A001010102180", .time = "2024-05-02 09:00:00", .cnt = "1", .pric = "1000"},
              {.sn = "3", .code = "001109000010000", .time = "2024-05-02 20:00:00", .cnt = "1", .pric = "50"}};
    run("YB18,YB09", NULL, &WOMAN, &INP, a, N(a), &hs);
    assert_int_equal(hs.n, 2);
    for (size_t i = 0; i < hs.n; i++) {
        yb_audit_hit hit = hs.hit[i];
        hit.refs = yb_audit_hits_refs(&hs, i);
        yb_audit_mark_denied(LINES, 3, &hit);
    }
    assert_int_equal(LINES[0].line.denied, 0);
    assert_int_equal(LINES[0].denied_qty, YB_QTY_ONE);
    assert_int_equal(LINES[0].denied_amt, 2000);
    assert_int_equal(LINES[1].line.denied, 1);
    assert_int_equal(LINES[2].denied_qty, 0);
    yb_line out[6];
    size_t n;
    yb_err err;
    yb_err_clear(&err);
    assert_int_equal(yb_audit_settle_lines(LINES, 3, out, &n, &err), YB_OK);
    /* line 1 splits: paid 1 x 20.00 (sn "1") and denied 1 x 20.00 ("1-D"); line 2 denied whole */
    assert_int_equal(n, 4);
    assert_string_equal(out[0].feedetl_sn, "1");
    assert_int_equal(out[0].cnt, YB_QTY_ONE);
    assert_int_equal(out[0].sumamt, 2000);
    assert_int_equal(out[0].denied, 0);
    assert_string_equal(out[1].feedetl_sn, "1-D");
    assert_int_equal(out[1].sumamt, 2000);
    assert_int_equal(out[1].denied, 1);
    assert_int_equal(out[2].denied, 1);
    assert_int_equal(out[3].denied, 0);
    /* a warn hit marks nothing */
    tl s[] = {{.sn = "1", .code = "001205000010000", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "120"}};
    run("YB33", NULL, &MAN, &OUTP, s, 1, &hs);
    yb_audit_hit hit = hs.hit[0];
    hit.refs = yb_audit_hits_refs(&hs, 0);
    yb_audit_mark_denied(LINES, 1, &hit);
    assert_int_equal(LINES[0].line.denied, 0);
    assert_int_equal(LINES[0].denied_qty, 0);
    yb_audit_hits_free(&hs);
}


/* ------------------------------------------------------------------ the MediModel set */

static void test_medimodel_set(void **state) {
    (void)state;
    yb_audit_ruleset *mm;
    yb_err err;
    yb_err_clear(&err);
    assert_int_equal(yb_audit_ruleset_load("data/rules/medimodel", &mm, &err), YB_OK);
    /* 32 rules; 5,433 rows: e.g. 性别限制 of drug_limits has 483 cells, 22 repeat a code
     * prefix with the same value -> 461; 疾病限制 of treatment_limits keeps 205 (two codes carry
     * two different lists, kept as alternatives) */
    assert_int_equal(yb_audit_ruleset_count(mm), 32);
    assert_int_equal(yb_audit_ruleset_rows(mm), 5433);
    assert_int_equal(yb_audit_ruleset_find(mm, "YB09")->n_rows, 461);
    assert_int_equal(yb_audit_ruleset_find(mm, "YB14")->n_rows, 205);
    yb_auditor *saved = AU;
    assert_int_equal(yb_auditor_new(mm, &AU), YB_OK);
    yb_audit_hits hs = {0};
    /* specialty: 抗精神病药物治疗监测 003115030010000 needs (精神|心理) in the department name */
    tl a[] = {{.sn = "1", .code = "003115030010000", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "35"}};
    run("YB08", NULL, &MAN, &OUTP, a, 1, &hs);
    assert_int_equal(hs.n, 0);                      /* department unknown: not judged */
    yb_audit_visit v;
    mk_visit(&v, &MAN, &OUTP, a, 1);
    LINES[0].dept = "心血管内科";
    assert_int_equal(yb_auditor_select(AU, "YB08", &err), YB_OK);
    yb_audit_hits_clear(&hs);
    assert_int_equal(yb_audit_visit_run(AU, NULL, &v, yb_audit_hits_add, &hs, &err), YB_OK);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB08", 3500, "1");
    assert_string_equal(hs.hit[0].vola_cont, "抗精神病药物治疗监测限精神或心理专科使用，收费科室为心血管内科");
    LINES[0].dept = "精神科";
    yb_audit_hits_clear(&hs);
    assert_int_equal(yb_audit_visit_run(AU, NULL, &v, yb_audit_hits_add, &hs, &err), YB_OK);
    assert_int_equal(hs.n, 0);
    /* indication: 中频脉冲电治疗(动态干扰电治疗) 003401000100300 has two rows, (面瘫) and (烧伤):
     * either diagnosis is enough; 腰痛 violates */
    tl b[] = {{.sn = "2", .code = "003401000100300", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "18"}};
    static const char *const dn[] = {"腰痛", "手部烧伤", "周围性面瘫"};
    static const size_t want[] = {1, 0, 0};
    for (size_t k = 0; k < 3; k++) {
        mk_visit(&v, &MAN, &OUTP, b, 1);
        DIAG[0].name = dn[k];
        v.diags = DIAG;
        v.n_diags = 1;
        assert_int_equal(yb_auditor_select(AU, "YB14", &err), YB_OK);
        yb_audit_hits_clear(&hs);
        assert_int_equal(yb_audit_visit_run(AU, NULL, &v, yb_audit_hits_add, &hs, &err), YB_OK);
        assert_int_equal(hs.n, want[k]);
    }
    DIAG[0].name = NULL;
    /* MediModel's 儿童 is under 15 (manifest child_years=15): 小儿咳嗽宁糖浆 ZA06CAX04380 at 15 */
    tp t15 = {1, "2009-05-01", "390"};
    tl c[] = {{.sn = "3", .code = "ZA06CAX0438001010100001", .time = "2024-05-01 09:00:00", .cnt = "1", .pric = "9"}};
    run("YB11", NULL, &t15, &OUTP, c, 1, &hs);
    assert_int_equal(hs.n, 1);
    expect_hit(&hs, 0, "YB11", 900, "3");
    yb_audit_hits_free(&hs);
    yb_auditor_free(AU);
    AU = saved;
    yb_audit_ruleset_free(mm);
}


/* ------------------------------------------------------------------ differential: engine vs naive */

/* A naive reading of three kinds, written independently of the engine: for every line, the
 * violating units it should get. Persons with 3 overlapping visits of 12 random lines drawn from
 * real codes of batches 7 and 8, with linked and unlinked refunds; the engine's refs must give
 * exactly the same units to exactly the same lines. */
#include "yibao/csv.h"

typedef struct rl {            /* one generated line */
    int visit;
    char sn[16];
    const char *code;
    yb_datetime t;
    yb_qty cnt;
    int refund_of;             /* index of the line it reverses, -1 */
    yb_qty eff;                /* after netting */
    yb_qty want;               /* violating units per the naive reading */
} rl;

#define DV 3
#define DL 12
static rl G[DV * DL];

static const char *const POOL[] = {
    "001102000050000", "003106030010000", "001109000010000", "002503020030000", "002503020020000",
    "001103000010000", "001102000030000", "003102070040000", "003107010210000", "003314000020000",
    "003112010260000", "003302010140000", "003302010040000",
};

typedef struct pair { char main[24], sub[24]; int win; } pair;
static pair PAIRS[1000];
static size_t NPAIRS;

static void load_pairs(void) {
    if (NPAIRS) return;
    yb_csv *c;
    yb_err err;
    yb_err_clear(&err);
    assert_int_equal(yb_csv_open("data/rules/nhsa/b7_item_duplicate.csv", &c, &err), YB_OK);
    int fm = yb_csv_col(c, "主项编码"), fs = yb_csv_col(c, "从项编码"), fw = yb_csv_col(c, "频度");
    while (yb_csv_next(c, &err) == 1) {
        pair *p = &PAIRS[NPAIRS++];
        snprintf(p->main, sizeof p->main, "%s", yb_csv_field(c, fm, NULL));
        snprintf(p->sub, sizeof p->sub, "%s", yb_csv_field(c, fs, NULL));
        const char *w = yb_csv_field(c, fw, NULL);
        p->win = !strcmp(w, "单日") ? 0 : !strcmp(w, "单次就诊") ? 1 : !strcmp(w, "6小时") ? 2 : 3;
    }
    yb_csv_close(c);
    assert_int_equal(NPAIRS, 900);
}

static uint64_t rng = 88172645463325252ULL;
static unsigned rnd(unsigned n) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static int rl_before(const rl *x, const rl *y) {
    if (x->t != y->t) return x->t < y->t;
    return strcmp(x->sn, y->sn) < 0;
}

static yb_date rdate(const rl *x) { return yb_datetime_date(x->t); }

static void gen_person(void) {
    yb_datetime base = dt("2024-03-01 00:00:00");
    for (int v = 0; v < DV; v++)
        for (int i = 0; i < DL; i++) {
            rl *x = &G[v * DL + i];
            memset(x, 0, sizeof *x);
            x->visit = v;
            snprintf(x->sn, sizeof x->sn, "%d%02d", v + 1, rnd(90) + 10);   /* duplicates possible: fine */
            snprintf(x->sn + strlen(x->sn), sizeof x->sn - strlen(x->sn), "-%d", i);
            x->code = POOL[rnd(sizeof POOL / sizeof POOL[0])];
            /* visit v spans days 2v .. 2v+2: visits overlap by a day */
            x->t = base + (yb_datetime)(2 * v + rnd(3)) * 86400 + (yb_datetime)rnd(24) * 3600 + rnd(4) * 900;
            x->cnt = (yb_qty)(1 + rnd(3)) * YB_QTY_ONE;
            if (!strcmp(x->code, "003106030010000")) x->cnt = (yb_qty)(6 + rnd(20)) * YB_QTY_ONE;
            if (rnd(10) == 0) x->cnt = YB_QTY_ONE / 2;
            x->refund_of = -1;
            if (i > 0 && rnd(8) == 0) {              /* a refund: linked (mostly) or not */
                rl *o = &G[v * DL + rnd((unsigned)i)];
                if (o->cnt > 0 && o->refund_of < 0) {
                    x->code = o->code;
                    x->t = o->t + 3600;
                    x->cnt = -(rnd(2) ? o->cnt : YB_QTY_ONE / 2);
                    if (rnd(4)) x->refund_of = (int)(o - G);
                }
            }
        }
    /* netting */
    for (int k = 0; k < DV * DL; k++) G[k].eff = G[k].cnt;
    for (int k = 0; k < DV * DL; k++)
        if (G[k].refund_of >= 0) {
            G[G[k].refund_of].eff += G[k].cnt;
            G[k].eff = 0;
        }
}

/* lines of visit v with code c and eff != 0, in time order (naive selection sort) */
static size_t pick(int v, const char *c, int *out) {
    size_t n = 0;
    for (int k = v * DL; k < (v + 1) * DL; k++)
        if (G[k].eff && !strcmp(G[k].code, c)) out[n++] = k;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (rl_before(&G[out[j]], &G[out[i]])) {
                int t = out[i];
                out[i] = out[j];
                out[j] = t;
            }
    return n;
}

static void naive_frequency(void) {
    static const struct { const char *code; int limit; } F[] = {
        {"001102000050000", 1}, {"003106030010000", 24}, {"001109000010000", 1}, {"001103000010000", 1}};
    for (size_t f = 0; f < 4; f++) {
        yb_qty lim = (yb_qty)F[f].limit * YB_QTY_ONE;
        for (int v = 0; v < DV; v++) {
            int ls[DL];
            size_t n = pick(v, F[f].code, ls);
            for (size_t a = 0; a < n; a++) {
                yb_date d = rdate(&G[ls[a]]);
                int first = 1;
                for (size_t b = 0; b < a; b++) first &= rdate(&G[ls[b]]) != d;
                if (!first) continue;
                /* paid earlier that day: earlier visits' lines of the code, minus their want */
                yb_qty total = 0;
                for (int k = 0; k < v * DL; k++)
                    if (G[k].eff && !strcmp(G[k].code, F[f].code) && rdate(&G[k]) == d)
                        total += G[k].eff > 0 ? G[k].eff - G[k].want : G[k].eff;
                for (size_t b = 0; b < n; b++)
                    if (rdate(&G[ls[b]]) == d) total += G[ls[b]].eff;
                yb_qty ex = total - lim;
                for (size_t b = n; b-- > 0 && ex > 0;) {
                    rl *x = &G[ls[b]];
                    if (rdate(x) != d || x->eff <= 0) continue;
                    x->want = x->eff < ex ? x->eff : ex;
                    ex -= x->want;
                }
            }
        }
    }
}

static void naive_cycle(void) {
    static const struct { const char *code; int m; } C[] = {{"002503020030000", 15}, {"002503020020000", 7}};
    for (size_t c = 0; c < 2; c++)
        for (int v = 0; v < DV; v++) {
            int ls[DL];
            size_t n = pick(v, C[c].code, ls);
            for (size_t a = 0; a < n; a++) {
                rl *x = &G[ls[a]];
                if (x->eff < 0) continue;
                yb_date d = rdate(x);
                yb_qty paid = 0;
                /* everything processed before x: earlier visits, and earlier lines of this visit */
                for (int k = 0; k < DV * DL; k++) {
                    rl *y = &G[k];
                    int before = y->visit < v || (y->visit == v && rl_before(y, x));
                    if (!before || !y->eff || strcmp(y->code, C[c].code) || rdate(y) > d || rdate(y) < d - C[c].m + 1) continue;
                    paid += y->eff > 0 ? y->eff - y->want : y->eff;
                }
                yb_qty allowed = YB_QTY_ONE - paid;
                if (allowed < x->eff) x->want = allowed <= 0 ? x->eff : x->eff - allowed;
            }
        }
}

static void naive_duplicate(void) {
    for (int k = 0; k < DV * DL; k++) {
        rl *s = &G[k];
        if (s->eff <= 0) continue;
        for (size_t p = 0; p < NPAIRS && !s->want; p++) {
            if (strcmp(PAIRS[p].sub, s->code)) continue;
            yb_qty sum = 0;
            for (int j = 0; j < DV * DL; j++) {
                rl *m = &G[j];
                if (!m->eff || strcmp(m->code, PAIRS[p].main)) continue;
                if (PAIRS[p].win == 1 && m->visit != s->visit) continue;
                if (m->visit > s->visit) continue;                /* later visits are not seen */
                yb_datetime dtm = m->t > s->t ? m->t - s->t : s->t - m->t;
                int in = PAIRS[p].win == 0 ? rdate(m) == rdate(s) : PAIRS[p].win == 1 ? 1
                         : PAIRS[p].win == 2 ? dtm < 6 * 3600 : dtm < 3600;
                if (in) sum += m->eff;
            }
            if (sum > 0) s->want = s->eff;
        }
    }
}

static void diff_rule(const char *ids, void (*naive)(void)) {
    yb_audit_history *h = yb_audit_history_new();
    yb_audit_hits hs = {0};
    yb_err err;
    yb_err_clear(&err);
    size_t viol = 0;
    for (int person = 0; person < 300; person++) {
        gen_person();
        naive();
        yb_audit_history_reset(h);
        assert_int_equal(yb_auditor_select(AU, ids, &err), YB_OK);
        for (int v = 0; v < DV; v++) {
            yb_audit_visit vis;
            tv w = INP;
            char id[8];
            snprintf(id, sizeof id, "V%d", v);
            w.mdtrt = id;
            w.fix = v == 1 ? "H2" : "H1";
            mk_visit(&vis, &MAN, &w, NULL, 0);
            for (int i = 0; i < DL; i++) {
                rl *x = &G[v * DL + i];
                yb_audit_line *l = &LINES[i];
                memset(l, 0, sizeof *l);
                snprintf(l->line.feedetl_sn, sizeof l->line.feedetl_sn, "%s", x->sn);
                snprintf(l->line.med_list_codg, sizeof l->line.med_list_codg, "%s", x->code);
                l->line.fee_ocur_time = x->t;
                l->line.cnt = x->cnt;
                l->line.pric = 10 * YB_PRICE_ONE;
                assert_int_equal(yb_fen_of_qty_price(x->cnt, l->line.pric, &l->line.sumamt), YB_OK);
                if (x->refund_of >= 0) snprintf(l->init_feedetl_sn, sizeof l->init_feedetl_sn, "%s", G[x->refund_of].sn);
            }
            vis.lines = LINES;
            vis.n_lines = DL;
            yb_audit_hits_clear(&hs);
            assert_int_equal(yb_audit_visit_run(AU, h, &vis, yb_audit_hits_add, &hs, &err), YB_OK);
            yb_qty got[DL] = {0};
            for (size_t k = 0; k < hs.n; k++) {
                if (strcmp(hs.hit[k].rule->id, ids)) continue;   /* "YB18" also selects YB18.2 */
                const yb_audit_ref *r = yb_audit_hits_refs(&hs, k);
                for (size_t j = 0; j < hs.hit[k].n_refs; j++)
                    if (r[j].item_type == 1) {
                        assert_true(r[j].line < DL);
                        got[r[j].line] += r[j].vola_qty;
                    }
            }
            for (int i = 0; i < DL; i++) {
                if (got[i] != G[v * DL + i].want)
                    fail_msg("%s person %d visit %d line %s code %s: engine %lld, naive %lld", ids, person, v,
                             G[v * DL + i].sn, G[v * DL + i].code, (long long)got[i], (long long)G[v * DL + i].want);
                viol += got[i] > 0;
            }
        }
    }
    assert_true(viol > 50);   /* the generated data does exercise the rule */
    yb_audit_hits_free(&hs);
    yb_audit_history_free(h);
}

static void test_differential(void **state) {
    (void)state;
    load_pairs();
    diff_rule("YB18", naive_frequency);
    diff_rule("YB18.2", naive_cycle);
    diff_rule("YB25", naive_duplicate);
}

/* ------------------------------------------------------------------ loading errors */

static char DIR_[64];

static void put(const char *name, const char *text) {
    char p[160];
    snprintf(p, sizeof p, "%s/%s", DIR_, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void rm(const char *name) {
    char p[160];
    snprintf(p, sizeof p, "%s/%s", DIR_, name);
    unlink(p);
}

#define MH "id,kind,name,effect,sev_deg,vola_bhvr_type,evid,file,names_file,join,columns,where,params,version,effective,source\n"
#define FREQ "序号,项目名称,限制数量,数量单位,项目编码\n1,住院诊查费,1,日,001102000050000\n"
#define FROW(params, eff) "YB18,frequency,超频次限定诊疗,deny,1,02,e,f.csv,,,code=项目编码;limit=限制数量;unit=数量单位,," params ",v," eff ",s\n"

/* Load DIR and expect the formatted error `want` (with "DIR" standing for the directory). */
static void expect_load_error(const char *want, yb_rc rc) {
    yb_audit_ruleset *rs = (yb_audit_ruleset *)&rs;   /* must be reset to NULL */
    yb_err err;
    yb_err_clear(&err);
    assert_int_equal(yb_audit_ruleset_load(DIR_, &rs, &err), rc);
    assert_null(rs);
    char got[1024], exp[1024];
    yb_err_fmt(&err, got, sizeof got);
    /* substitute the directory */
    char *o = exp;
    for (const char *p = want; *p;) {
        if (!strncmp(p, "DIR", 3)) {
            o += sprintf(o, "%s", DIR_);
            p += 3;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    assert_string_equal(got, exp);
}

static void test_load_errors(void **state) {
    (void)state;
    snprintf(DIR_, sizeof DIR_, "/tmp/yb_audit_XXXXXX");
    assert_non_null(mkdtemp(DIR_));
    put("f.csv", FREQ);

    /* a good set first: it loads, with 1 rule of 1 row */
    put("manifest.csv", MH FROW("", "2020-01-01"));
    yb_audit_ruleset *rs;
    yb_err err;
    yb_err_clear(&err);
    assert_int_equal(yb_audit_ruleset_load(DIR_, &rs, &err), YB_OK);
    assert_int_equal(yb_audit_ruleset_count(rs), 1);
    assert_int_equal(yb_audit_ruleset_rows(rs), 1);
    yb_audit_ruleset_free(rs);

    put("manifest.csv", MH "YB18,frobnicate,x,deny,1,02,e,f.csv,,,code=项目编码,,,v,2020-01-01,s\n");
    expect_load_error("DIR/manifest.csv:2: field 'kind' value 'frobnicate': column 2: unknown rule kind (invalid)",
                      YB_E_INVALID);
    put("manifest.csv", MH FROW("", "2024-02-30"));
    expect_load_error("DIR/manifest.csv:2: field 'effective' value '2024-02-30': column 15: effective must be a "
                      "date yyyy-mm-dd (invalid)", YB_E_INVALID);
    put("manifest.csv", MH FROW("frob=1", "2020-01-01"));
    expect_load_error("DIR/manifest.csv:2: field 'params' value 'frob=1': column 13: unknown parameter 'frob' for "
                      "kind frequency (invalid)", YB_E_INVALID);
    put("manifest.csv", MH FROW("", "2020-01-01") FROW("", "2020-01-01"));
    expect_load_error("DIR/manifest.csv:3: field 'id' value 'YB18': column 1: rule id repeated (line 2) (duplicate)",
                      YB_E_DUPLICATE);
    put("manifest.csv", MH "YB18,frequency,x,forbid,1,02,e,f.csv,,,code=项目编码,,,v,2020-01-01,s\n");
    expect_load_error("DIR/manifest.csv:2: field 'effect' value 'forbid': column 4: effect must be deny, review or "
                      "warn (invalid)", YB_E_INVALID);
    /* a rule naming a file that is not there */
    put("manifest.csv", MH "YB18,frequency,x,deny,1,02,e,nope.csv,,,code=项目编码,,,v,2020-01-01,s\n");
    expect_load_error("DIR/manifest.csv:2: field 'file' value 'nope.csv': column 8: no such rule file (notfound)",
                      YB_E_NOTFOUND);
    /* a column mapped to a header that the file does not have */
    put("manifest.csv", MH "YB18,frequency,x,deny,1,02,e,f.csv,,,code=编码;limit=限制数量;unit=数量单位,,,v,2020-01-01,s\n");
    expect_load_error("DIR/f.csv:1: no column '编码' (mapped to code by DIR/manifest.csv line 2) (notfound)",
                      YB_E_NOTFOUND);
    /* a malformed cell of a rule file: file, line, column */
    put("f.csv", "序号,项目名称,限制数量,数量单位,项目编码\n1,住院诊查费,1,日,001102000050000\n2,急诊监护费,x,日,001103000010000\n");
    put("manifest.csv", MH FROW("", "2020-01-01"));
    expect_load_error("DIR/f.csv:3: field '限制数量' value 'x': column 3: limit must be a whole number > 0 (invalid)",
                      YB_E_INVALID);
    put("f.csv", "序号,项目名称,限制数量,数量单位,项目编码\n1,住院诊查费,1,周,001102000050000\n");
    expect_load_error("DIR/f.csv:2: field '数量单位' value '周': column 4: unit must be 日, 天 or 小时 (a daily limit) "
                      "(invalid)", YB_E_INVALID);
    put("f.csv", "序号,项目名称,限制数量,数量单位,项目编码\n1,住院诊查费,1,日,0011-0200\n");
    expect_load_error("DIR/f.csv:2: field '项目编码' value '0011-0200': column 5: not a code (letters and digits, at "
                      "most 63) (invalid)", YB_E_INVALID);
    /* CSV syntax: a row with a missing field */
    put("f.csv", "序号,项目名称,限制数量,数量单位,项目编码\n1,住院诊查费,1,日,001102000050000\n2,x,1,日\n");
    expect_load_error("DIR/f.csv:3: 4 fields where the header has 5 (invalid)", YB_E_INVALID);
    /* the same code with two different limits */
    put("f.csv", "序号,项目名称,限制数量,数量单位,项目编码\n1,住院诊查费,1,日,001102000050000\n2,住院诊查费,2,日,001102000050000\n");
    expect_load_error("DIR/f.csv:3: field '项目编码' value '001102000050000': column 5: code 001102000050000 already "
                      "has a different value (line 2) (duplicate)", YB_E_DUPLICATE);
    /* names <-> codes join */
    put("n.csv", "药品通用名,药品说明,限定类型,限定对象\n甲药,,限定性别对象,男\n乙药,,限定性别对象,女\n");
    put("c.csv", "药品通用名,序号,药品代码,限定类型\n甲药,1,XA01AAA001A001010100001,限定性别对象\n");
    put("manifest.csv", MH "YB09,gender,超性别对象限定用药,deny,1,03,e,c.csv,n.csv,药品通用名,code=药品代码;value=限定对象,,,v,2020-01-01,s\n");
    expect_load_error("DIR/n.csv:3: field '药品通用名' value '乙药': column 1: generic name has no codes in c.csv (notfound)",
                      YB_E_NOTFOUND);
    put("c.csv", "药品通用名,序号,药品代码,限定类型\n甲药,1,XA01AAA001A001010100001,限定性别对象\n乙药,1,XA01AAA001A001010100002,限定性别对象\n丙药,1,XA01AAA001A001010100003,限定性别对象\n");
    expect_load_error("DIR/c.csv:4: field '药品通用名' value '丙药': column 1: generic name not in n.csv (notfound)",
                      YB_E_NOTFOUND);
    put("c.csv", "药品通用名,序号,药品代码,限定类型\n甲药,1,XA01AAA001A001010100001,限定性别对象\n乙药,1,XA01AAA001A001010100002,限定性别对象\n");
    put("n.csv", "药品通用名,药品说明,限定类型,限定对象\n甲药,,限定性别对象,男\n乙药,,限定性别对象,无\n");
    expect_load_error("DIR/n.csv:3: field '限定对象' value '无': column 4: gender must be 男 or 女 (invalid)", YB_E_INVALID);
    /* the course text must be readable */
    put("k.csv", "序号,项目名称,备注,项目代码\n1,手功能评定,随便,003402000050000\n");
    put("manifest.csv", MH "YB20,course,x,deny,1,02,e,k.csv,,,code=项目代码;value=备注,,,v,2020-01-01,s\n");
    expect_load_error("DIR/k.csv:2: field '备注' value '随便': column 3: cannot read a course limit (expected "
                      "N天, 支付不超过N天, 总时间不超过N天, 间隔时间不短于N天, 支付不超过一年 or 每周最多支付一次) (invalid)",
                      YB_E_INVALID);
    /* manifest without a column */
    put("manifest.csv", "id,kind\nYB18,frequency\n");
    expect_load_error("DIR/manifest.csv:1: missing column 'name' (invalid)", YB_E_INVALID);
    /* no manifest at all */
    rm("manifest.csv");
    yb_err_clear(&err);
    rs = NULL;
    assert_int_equal(yb_audit_ruleset_load(DIR_, &rs, &err), YB_E_IO);
    assert_null(rs);

    rm("f.csv");
    rm("n.csv");
    rm("c.csv");
    rm("k.csv");
    rmdir(DIR_);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_set),
        cmocka_unit_test(test_gender),
        cmocka_unit_test(test_age),
        cmocka_unit_test(test_insutype_medtype_hosplv),
        cmocka_unit_test(test_quantity_swap_phantom),
        cmocka_unit_test(test_frequency),
        cmocka_unit_test(test_cycle),
        cmocka_unit_test(test_course),
        cmocka_unit_test(test_drug_course),
        cmocka_unit_test(test_total),
        cmocka_unit_test(test_duplicate),
        cmocka_unit_test(test_surcharge),
        cmocka_unit_test(test_related_split),
        cmocka_unit_test(test_primary_secondary),
        cmocka_unit_test(test_bed_days),
        cmocka_unit_test(test_readmission_low_dup),
        cmocka_unit_test(test_effective_and_deny),
        cmocka_unit_test(test_medimodel_set),
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_load_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
