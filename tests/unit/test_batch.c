/*
 * test_batch.c — batch settlement of extract tables (service/batch.c, io/extract.c) on small tables
 * written here, in scrambled orders: amounts to the fen against hand computation, every kind of
 * rejected visit with its exact report, identical output whatever the input order and whatever the
 * sort memory (in memory, spilled, merged in passes), missing columns refused before anything is
 * written, and the row mapping of io/extract.c on its own.
 *
 * Reference data is built here: a catalogue in C and a policy from JSON text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <cmocka.h>

#include "yibao/batch.h"
#include "yibao/extract.h"
#include "yibao/policy.h"
#include "yibao/refdata.h"

/* ------------------------------------------------------------------ reference data */

/* Area 360100 from 2025-01-01.
 *   310 employees, with an account: outpatient block (med_type 11), deductible 100 a year,
 *       ratio 50 %, annual cap 150 (cap group otp).
 *   390 residents: inpatient block (med_type 21), deductible 200 per admission, ratio 80 %, no cap. */
static const char *policy_json =
    "{\"admdvs\":\"360100\",\"version\":\"t1\",\"effective_from\":\"2025-01-01\","
    " \"insutypes\":{"
    "  \"310\":{\"account\":true,\"blocks\":[{\"name\":\"otp\",\"med_types\":[\"11\"],"
    "     \"deductible\":{\"per\":\"year\",\"by_class\":{\"1\":\"100\",\"2\":\"100\",\"3\":\"100\"}},"
    "     \"ratio\":{\"1\":\"0.50\",\"2\":\"0.50\",\"3\":\"0.50\"},\"cap_group\":\"otp\",\"annual_cap\":{\"all\":\"150\"}}]},"
    "  \"390\":{\"blocks\":[{\"name\":\"ipt\",\"med_types\":[\"21\"],"
    "     \"deductible\":{\"per\":\"admission\",\"by_class\":{\"1\":\"200\",\"2\":\"200\",\"3\":\"200\"}},"
    "     \"ratio\":{\"1\":\"0.80\",\"2\":\"0.80\",\"3\":\"0.80\"},\"cap_group\":\"ipt\"}]}}}";

/* Catalogue, every area, from 2025-01-01: A 甲 (no pre-self-pay, no cap); B 乙 with 10 %
 * pre-self-pay and a price cap of 50.00 in level class 3 only. Any other code is outside it. */
static yb_refdata *make_refdata(void) {
    yb_err e;
    yb_err_clear(&e);
    yb_refdata *rd = yb_refdata_new();
    assert_non_null(rd);
    yb_cat_entry a;
    memset(&a, 0, sizeof a);
    strcpy(a.code, "A");
    strcpy(a.chrgitm_lv, "01");
    a.cap[1] = a.cap[2] = a.cap[3] = -1;
    assert_int_equal(yb_date_parse("2025-01-01", 10, &a.begndate), YB_OK);
    a.enddate = YB_DATE_MAX;
    assert_int_equal(yb_catalog_add(rd->catalog, &a, &e), YB_OK);
    yb_cat_entry b = a;
    strcpy(b.code, "B");
    strcpy(b.chrgitm_lv, "02");
    b.selfpay_prop = 1000;               /* 0.1000 */
    b.cap[3] = 50 * YB_PRICE_ONE;        /* 50.000000 */
    assert_int_equal(yb_catalog_add(rd->catalog, &b, &e), YB_OK);
    yb_policy *p = NULL;
    assert_int_equal(yb_policy_from_json(policy_json, strlen(policy_json), "policy.json", &p, &e), YB_OK);
    assert_int_equal(yb_refdata_add_policy(rd, p, &e), YB_OK);
    return rd;
}

/* ------------------------------------------------------------------ the tables */

static const char *const MH[] = {"mdtrt_id", "psn_no", "psn_name", "certno", "insutype", "psn_type", "cvlserv_flag",
                                 "sp_psn_type", "insu_admdvs", "gend", "brdy", "age", "fixmedins_code",
                                 "fixmedins_name", "hosp_lv", "fix_blng_admdvs", "begntime", "endtime", "med_type",
                                 "rloc_type", "vali_flag", "acct_used_flag"};
#define NMH (sizeof MH / sizeof MH[0])
enum { M_ID, M_PSN, M_NAME, M_CERT, M_INSU, M_PTYPE, M_CVL, M_SP, M_AREA, M_GEND, M_BRDY, M_AGE, M_FIX, M_FIXNAME,
       M_HOSP, M_FIXAREA, M_BEGN, M_END, M_MED, M_RLOC, M_VALI, M_ACCT };

static const char *const FH[] = {"bkkp_sn", "mdtrt_id", "psn_no", "fee_ocur_time", "med_list_codg", "hilist_code",
                                 "cnt", "pric", "det_item_fee_sumamt", "memo"};
#define NFH (sizeof FH / sizeof FH[0])

typedef struct row {
    const char *f[NMH > NFH ? NMH : NFH];
} row;

#define V(id, psn, insu, hosp, begn, end, med, acct, area)                                                            \
    {{id, psn, "张三", "360102199001011234", insu, "11", "0", "", area, "1", "1990-01-01", "35", "H36010000001", \
      "示例医院", hosp, "360100", begn, end, med, "", "1", acct}}
#define L(sn, id, psn, code, cnt, pric, sum) {{sn, id, psn, "2025-03-01 09:30:00", code, "", cnt, pric, sum, "x"}}

static const row visits[] = {
    /* P1, employee, account 300.00; three outpatient visits settled in time order V1, V2, V3 */
    V("V2", "P1", "310", "03", "2025-04-10 09:00:00", "2025-04-10 09:30:00", "11", "1", "360100"),
    V("V1", "P1", "310", "05", "2025-03-01 09:00:00", "2025-03-01 10:00:00", "11", "1", "360100"),
    V("V3", "P1", "310", "05", "2025-05-20 09:00:00", "", "11", "1", "360100"),
    /* P2, resident, no account: two admissions */
    V("V4", "P2", "390", "05", "2025-02-01 08:00:00", "2025-02-05 10:00:00", "21", "0", "360100"),
    V("V5", "P2", "390", "05", "2025-06-01 08:00:00", "2025-06-03 10:00:00", "21", "0", "360100"),
    /* rejected */
    V("V6", "P3", "390", "05", "2025-03-01 08:00:00", "2025-03-01 10:00:00", "21", "0", "360100"),
    V("V7", "P3", "390", "05", "2025-03-02 08:00:00", "2025-03-02 10:00:00", "21", "0", "360100"),
    V("V8", "P3", "390", "05", "2025-03-03 08:00:00", "2025-03-03 10:00:00", "21", "0", "360100"),
    V("V9", "P4", "390", "05", "2025-03-01 08:00:00", "2025-03-01 10:00:00", "21", "0", "360100"),
    V("V10", "P4", "390", "05", "2025-03-05 08:00:00", "2025-03-05 10:00:00", "21", "0", "360100"),
    V("VD", "P5", "390", "05", "2025-03-01 08:00:00", "2025-03-01 10:00:00", "21", "0", "360100"),
    V("VD", "P5", "390", "05", "2025-03-01 08:00:00", "2025-03-01 10:00:00", "21", "0", "360100"),
    V("V11", "P6", "999", "05", "2025-03-01 08:00:00", "2025-03-01 10:00:00", "21", "0", "360100"),
    V("V12", "P6", "390", "05", "2025-03-01 08:00:00", "2025-03-01 10:00:00", "21", "0", "110100"),
    V("V13", "P6", "390", "05", "2025-02-30 08:00:00", "2025-03-01 10:00:00", "21", "0", "360100"),
    V("V14", "P7", "310", "05", "2025-03-01 08:00:00", "2025-03-01 10:00:00", "11", "1", "360100"),
};
#define NV (sizeof visits / sizeof visits[0])

static const row lines[] = {
    L("L1", "V1", "P1", "A", "2", "30", "60.00"),        L("L2", "V1", "P1", "B", "1", "100", "100.00"),
    L("L3", "V1", "P1", "Z", "1", "40", "40.00"),        L("L4", "V2", "P1", "B", "2", "80", "160.00"),
    L("L5", "V3", "P1", "A", "1", "300", "300.00"),      L("L6", "V4", "P2", "A", "10", "100.5", "1005.00"),
    L("L7", "V5", "P2", "A", "1", "150", "150.00"),      L("L8", "V6", "P3", "A", "1.00001", "10", "10.00"),
    L("L9", "V7", "P3", "A", "3", "10", "31.00"),        L("D1", "V8", "P3", "A", "1", "10", "10.00"),
    L("D1", "V8", "P3", "A", "2", "10", "20.00"),        L("L10", "V9", "P4", "A", "1", "abc", "10.00"),
    L("L11", "VX", "P4", "A", "1", "10", "10.00"),       L("L12", "VX", "P4", "A", "1", "10", "10.00"),
    L("L13", "VD", "P5", "A", "1", "10", "10.00"),       L("L14", "V11", "P6", "A", "1", "10", "10.00"),
    L("L15", "V12", "P6", "A", "1", "10", "10.00"),      L("L16", "V13", "P6", "A", "1", "10", "10.00"),
    L("L17", "V14", "P7", "A", "1", "10", "10.00"),
};
#define NL (sizeof lines / sizeof lines[0])

static const char *balances = "psn_no,insutype,balc\nP1,310,300.00\nP7,310,12.345\n";

/* A directory for one test's files. */
typedef struct fixture {
    char dir[64];
    char mdtrt[128], fee[128], acct[128], out[128], detail[128], rejects[128], tmp[128];
    long vline[NV], lline[NL]; /* line of each row in the files written */
} fixture;

static void fx_init(fixture *fx) {
    strcpy(fx->dir, "/tmp/yb_test_batchXXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->mdtrt, sizeof fx->mdtrt, "%s/mdtrt_d.csv", fx->dir);
    snprintf(fx->fee, sizeof fx->fee, "%s/fee_list_d.csv", fx->dir);
    snprintf(fx->acct, sizeof fx->acct, "%s/balances.csv", fx->dir);
    snprintf(fx->out, sizeof fx->out, "%s/setl_d.csv", fx->dir);
    snprintf(fx->detail, sizeof fx->detail, "%s/setldetail.csv", fx->dir);
    snprintf(fx->rejects, sizeof fx->rejects, "%s/rejects.csv", fx->dir);
    snprintf(fx->tmp, sizeof fx->tmp, "%s/tmp", fx->dir);
    assert_int_equal(mkdir(fx->tmp, 0700), 0);
}

static void rm_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        struct stat sb;
        if (!lstat(p, &sb) && S_ISDIR(sb.st_mode)) rm_tree(p);
        else unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static size_t count_entries(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
    closedir(d);
    return n;
}

/* Deterministic shuffle of 0..n-1 (seed 0 = identity). */
static void order(size_t *ix, size_t n, unsigned seed) {
    for (size_t i = 0; i < n; i++) ix[i] = i;
    uint32_t s = seed * 2654435761u + 1;
    for (size_t i = n; seed && i > 1; i--) {
        s = s * 1664525u + 1013904223u;
        size_t j = (s >> 8) % i;
        size_t t = ix[i - 1];
        ix[i - 1] = ix[j];
        ix[j] = t;
    }
}

static void write_table(const char *path, const char *const *hdr, size_t nh, const row *rows, size_t n, unsigned seed,
                        long *line_of) {
    size_t ix[64];
    assert_true(n <= 64);
    order(ix, n, seed);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    yb_csv_put_row(f, hdr, nh);
    for (size_t k = 0; k < n; k++) {
        yb_csv_put_row(f, rows[ix[k]].f, nh);
        line_of[ix[k]] = (long)k + 2;
    }
    fclose(f);
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

static int starts_with(const char *s, const char *p) { return !strncmp(s, p, strlen(p)); }

/* Collected callbacks. */
typedef struct seen {
    char rej[32][400];
    int nrej;
    int settled;
    yb_fen medfee, fund, psn;
} seen;

static void on_rej(void *ctx, const yb_reject *r) {
    seen *s = ctx;
    if (s->nrej < 32)
        snprintf(s->rej[s->nrej++], sizeof s->rej[0], "%s:%ld %s %s field '%s' value '%s': %s (%s)", r->file, r->line,
                 r->mdtrt_id, r->psn_no, r->err->field, r->err->value, r->err->msg, yb_rc_str(r->err->rc));
}

static void on_setl(void *ctx, const yb_person *p, const yb_visit *v, const char *name, const yb_settlement *s) {
    (void)p;
    (void)v;
    (void)name;
    seen *x = ctx;
    x->settled++;
    x->medfee += s->medfee_sumamt;
    x->fund += s->fund_pay_sumamt;
    x->psn += s->psn_part_amt;
}

static yb_rc run_batch(const yb_refdata *rd, fixture *fx, size_t run_bytes, seen *sn, yb_batch_stats *st, yb_err *e) {
    yb_batch_opts o;
    memset(&o, 0, sizeof o);
    o.mdtrt_path = fx->mdtrt;
    o.fee_path = fx->fee;
    o.acct_path = fx->acct;
    o.out_path = fx->out;
    o.detail_path = fx->detail;
    o.rejects_path = fx->rejects;
    o.tmpdir = fx->tmp;
    o.run_bytes = run_bytes;
    o.on_rejected = on_rej;
    o.on_settled = on_setl;
    o.ctx = sn;
    memset(sn, 0, sizeof *sn);
    yb_err_clear(e);
    return yb_batch_settle(rd, &o, st, e);
}

/* The value of column `col` in the setl_d row of mdtrt_id `id` (static buffer). */
static const char *setl_value(const char *path, const char *id, const char *col) {
    static char v[256];
    yb_csv *c = NULL;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_csv_open(path, &c, &e), YB_OK);
    int ci = yb_csv_col(c, col), mi = yb_csv_col(c, "mdtrt_id");
    assert_true(ci >= 0 && mi >= 0);
    v[0] = '\0';
    int found = 0;
    while (yb_csv_next(c, &e) == 1)
        if (!strcmp(yb_csv_field(c, mi, NULL), id)) {
            snprintf(v, sizeof v, "%s", yb_csv_field(c, ci, NULL));
            found++;
        }
    yb_csv_close(c);
    if (found != 1) fail_msg("setl_d has %d rows of %s", found, id);
    return v;
}

#define CHECK(id, col, want) assert_string_equal(setl_value(fx.out, id, col), want)

/* ------------------------------------------------------------------ tests */

static void test_settles_to_the_fen(void **state) {
    (void)state;
    yb_refdata *rd = make_refdata();
    fixture fx;
    fx_init(&fx);
    write_table(fx.mdtrt, MH, NMH, visits, NV, 7, fx.vline);
    write_table(fx.fee, FH, NFH, lines, NL, 11, fx.lline);
    write_text(fx.acct, balances);
    seen sn;
    yb_batch_stats st;
    yb_err e;
    yb_rc rc = run_batch(rd, &fx, 0, &sn, &st, &e);
    char eb[512];
    if (rc) fail_msg("%s", yb_err_fmt(&e, eb, sizeof eb));
    assert_int_equal(st.visits, NV);
    assert_int_equal(st.lines, NL);
    assert_int_equal(st.settled, 5);
    assert_int_equal(sn.settled, 5);
    assert_int_equal(st.persons, 7);
    assert_int_equal(st.runs, 0); /* all in memory */
    assert_int_equal(count_entries(fx.tmp), 0); /* the sort directory is gone */

    /* V1 (P1, hosp_lv 05 = class 2, 2025-03-01): A 2 x 30 = 60.00 甲; B 1 x 100 = 100.00 乙, pre-self-pay
     * round(100.00 x 0.10) = 10.00, in-scope 90.00; Z 40.00 outside the catalogue.
     * medfee 200.00 = fulamt 40.00 + overlmt 0 + pre 10.00 + inscp 150.00.
     * Deductible per year 100, none paid yet: act_pay_dedc 100.00; eligible 50.00 x 0.50 = 25.00 (cap 150 left).
     * psn 200.00 - 25.00 = 175.00; account min(300.00, 175.00) = 175.00, cash 0, balance 125.00. */
    CHECK("V1", "medfee_sumamt", "200.00");
    CHECK("V1", "fulamt_ownpay_amt", "40.00");
    CHECK("V1", "overlmt_selfpay", "0.00");
    CHECK("V1", "preselfpay_amt", "10.00");
    CHECK("V1", "inscp_amt", "150.00");
    CHECK("V1", "dedc_std", "100.00");
    CHECK("V1", "crt_dedc", "100.00");
    CHECK("V1", "act_pay_dedc", "100.00");
    CHECK("V1", "hifp_pay", "25.00");
    CHECK("V1", "pool_prop_selfpay", "0.5000");
    CHECK("V1", "fund_pay_sumamt", "25.00");
    CHECK("V1", "psn_pay", "175.00");
    CHECK("V1", "acct_pay", "175.00");
    CHECK("V1", "cash_payamt", "0.00");
    CHECK("V1", "balc", "125.00");
    /* V2 (hosp_lv 03 = class 3, 2025-04-10): B 2 x 80 = 160.00 above the cap 50: capped round(2 x 50) = 100.00,
     * overlmt 60.00, pre round(100.00 x 0.10) = 10.00, inscp 90.00. Deductible already met (crt_dedc 0);
     * pool 90.00 x 0.50 = 45.00 (cap left 150 - 25 = 125). psn 160.00 - 45.00 = 115.00, all from the
     * account (125.00 left): balance 10.00. */
    CHECK("V2", "medfee_sumamt", "160.00");
    CHECK("V2", "overlmt_selfpay", "60.00");
    CHECK("V2", "preselfpay_amt", "10.00");
    CHECK("V2", "inscp_amt", "90.00");
    CHECK("V2", "crt_dedc", "0.00");
    CHECK("V2", "hifp_pay", "45.00");
    CHECK("V2", "acct_pay", "115.00");
    CHECK("V2", "balc", "10.00");
    /* V3 (no endtime: begntime 2025-05-20 orders it): A 300.00 in scope; pool round(300.00 x 0.50) = 150.00 is
     * more than the cap left 150 - 25 - 45 = 80.00: hifp 80.00. psn 220.00: account 10.00 (all that is
     * left), cash 210.00, balance 0.00. enddate stays empty. */
    CHECK("V3", "hifp_pay", "80.00");
    CHECK("V3", "psn_pay", "220.00");
    CHECK("V3", "acct_pay", "10.00");
    CHECK("V3", "cash_payamt", "210.00");
    CHECK("V3", "balc", "0.00");
    CHECK("V3", "begndate", "2025-05-20");
    CHECK("V3", "enddate", "");
    /* V4 (P2, 390, admission): A 10 x 100.5 = 1005.00 in scope; deductible 200.00 per admission;
     * pool (1005.00 - 200.00) x 0.80 = 644.00; psn 361.00, no account: cash 361.00. */
    CHECK("V4", "inscp_amt", "1005.00");
    CHECK("V4", "act_pay_dedc", "200.00");
    CHECK("V4", "hifp_pay", "644.00");
    CHECK("V4", "pool_prop_selfpay", "0.8000");
    CHECK("V4", "psn_pay", "361.00");
    CHECK("V4", "acct_pay", "0.00");
    CHECK("V4", "cash_payamt", "361.00");
    /* V5: 150.00, all of it deductible of this admission (min(150.00, 200.00)): pool 0.00, psn 150.00. */
    CHECK("V5", "act_pay_dedc", "150.00");
    CHECK("V5", "hifp_pay", "0.00");
    CHECK("V5", "psn_pay", "150.00");
    /* what the settlement knows, and what passes through from mdtrt_d */
    CHECK("V1", "setl_id", "SV1");
    CHECK("V1", "psn_no", "P1");
    CHECK("V1", "insutype", "310");
    CHECK("V1", "year", "2025");
    CHECK("V1", "begndate", "2025-03-01");
    CHECK("V1", "enddate", "2025-03-01");
    CHECK("V1", "acct_used_flag", "1");
    CHECK("V4", "acct_used_flag", "0");
    CHECK("V1", "refd_setl_flag", "0");
    CHECK("V1", "psn_setlway", "01");
    CHECK("V1", "hosp_lv", "05");
    CHECK("V2", "hosp_lv", "03");
    CHECK("V1", "fix_blng_admdvs", "360100");
    CHECK("V1", "fixmedins_code", "H36010000001");
    CHECK("V1", "fixmedins_name", "示例医院");
    CHECK("V1", "psn_name", "张三");
    CHECK("V1", "age", "35");
    CHECK("V1", "vali_flag", "1");
    CHECK("V1", "setl_time", "");
    CHECK("V1", "clr_optins", "");
    /* totals: medfee 200 + 160 + 300 + 1005 + 150 = 1815.00; fund 25 + 45 + 80 + 644 + 0 = 794.00;
     * person 1815.00 - 794.00 = 1021.00 */
    assert_int_equal(sn.medfee, 181500);
    assert_int_equal(sn.fund, 79400);
    assert_int_equal(sn.psn, 102100);

    /* the header: exactly the 100 national columns */
    char *out = slurp(fx.out);
    char *nl = strchr(out, '\n');
    *nl = '\0';
    int commas = 0;
    for (char *p = out; *p; p++) commas += *p == ',';
    assert_int_equal(commas, 99);
    assert_true(starts_with(out, "setl_id,clr_optins,medins_setl_id,mdtrt_id,"));
    assert_non_null(strstr(out, ",exct_item_fund_payamt,pt"));
    free(out);
    /* setldetail: the pool row of V3 with the cap left (150 - 25 - 45 - 80 = 0.00) */
    char *det = slurp(fx.detail);
    assert_true(starts_with(det, "mdtrt_id,setl_id,psn_no,fund_pay_type,fund_pay_type_name,inscp_scp_amt,fund_payamt,"
                                 "crt_payb_lmt_amt,setl_proc_info\n"));
    assert_non_null(strstr(det, "\nV3,SV3,P1,310100,otp,300.00,80.00,0.00,"));
    assert_non_null(strstr(det, "\nV4,SV4,P2,390100,ipt,1005.00,644.00,,")); /* no cap: empty */
    free(det);

    /* the rejected visits, each with its place and reason */
    assert_int_equal(st.rejected, 12);
    assert_int_equal(sn.nrej, 12);
    assert_int_equal(st.orphan_lines, 2);
    char want[32][400];
    int nw = 0;
#define WANT(...) snprintf(want[nw++], sizeof want[0], __VA_ARGS__)
    WANT("%s:%ld V6 P3 field 'cnt' value '1.00001': more than 4 decimals (precision)", fx.fee, fx.lline[7]);
    WANT("%s:%ld V7 P3 field 'det_item_fee_sumamt' value '31.00': differs from cnt x pric = 30.00 by more than 0.01 "
         "(line L9) (mismatch)", fx.fee, fx.lline[8]);
    WANT("%s:%ld V8 P3 field 'bkkp_sn' value 'D1': fee line serial number repeated in the visit (duplicate)", fx.fee,
         fx.lline[9] > fx.lline[10] ? fx.lline[9] : fx.lline[10]);
    WANT("%s:%ld V9 P4 field 'pric' value 'abc': not a non-negative decimal (invalid)", fx.fee, fx.lline[11]);
    WANT("%s:%ld V10 P4 field 'mdtrt_id' value 'V10': the visit has no fee lines in fee_list_d (invalid)", fx.mdtrt,
         fx.vline[9]);
    WANT("%s:%ld VX P4 field 'mdtrt_id' value 'VX': 2 fee line(s) of a visit that is not in mdtrt_d for this person "
         "(notfound)", fx.fee, fx.lline[12] < fx.lline[13] ? fx.lline[12] : fx.lline[13]);
    WANT("%s:%ld VD P5 field 'mdtrt_id' value 'VD': the visit appears 2 times in mdtrt_d (duplicate)", fx.mdtrt,
         fx.vline[10]);
    WANT("%s:%ld VD P5 field 'mdtrt_id' value 'VD': the visit appears 2 times in mdtrt_d (duplicate)", fx.mdtrt,
         fx.vline[11]);
    WANT("%s:%ld V11 P6 field 'insutype' value '999': insurance type not covered by policy 360100 t1 (policy)",
         fx.mdtrt, fx.vline[12]);
    WANT("%s:%ld V12 P6 field 'insu_admdvs' value '110100': no policy of this area is in force on 2025-03-01 (policy)",
         fx.mdtrt, fx.vline[13]);
    WANT("%s:%ld V13 P6 field 'begntime' value '2025-02-30 08:00:00': not a time yyyy-MM-dd HH:mm:ss (invalid)",
         fx.mdtrt, fx.vline[14]);
    WANT("%s:3 V14 P7 field 'balc' value '12.345': more than 2 decimals (precision)", fx.acct);
#undef WANT
    assert_int_equal(nw, 12);
    for (int i = 0; i < nw; i++) {
        int found = 0;
        for (int k = 0; k < sn.nrej; k++) found += !strcmp(want[i], sn.rej[k]);
        if (found != 1) {
            for (int k = 0; k < sn.nrej; k++) print_message("got: %s\n", sn.rej[k]);
            fail_msg("want once: %s", want[i]);
        }
    }
    /* the rejects file says the same */
    char *rj = slurp(fx.rejects);
    assert_true(starts_with(rj, "file,line,mdtrt_id,psn_no,field,value,rc,message\n"));
    char l7[256];
    snprintf(l7, sizeof l7, "\n%s,%ld,V7,P3,det_item_fee_sumamt,31.00,mismatch,differs from cnt x pric = 30.00 by more "
                            "than 0.01 (line L9)\n", fx.fee, fx.lline[8]);
    assert_non_null(strstr(rj, l7));
    free(rj);
    /* nothing of a rejected visit is in setl_d or setldetail */
    out = slurp(fx.out);
    det = slurp(fx.detail);
    const char *gone[] = {"V6", "V7", "V8", "V9", "V10", "VD", "VX", "V11", "V12", "V13", "V14"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
        char k[16];
        snprintf(k, sizeof k, "S%s,", gone[i]);
        assert_null(strstr(out, k));
        snprintf(k, sizeof k, "\n%s,", gone[i]);
        assert_null(strstr(det, k));
    }
    free(out);
    free(det);
    rm_tree(fx.dir);
    yb_refdata_free(rd);
}

/* The same tables in other orders, and with the least sort memory: byte-identical outputs (the
 * spilled, merged case of the same comparison is test_many_runs). */
static void test_order_and_memory_do_not_matter(void **state) {
    (void)state;
    yb_refdata *rd = make_refdata();
    char *ref_out = NULL, *ref_det = NULL;
    const struct {
        unsigned vseed, lseed;
        size_t run_bytes;
    } cases[] = {{0, 0, 0}, {3, 5, 0}, {9, 2, 0}, {7, 11, 4096}, {1, 1, 4096}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture fx;
        fx_init(&fx);
        write_table(fx.mdtrt, MH, NMH, visits, NV, cases[i].vseed, fx.vline);
        write_table(fx.fee, FH, NFH, lines, NL, cases[i].lseed, fx.lline);
        write_text(fx.acct, balances);
        seen sn;
        yb_batch_stats st;
        yb_err e;
        assert_int_equal(run_batch(rd, &fx, cases[i].run_bytes, &sn, &st, &e), YB_OK);
        assert_int_equal(st.settled, 5);
        assert_int_equal(st.rejected, 12);
        char *o = slurp(fx.out), *d = slurp(fx.detail);
        if (!ref_out) {
            ref_out = o;
            ref_det = d;
        } else {
            assert_string_equal(o, ref_out);
            assert_string_equal(d, ref_det);
            free(o);
            free(d);
        }
        assert_int_equal(count_entries(fx.tmp), 0);
        rm_tree(fx.dir);
    }
    free(ref_out);
    free(ref_det);
    yb_refdata_free(rd);
}

/* 1500 persons, one visit of two lines each: with 4 KiB runs the visits make more than 64 runs, so
 * they are merged in passes; the result is the in-memory one, byte for byte. */
static void test_many_runs(void **state) {
    (void)state;
    yb_refdata *rd = make_refdata();
    fixture fx;
    fx_init(&fx);
    FILE *m = fopen(fx.mdtrt, "w"), *f = fopen(fx.fee, "w");
    assert_non_null(m);
    assert_non_null(f);
    yb_csv_put_row(m, MH, NMH);
    yb_csv_put_row(f, FH, NFH);
    for (int i = 1499; i >= 0; i--) {
        char id[16], psn[16], sn1[16], sn2[16], cnt[8], day[32];
        snprintf(id, sizeof id, "M%04d", i);
        snprintf(psn, sizeof psn, "Q%04d", (i * 7919) % 1500);
        snprintf(sn1, sizeof sn1, "F%04da", i);
        snprintf(sn2, sizeof sn2, "F%04db", i);
        snprintf(cnt, sizeof cnt, "%d", 1 + i % 9);
        snprintf(day, sizeof day, "2025-%02d-%02d 08:00:00", 1 + i % 12, 1 + i % 28);
        row v = V(id, psn, i % 2 ? "310" : "390", "05", day, "", i % 2 ? "11" : "21", "1", "360100");
        row a = L(sn1, id, psn, "A", cnt, "12.5", "0"), b = L(sn2, id, psn, "B", "1", "99", "99.00");
        char sum[32];
        snprintf(sum, sizeof sum, "%d.%02d", (1 + i % 9) * 25 / 2, (1 + i % 9) % 2 ? 50 : 0);
        a.f[8] = sum;
        yb_csv_put_row(m, v.f, NMH);
        yb_csv_put_row(f, a.f, NFH);
        yb_csv_put_row(f, b.f, NFH);
    }
    fclose(m);
    fclose(f);
    write_text(fx.acct, "psn_no,insutype,balc\n");
    seen sn;
    yb_batch_stats st;
    yb_err e;
    assert_int_equal(run_batch(rd, &fx, 0, &sn, &st, &e), YB_OK);
    assert_int_equal(st.settled, 1500);
    assert_int_equal(st.rejected, 0);
    assert_int_equal(st.runs, 0);
    /* every visit: medfee = fund + person */
    assert_int_equal(sn.medfee, sn.fund + sn.psn);
    char *ref = slurp(fx.out), *ref_det = slurp(fx.detail);
    assert_int_equal(run_batch(rd, &fx, 4096, &sn, &st, &e), YB_OK);
    assert_int_equal(st.settled, 1500);
    assert_true(st.runs > 2 * 64);              /* the visits alone make more than 64 runs */
    assert_true(st.peak_run_files < st.runs);   /* merged as they come, not all open at once */
    assert_true(st.peak_run_files <= 4 * 64);
    char *o = slurp(fx.out), *d = slurp(fx.detail);
    assert_string_equal(o, ref);
    assert_string_equal(d, ref_det);
    free(o);
    free(d);
    free(ref);
    free(ref_det);
    assert_int_equal(count_entries(fx.tmp), 0);
    rm_tree(fx.dir);
    yb_refdata_free(rd);
}

/* A missing column stops the batch before anything is written; so does an unreadable table. */
static void test_missing_column(void **state) {
    (void)state;
    yb_refdata *rd = make_refdata();
    fixture fx;
    fx_init(&fx);
    write_table(fx.mdtrt, MH, NMH, visits, NV, 0, fx.vline);
    /* fee_list_d without det_item_fee_sumamt */
    static const char *const fh[] = {"bkkp_sn", "mdtrt_id", "psn_no", "fee_ocur_time", "med_list_codg", "cnt", "pric"};
    write_table(fx.fee, fh, 7, lines, NL, 0, fx.lline);
    write_text(fx.acct, balances);
    seen sn;
    yb_batch_stats st;
    yb_err e;
    char eb[512], want[512];
    assert_int_equal(run_batch(rd, &fx, 0, &sn, &st, &e), YB_E_INVALID);
    snprintf(want, sizeof want, "%s:1: field 'det_item_fee_sumamt' value '': missing column 'det_item_fee_sumamt' (invalid)",
             fx.fee);
    assert_string_equal(yb_err_fmt(&e, eb, sizeof eb), want);
    assert_int_equal(access(fx.out, F_OK), -1);
    assert_int_equal(access(fx.rejects, F_OK), -1);
    assert_int_equal(count_entries(fx.dir), 4); /* mdtrt, fee, balances, tmp: no half-written output */
    assert_int_equal(count_entries(fx.tmp), 0);
    /* mdtrt_d without begntime */
    static const char *const mh[] = {"mdtrt_id", "psn_no", "insutype", "psn_type", "cvlserv_flag", "sp_psn_type",
                                     "insu_admdvs", "gend", "brdy", "fixmedins_code", "fixmedins_name", "hosp_lv",
                                     "fix_blng_admdvs", "endtime", "med_type", "rloc_type"};
    write_table(fx.mdtrt, mh, 16, visits, NV, 0, fx.vline);
    write_table(fx.fee, FH, NFH, lines, NL, 0, fx.lline);
    assert_int_equal(run_batch(rd, &fx, 0, &sn, &st, &e), YB_E_INVALID);
    snprintf(want, sizeof want, "%s:1: field 'begntime' value '': missing column 'begntime' (invalid)", fx.mdtrt);
    assert_string_equal(yb_err_fmt(&e, eb, sizeof eb), want);
    assert_int_equal(access(fx.out, F_OK), -1);
    /* balances without balc */
    write_table(fx.mdtrt, MH, NMH, visits, NV, 0, fx.vline);
    write_text(fx.acct, "psn_no,insutype\nP1,310\n");
    assert_int_equal(run_batch(rd, &fx, 0, &sn, &st, &e), YB_E_INVALID);
    snprintf(want, sizeof want, "%s:1: field 'balc' value '': missing column 'balc' (invalid)", fx.acct);
    assert_string_equal(yb_err_fmt(&e, eb, sizeof eb), want);
    /* a broken record in the middle of a table: the batch stops, no output */
    write_text(fx.acct, balances);
    FILE *fp = fopen(fx.fee, "a");
    fputs("L99,V1,P1,2025-03-01 09:30:00,A,,1,10\n", fp); /* 8 fields where the header has 10 */
    fclose(fp);
    assert_int_equal(run_batch(rd, &fx, 0, &sn, &st, &e), YB_E_INVALID);
    snprintf(want, sizeof want, "%s:%zu: 8 fields where the header has 10 (invalid)", fx.fee, NL + 2);
    assert_string_equal(yb_err_fmt(&e, eb, sizeof eb), want);
    assert_int_equal(access(fx.out, F_OK), -1);
    assert_int_equal(count_entries(fx.tmp), 0);
    rm_tree(fx.dir);
    yb_refdata_free(rd);
}

/* io/extract.c on its own: rows to structs, and the errors with column and value. */
static void test_extract_rows(void **state) {
    (void)state;
    const char *md = "mdtrt_id,psn_no,insutype,psn_type,cvlserv_flag,sp_psn_type,insu_admdvs,gend,brdy,hosp_lv,"
                     "fix_blng_admdvs,rloc_type,med_type,begntime,endtime,fixmedins_code,fixmedins_name,certno\n"
                     "M1,P1,310,1101,1,特困|低保,360100,2,1980-02-29,05,440300,2,21,2025-01-05 08:00:00,"
                     "2025-01-15 09:00:00,H1,医院,360102198002291234\n"
                     "M2,P1,310,1101,2,,360100,,,05,360100,,21,2025-01-05 08:00:00,,H1,医院,x\n"
                     "M3,P1,310,1101,0,,360100,,,05,360100,,21,2025-01-05 08:00:00,2025-01-04 08:00:00,H1,医院,x\n"
                     "M4,P\x01,310,1101,0,,360100,,,05,360100,,21,2025-01-05 08:00:00,,H1,医院,x\n"
                     "M5,P1,,1101,0,,360100,,,05,360100,,21,2025-01-05 08:00:00,,H1,医院,x\n";
    yb_csv *c = NULL;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_csv_open_mem(md, strlen(md), "mdtrt_d.csv", &c, &e), YB_OK);
    yb_mdtrt_map m;
    assert_int_equal(yb_mdtrt_map_init(&m, c, &e), YB_OK);
    assert_int_equal(m.acct_used_flag, -1);
    yb_person p;
    yb_visit v;
    assert_int_equal(yb_csv_next(c, &e), 1);
    assert_int_equal(yb_mdtrt_read(&m, c, &p, &v, &e), YB_OK);
    assert_string_equal(v.mdtrt_id, "M1");
    assert_string_equal(p.psn_no, "P1");
    assert_string_equal(p.insutype, "310");
    assert_string_equal(p.psn_type, "1101");
    assert_int_equal(p.cvlserv_flag, 1);
    assert_string_equal(p.sp_psn_type, "特困|低保");
    assert_string_equal(p.insu_admdvs, "360100");
    assert_int_equal(p.gend, 2);
    yb_date d;
    assert_int_equal(yb_date_parse("1980-02-29", 10, &d), YB_OK);
    assert_int_equal(p.brdy, d);
    assert_string_equal(v.hosp_lv, "05");
    assert_string_equal(v.mdtrtarea_admvs, "440300");
    assert_string_equal(v.rloc_type, "2");
    assert_string_equal(v.med_type, "21");
    assert_string_equal(v.fixmedins_code, "H1");
    yb_datetime t;
    assert_int_equal(yb_datetime_parse("2025-01-15 09:00:00", 19, &t), YB_OK);
    assert_int_equal(v.endtime, t);
    assert_int_equal(v.acct_used_flag, 0); /* no such column: 0 */
    char eb[512];
    const char *want[] = {
        "mdtrt_d.csv:3: field 'cvlserv_flag' value '2': 0 or 1 expected (invalid)",
        "mdtrt_d.csv:4: field 'endtime' value '2025-01-04 08:00:00': endtime before begntime (invalid)",
        "mdtrt_d.csv:5: field 'psn_no' value 'P\x01': control character in an id (invalid)",
        "mdtrt_d.csv:6: field 'insutype' value '': empty: a value is required (invalid)",
    };
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(yb_csv_next(c, &e), 1);
        yb_err_clear(&e);
        assert_int_not_equal(yb_mdtrt_read(&m, c, &p, &v, &e), YB_OK);
        assert_string_equal(yb_err_fmt(&e, eb, sizeof eb), want[i]);
    }
    yb_csv_close(c);

    /* fee lines: hilist_code when med_list_codg is empty; errors */
    const char *fee = "bkkp_sn,mdtrt_id,psn_no,fee_ocur_time,med_list_codg,hilist_code,cnt,pric,det_item_fee_sumamt\n"
                      "S1,M1,P1,2025-01-06 10:00:00,,H-CODE,-2.5,12.345678,-30.86\n"
                      "S2,M1,P1,,,,1,1,1\n"
                      "S3,M1,P1,2025-13-01 00:00:00,A,,1,1,1\n"
                      "S4,M1,P1,,A,,1,1,1.001\n"
                      "S5,M1,P1,,A,,1,-1,-1\n"
                      "S6,M1,P1,,A,,,1,1\n"
                      "S7,M1,P1,,A,,1e3,1,1\n"
                      ",M1,P1,,A,,1,1,1\n";
    assert_int_equal(yb_csv_open_mem(fee, strlen(fee), "fee.csv", &c, &e), YB_OK);
    yb_fee_map fm;
    assert_int_equal(yb_fee_map_init(&fm, c, &e), YB_OK);
    yb_line l;
    const char *mid, *pid;
    assert_int_equal(yb_csv_next(c, &e), 1);
    assert_int_equal(yb_fee_read(&fm, c, &l, &mid, &pid, &e), YB_OK);
    assert_string_equal(l.feedetl_sn, "S1");
    assert_string_equal(l.med_list_codg, "H-CODE");
    assert_string_equal(mid, "M1");
    assert_string_equal(pid, "P1");
    assert_int_equal(l.cnt, -25000);       /* -2.5 x 10^4 */
    assert_int_equal(l.pric, 12345678);    /* 12.345678 x 10^6 */
    assert_int_equal(l.sumamt, -3086);     /* -30.86 x 100 */
    assert_int_equal(yb_datetime_parse("2025-01-06 10:00:00", 19, &t), YB_OK);
    assert_int_equal(l.fee_ocur_time, t);
    const char *fwant[] = {
        "fee.csv:3: field 'med_list_codg' value '': empty (and so is hilist_code): a code is required (invalid)",
        "fee.csv:4: field 'fee_ocur_time' value '2025-13-01 00:00:00': not a time yyyy-MM-dd HH:mm:ss (invalid)",
        "fee.csv:5: field 'det_item_fee_sumamt' value '1.001': more than 2 decimals (precision)",
        "fee.csv:6: field 'pric' value '-1': not a non-negative decimal (invalid)",
        "fee.csv:7: field 'cnt' value '': empty: a decimal is required (invalid)",
        "fee.csv:8: field 'cnt' value '1e3': not a decimal (invalid)",
        "fee.csv:9: field 'bkkp_sn' value '': empty: a value is required (invalid)",
    };
    for (size_t i = 0; i < sizeof fwant / sizeof fwant[0]; i++) {
        assert_int_equal(yb_csv_next(c, &e), 1);
        yb_err_clear(&e);
        assert_int_not_equal(yb_fee_read(&fm, c, &l, &mid, &pid, &e), YB_OK);
        assert_string_equal(yb_err_fmt(&e, eb, sizeof eb), fwant[i]);
    }
    yb_csv_close(c);
    /* neither code column */
    const char *nocode = "bkkp_sn,mdtrt_id,psn_no,fee_ocur_time,cnt,pric,det_item_fee_sumamt\n";
    assert_int_equal(yb_csv_open_mem(nocode, strlen(nocode), "fee.csv", &c, &e), YB_OK);
    yb_err_clear(&e);
    assert_int_equal(yb_fee_map_init(&fm, c, &e), YB_E_INVALID);
    assert_string_equal(yb_err_fmt(&e, eb, sizeof eb),
                        "fee.csv:1: field 'med_list_codg' value '': missing column 'med_list_codg' (nor is there "
                        "'hilist_code') (invalid)");
    yb_csv_close(c);

    /* balances */
    const char *bal = "psn_no,insutype,balc\nP1,310,1234.5\nP2,310,-1\n";
    assert_int_equal(yb_csv_open_mem(bal, strlen(bal), "balances.csv", &c, &e), YB_OK);
    yb_balc_map bm;
    assert_int_equal(yb_balc_map_init(&bm, c, &e), YB_OK);
    const char *it;
    yb_fen balc;
    assert_int_equal(yb_csv_next(c, &e), 1);
    assert_int_equal(yb_balc_read(&bm, c, &pid, &it, &balc, &e), YB_OK);
    assert_string_equal(pid, "P1");
    assert_string_equal(it, "310");
    assert_int_equal(balc, 123450);
    assert_int_equal(yb_csv_next(c, &e), 1);
    yb_err_clear(&e);
    assert_int_equal(yb_balc_read(&bm, c, &pid, &it, &balc, &e), YB_E_INVALID);
    assert_string_equal(yb_err_fmt(&e, eb, sizeof eb),
                        "balances.csv:3: field 'balc' value '-1': not a non-negative decimal (invalid)");
    yb_csv_close(c);
}

/* The setl_d writer on its own: column plan, pass-through, exact money text, quoting. */
static void test_setl_writer(void **state) {
    (void)state;
    assert_int_equal(yb_setl_d_ncolumns, 100);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const char *src[] = {"psn_name", "medfee_sumamt", "memo", "year", "nonsense"};
    yb_setl_writer *w = yb_setl_writer_new(f, src, 5);
    assert_non_null(w);
    /* psn_name and memo pass through; medfee_sumamt and year come from the settlement, not the source */
    assert_int_equal(yb_setl_writer_npass(w), 2);
    assert_int_equal(yb_setl_writer_pass(w, 0), 0);
    assert_int_equal(yb_setl_writer_pass(w, 1), 2);
    assert_int_equal(yb_setl_writer_pass(w, 2), -1);
    yb_person p;
    yb_visit v;
    yb_settlement s;
    memset(&p, 0, sizeof p);
    memset(&v, 0, sizeof v);
    memset(&s, 0, sizeof s);
    strcpy(p.psn_no, "P1");
    strcpy(v.mdtrt_id, "M1");
    assert_int_equal(yb_datetime_parse("2025-12-31 23:59:59", 19, &v.begntime), YB_OK);
    v.endtime = YB_DATETIME_NONE;
    s.medfee_sumamt = 123456789; /* 1234567.89 */
    s.psn_part_amt = -5;         /* -0.05: exactly 2 decimals, sign kept */
    s.pool_prop = 8500;
    s.year = 2025;
    const char *pass[] = {"王, 五", "note \"x\""};
    yb_setl_write(w, "SM1", &p, &v, &s, pass);
    yb_setl_writer_free(w);
    fclose(f);
    yb_csv *c = NULL;
    yb_err e;
    yb_err_clear(&e);
    /* no header was written: read the row under a header made of the column names */
    size_t hl = 0;
    char *doc = malloc(4096 + len);
    for (size_t i = 0; i < yb_setl_d_ncolumns; i++) hl += (size_t)sprintf(doc + hl, "%s%s", i ? "," : "", yb_setl_d_columns[i]);
    doc[hl++] = '\n';
    memcpy(doc + hl, buf, len);
    assert_int_equal(yb_csv_open_mem(doc, hl + len, "setl_d", &c, &e), YB_OK);
    assert_int_equal(yb_csv_next(c, &e), 1);
#define COL(n) yb_csv_field(c, yb_csv_col(c, n), NULL)
    assert_string_equal(COL("setl_id"), "SM1");
    assert_string_equal(COL("mdtrt_id"), "M1");
    assert_string_equal(COL("psn_name"), "王, 五");
    assert_string_equal(COL("memo"), "note \"x\"");
    assert_string_equal(COL("medfee_sumamt"), "1234567.89");
    assert_string_equal(COL("psn_pay"), "-0.05");
    assert_string_equal(COL("hifp_pay"), "0.00");
    assert_string_equal(COL("pool_prop_selfpay"), "0.8500");
    assert_string_equal(COL("year"), "2025");
    assert_string_equal(COL("begndate"), "2025-12-31");
    assert_string_equal(COL("enddate"), "");
    assert_string_equal(COL("cvlserv_flag"), "0");
    assert_string_equal(COL("mid_setl_flag"), "0"); /* a batch settlement is never an interim one */
    assert_string_equal(COL("certno"), "");
#undef COL
    yb_csv_close(c);
    free(doc);
    free(buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settles_to_the_fen), cmocka_unit_test(test_order_and_memory_do_not_matter),
        cmocka_unit_test(test_many_runs),          cmocka_unit_test(test_missing_column),
        cmocka_unit_test(test_extract_rows),       cmocka_unit_test(test_setl_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
