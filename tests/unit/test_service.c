/*
 * test_service.c — the business transactions on a real SQLite file (a fresh temporary directory
 * for each test), with the example policy data/demo/policy.json, the catalogue
 * tests/golden/catalog_small.csv and the persons tests/golden/persons_small.csv:
 *
 *   A 甲 no cap · B 乙 selfpay 0.10 · C 丙 · D 甲 capped 80/90/100.00 by class 1/2/3
 *   P390A resident (390, psn_type 1501), no account · P310C retired employee (310, 1201), balance 1000.00
 *
 * Each case states the numbers it expects and how they follow from docs/settlement.md §9. "Nothing
 * changed" is checked by comparing a dump of every row of every table before and after.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "yibao/service.h"

#ifndef YB_SOURCE_DIR
#define YB_SOURCE_DIR "."
#endif

/* ---------- fixture: a loaded database ---------- */

struct fx {
    char dir[128];
    yb_db *db;
    yb_refdata *rd;
};

static const char *in_dir(const struct fx *f, const char *name) {
    static char p[2][300];
    static int k;
    k ^= 1;
    snprintf(p[k], sizeof p[k], "%s/%s", f->dir, name);
    return p[k];
}

static void write_file(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static char *slurp(const char *path) {
    FILE *fp = fopen(path, "rb");
    if (!fp) fail_msg("cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
    s[n] = '\0';
    fclose(fp);
    return s;
}

static void reload_refdata(struct fx *f) {
    yb_err e;
    yb_err_clear(&e);
    yb_refdata_free(f->rd);
    f->rd = NULL;
    assert_int_equal(yb_store_load_refdata(f->db, &f->rd, &e), YB_OK);
}

static int setup(void **state) {
    struct fx *f = calloc(1, sizeof *f);
    if (!f) return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/yb_svc_XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    yb_err e;
    yb_err_clear(&e);
    yb_load_stats st;
    if (yb_db_open(in_dir(f, "var/yibao.db"), 1, &f->db, &e) ||
        yb_svc_load_policy(f->db, YB_SOURCE_DIR "/data/demo/policy.json", &st, &e) ||
        yb_svc_load_catalog(f->db, YB_SOURCE_DIR "/tests/golden/catalog_small.csv", &st, &e) ||
        yb_svc_load_persons(f->db, YB_SOURCE_DIR "/tests/golden/persons_small.csv", &st, &e) ||
        yb_store_load_refdata(f->db, &f->rd, &e)) {
        char b[512];
        fprintf(stderr, "setup: %s\n", yb_err_fmt(&e, b, sizeof b));
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fx *f = *state;
    yb_refdata_free(f->rd);
    yb_db_close(f->db);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* ---------- reading the database ---------- */

static long long q_int(struct fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static long long q_int(struct fx *f, const char *fmt, ...) {
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(yb_db_sql(f->db), sql, -1, &st, NULL) != SQLITE_OK) fail_msg("bad test SQL: %s", sql);
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -999999;
    sqlite3_finalize(st);
    return v;
}

/* Every row of the query, each as "a|b|c\n", in the query's order. Heap string. */
static char *rows(struct fx *f, const char *sql) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(yb_db_sql(f->db), sql, -1, &st, NULL) != SQLITE_OK) fail_msg("bad test SQL: %s", sql);
    size_t cap = 1024, n = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    out[0] = '\0';
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *v = sqlite3_column_type(st, i) == SQLITE_NULL ? "NULL" : (const char *)sqlite3_column_text(st, i);
            size_t need = n + strlen(v) + 3;
            if (need > cap) {
                while (need > cap) cap *= 2;
                out = realloc(out, cap);
                assert_non_null(out);
            }
            n += (size_t)sprintf(out + n, "%s%s", v, i + 1 < sqlite3_column_count(st) ? "|" : "\n");
        }
    }
    sqlite3_finalize(st);
    return out;
}

static int cmp_line(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every row of every table, each line prefixed by its table and all lines sorted: equal dumps
 * mean equal databases. */
static char *dump(struct fx *f) {
    char *names = rows(f, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name");
    size_t cap = 4096, n = 0;
    char *all = malloc(cap);
    assert_non_null(all);
    all[0] = '\0';
    char *save = NULL;
    for (char *t = strtok_r(names, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT '%s', * FROM \"%s\"", t, t);
        char *r = rows(f, sql);
        size_t len = strlen(r);
        if (n + len + 1 > cap) {
            while (n + len + 1 > cap) cap *= 2;
            all = realloc(all, cap);
            assert_non_null(all);
        }
        memcpy(all + n, r, len + 1);
        n += len;
        free(r);
    }
    free(names);
    size_t nl = 0;
    for (size_t i = 0; i < n; i++) nl += all[i] == '\n';
    char **lines = calloc(nl + 1, sizeof *lines);
    assert_non_null(lines);
    size_t k = 0;
    for (char *p = all; *p; p = strchr(p, '\n') + 1) lines[k++] = p;
    for (size_t i = 0; i < n; i++)
        if (all[i] == '\n') all[i] = '\0';
    qsort(lines, k, sizeof *lines, cmp_line);
    char *out = malloc(n + 1);
    assert_non_null(out);
    size_t o = 0;
    for (size_t i = 0; i < k; i++) o += (size_t)sprintf(out + o, "%s\n", lines[i]);
    out[o] = '\0';
    free(lines);
    free(all);
    return out;
}

static void assert_same_dump(const char *before, const char *after) {
    if (strcmp(before, after) != 0) {
        /* show the first difference */
        size_t i = 0;
        while (before[i] && before[i] == after[i]) i++;
        size_t from = i > 120 ? i - 120 : 0;
        fail_msg("the database changed near:\n  before: %.240s\n  after:  %.240s", before + from, after + from);
    }
}

/* ---------- documents ---------- */

/* A 2207-shaped document; lines is the content of the feedetail array, balc "" or ,"balc":"x". */
static char *visit_json(const char *msgid, const char *psn, const char *insutype, const char *mdtrt, const char *med_type,
                        const char *hosp_lv, int acct, const char *endtime, const char *psn_type, const char *balc,
                        const char *lines) {
    char *s = malloc(4096);
    assert_non_null(s);
    snprintf(s, 4096,
             "{\"infno\":\"2207\",\"msgid\":\"%s\",\"mdtrtarea_admvs\":\"360100\",\"insuplc_admdvs\":\"360100\","
             "\"fixmedins_code\":\"H36010000001\",\"fixmedins_name\":\"示例医院\",\"input\":{\"data\":{"
             "\"psn_no\":\"%s\",\"mdtrt_id\":\"%s\",\"med_type\":\"%s\",\"insutype\":\"%s\",\"acct_used_flag\":\"%d\","
             "\"begntime\":\"2025-01-05 08:00:00\",\"endtime\":\"%s\",\"hosp_lv\":\"%s\"},"
             "\"feedetail\":[%s],"
             "\"psninfo\":{\"psn_type\":\"%s\",\"cvlserv_flag\":\"0\",\"sp_psn_type\":\"\",\"gend\":\"2\","
             "\"brdy\":\"1949-12-31\"%s}}}",
             msgid, psn, mdtrt, med_type, insutype, acct, endtime, hosp_lv, lines, psn_type, balc);
    return s;
}

struct settled {
    yb_rc rc;
    yb_err err;
    yb_settle_result res;
};

/* Parse and settle (pre = 1: pre-settle) the document text. */
static struct settled settle_text(struct fx *f, const char *text, int pre) {
    struct settled r;
    memset(&r, 0, sizeof r);
    yb_visit_doc d;
    memset(&d, 0, sizeof d);
    r.rc = yb_visit_doc_parse(text, strlen(text), "doc.json", &d, &r.err);
    if (r.rc) {
        char b[512];
        fail_msg("test document does not parse: %s", yb_err_fmt(&r.err, b, sizeof b));
    }
    r.rc = yb_svc_settle(f->db, f->rd, &d, text, strlen(text), pre, &r.res, &r.err);
    yb_visit_doc_release(&d);
    return r;
}

static struct settled settle_file(struct fx *f, const char *golden, int pre) {
    char path[256];
    snprintf(path, sizeof path, YB_SOURCE_DIR "/tests/golden/%s", golden);
    char *text = slurp(path);
    struct settled r = settle_text(f, text, pre);
    free(text);
    return r;
}

static void expect_ok(struct settled *r) {
    if (r->rc) {
        char b[512];
        fail_msg("settlement failed: %s", yb_err_fmt(&r->err, b, sizeof b));
    }
}

static void assert_contains(const char *hay, const char *needle) {
    if (!hay || !strstr(hay, needle)) fail_msg("'%s' not in: %.600s", needle, hay ? hay : "(null)");
}

/* The settlement's stored amount (fen). */
static long long amt(struct fx *f, const char *setl_id, const char *col) {
    return q_int(f, "SELECT %s FROM settlements WHERE setl_id='%s'", col, setl_id);
}

/* An accumulator of 2025 (an absent row is 0, as the calculator reads it). */
static long long acc(struct fx *f, const char *psn, const char *insutype, const char *key) {
    return q_int(f, "SELECT ifnull(sum(value), 0) FROM accum WHERE psn_no='%s' AND insutype='%s' AND year=2025 AND key='%s'",
                 psn, insutype, key);
}

/* Example C: retired employee, class 2 (hosp_lv 05), outpatient pool (med_type 11), 甲类 500.00. */
static char *visit_C(const char *msgid, const char *psn, const char *mdtrt, const char *balc) {
    return visit_json(msgid, psn, "310", mdtrt, "11", "05", 1, "2025-01-05 10:00:00", "1201", balc,
                      "{\"feedetl_sn\":\"1\",\"med_list_codg\":\"A\",\"cnt\":1,\"pric\":500,\"det_item_fee_sumamt\":500}");
}

/* ---------- settlement and accumulators ---------- */

static void test_settle_A_then_B(void **state) {
    struct fx *f = *state;
    struct settled a = settle_file(f, "visit_A.json", 0);
    expect_ok(&a);
    assert_string_equal(a.res.setl_id, "S000000000001");
    assert_int_equal(a.res.replayed, 0);
    assert_contains(a.res.reply, "\"setl_id\":\"S000000000001\"");
    /* A: medfee 12,200.00 = fulamt 1,000 + overlmt 200 + preselfpay 200 + inscp 10,800;
     * deductible 600 (class 3 resident); hifp = (10,800 − 600) × 0.60 = 6,120.00;
     * 大病 base 10,800 − 6,120 = 4,680 < 17,000 → 0; cash = 12,200 − 6,120 = 6,080.00 */
    static const struct { const char *col; long long fen; } A[] = {
        {"medfee_sumamt", 1220000}, {"fulamt_ownpay_amt", 100000}, {"overlmt_selfpay", 20000},
        {"preselfpay_amt", 20000},  {"inscp_scp_amt", 1080000},    {"act_pay_dedc", 60000},
        {"hifp_pay", 612000},       {"hifmi_pay", 0},              {"fund_pay_sumamt", 612000},
        {"psn_part_amt", 608000},   {"acct_pay", 0},               {"psn_cash_pay", 608000},
        {"pool_prop_selfpay", 6000}, {"year", 2025},               {"refd_setl_flag", 0},
    };
    for (size_t i = 0; i < sizeof A / sizeof A[0]; i++)
        if (amt(f, "S000000000001", A[i].col) != A[i].fen)
            fail_msg("A %s = %lld, want %lld", A[i].col, amt(f, "S000000000001", A[i].col), A[i].fen);
    assert_int_equal(q_int(f, "SELECT count(*) FROM settlements WHERE setl_id='S000000000001' AND policy_admdvs='360100'"
                              " AND policy_version='2025.1' AND block='居民住院' AND mdtrt_id='M2025A' AND psn_no='P390A'"),
                     1);
    /* the lines with their split: 1 A 8,000 in scope; 2 B 2,000 → 200 pre-self-pay + 1,800; 3 C 丙
     * 1,000 own pay; 4 D 10 × 120.00 capped at 100.00 → 200 over the cap + 1,000 */
    char *l = rows(f, "SELECT feedetl_sn, det_item_fee_sumamt, fulamt_ownpay_amt, overlmt_amt, preselfpay_amt,"
                      " inscp_scp_amt, setl_id FROM fee_lines WHERE mdtrt_id='M2025A' ORDER BY feedetl_sn");
    assert_string_equal(l, "1|800000|0|0|0|800000|S000000000001\n"
                           "2|200000|0|0|20000|180000|S000000000001\n"
                           "3|100000|100000|0|0|0|S000000000001\n"
                           "4|120000|0|20000|0|100000|S000000000001\n");
    free(l);
    assert_int_equal(q_int(f, "SELECT sum(fund_payamt) FROM setl_funds WHERE setl_id='S000000000001'"), 612000);
    /* accumulators after A: one admission, pool 6,120.00, 大病 base 4,680.00; nothing paid by 大病,
     * and a zero delta is not recorded, so that key is absent */
    assert_int_equal(acc(f, "P390A", "390", "adm/居民住院"), 1);
    assert_int_equal(acc(f, "P390A", "390", "pool/pool"), 612000);
    assert_int_equal(acc(f, "P390A", "390", "base/居民大病"), 468000);
    assert_int_equal(q_int(f, "SELECT count(*) FROM accum"), 3);

    struct settled b = settle_file(f, "visit_B.json", 0);
    expect_ok(&b);
    assert_string_equal(b.res.setl_id, "S000000000002");
    /* B: inscp 40,000; deductible 600 again (per admission); hifp = 39,400 × 0.60 = 23,640.00;
     * 大病 base 40,000 − 23,640 = 16,360; the year's base goes 4,680 → 21,040, of which 21,040 − 17,000
     * = 4,040 lies above the threshold: × 0.60 = 2,424.00; fund 26,064.00; person 13,936.00 */
    assert_int_equal(amt(f, "S000000000002", "hifp_pay"), 2364000);
    assert_int_equal(amt(f, "S000000000002", "hifmi_pay"), 242400);
    assert_int_equal(amt(f, "S000000000002", "fund_pay_sumamt"), 2606400);
    assert_int_equal(amt(f, "S000000000002", "psn_part_amt"), 1393600);
    assert_contains(b.res.reply, "\"hifmi_pay\":2424.00");
    /* accumulators after B: 2 admissions; pool 6,120 + 23,640 = 29,760; base 21,040; paid 2,424 */
    assert_int_equal(acc(f, "P390A", "390", "adm/居民住院"), 2);
    assert_int_equal(acc(f, "P390A", "390", "pool/pool"), 2976000);
    assert_int_equal(acc(f, "P390A", "390", "base/居民大病"), 2104000);
    assert_int_equal(acc(f, "P390A", "390", "paid/居民大病"), 242400);
    /* the accumulators are exactly the sum of the recorded deltas */
    char *x = rows(f, "SELECT psn_no, insutype, year, key, value FROM accum ORDER BY 1, 2, 3, 4");
    char *y = rows(f, "SELECT psn_no, insutype, year, key, sum(delta) FROM setl_deltas GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4");
    assert_string_equal(x, y);
    free(x);
    free(y);
    yb_settle_result_release(&a.res);
    yb_settle_result_release(&b.res);
}

/* B without A before it: the year's 大病 base is only 16,360 < 17,000, so the layer pays nothing —
 * the 2,424.00 above came from A's accumulators. */
static void test_B_alone(void **state) {
    struct fx *f = *state;
    struct settled b = settle_file(f, "visit_B.json", 0);
    expect_ok(&b);
    assert_string_equal(b.res.setl_id, "S000000000001");
    assert_int_equal(amt(f, "S000000000001", "hifp_pay"), 2364000);
    assert_int_equal(amt(f, "S000000000001", "hifmi_pay"), 0);
    assert_int_equal(acc(f, "P390A", "390", "base/居民大病"), 1636000);
    yb_settle_result_release(&b.res);
}

static void test_presettle_writes_nothing(void **state) {
    struct fx *f = *state;
    char *before = dump(f);
    struct settled p = settle_file(f, "visit_A.json", 1);
    expect_ok(&p);
    assert_string_equal(p.res.setl_id, "");
    assert_contains(p.res.reply, "\"hifp_pay\":6120.00");
    assert_contains(p.res.reply, "\"setl_id\":null");
    char *after = dump(f);
    assert_same_dump(before, after);
    free(before);
    free(after);
    yb_settle_result_release(&p.res);

    /* after A, pre-settling B reads A's accumulators (2,424.00 from 大病) and still writes nothing */
    struct settled a = settle_file(f, "visit_A.json", 0);
    expect_ok(&a);
    before = dump(f);
    p = settle_file(f, "visit_B.json", 1);
    expect_ok(&p);
    assert_contains(p.res.reply, "\"hifmi_pay\":2424.00");
    after = dump(f);
    assert_same_dump(before, after);
    free(after);
    yb_settle_result_release(&p.res);
    /* nor for a person the registry does not know (no person or account row appears) */
    char *c = visit_C("PRE-1", "PNEW", "MNEW", ",\"balc\":\"200.00\"");
    p = settle_text(f, c, 1);
    expect_ok(&p);
    assert_contains(p.res.reply, "\"acct_pay\":200.00");
    after = dump(f);
    assert_same_dump(before, after);
    free(after);
    free(before);
    free(c);
    yb_settle_result_release(&p.res);
    yb_settle_result_release(&a.res);
}

/* ---------- reversal ---------- */

static void test_reversal_restores(void **state) {
    struct fx *f = *state;
    struct settled a = settle_file(f, "visit_A.json", 0);
    expect_ok(&a);
    const char *state_sql = "SELECT 'a', psn_no, insutype, year, key, value FROM accum UNION ALL"
                            " SELECT 'p', psn_no, insutype, psn_type, insu_admdvs, balc FROM person_insu ORDER BY 1, 2, 3, 4, 5";
    char *before = rows(f, state_sql);
    struct settled b = settle_file(f, "visit_B.json", 0);
    expect_ok(&b);
    yb_settle_result r;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_svc_reverse(f->db, "S000000000002", "P390A", &r, &e), YB_OK);
    assert_string_equal(r.setl_id, "S000000000003");
    assert_contains(r.reply, "\"setl_id\":\"S000000000003\"");
    assert_contains(r.reply, "\"init_setl_id\":\"S000000000002\"");
    assert_contains(r.reply, "\"refd_setl_flag\":\"1\"");
    assert_contains(r.reply, "\"hifmi_pay\":-2424.00");
    assert_contains(r.reply, "\"hifp_pay\":-23640.00");
    assert_contains(r.reply, "\"medfee_sumamt\":-40000.00");
    yb_settle_result_release(&r);
    /* the accumulators and balances are those after A, exactly */
    char *after = rows(f, state_sql);
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* the original is marked, the reversal row negates every amount of it */
    assert_int_equal(q_int(f, "SELECT count(*) FROM settlements WHERE setl_id='S000000000002' AND reversed_by='S000000000003'"
                              " AND refd_setl_flag=0"),
                     1);
    assert_int_equal(q_int(f, "SELECT count(*) FROM settlements r JOIN settlements s ON s.setl_id=r.init_setl_id"
                              " WHERE r.setl_id='S000000000003' AND r.refd_setl_flag=1 AND r.psn_no=s.psn_no"
                              " AND r.mdtrt_id=s.mdtrt_id AND r.medfee_sumamt=-s.medfee_sumamt"
                              " AND r.fulamt_ownpay_amt=-s.fulamt_ownpay_amt AND r.overlmt_selfpay=-s.overlmt_selfpay"
                              " AND r.preselfpay_amt=-s.preselfpay_amt AND r.inscp_scp_amt=-s.inscp_scp_amt"
                              " AND r.act_pay_dedc=-s.act_pay_dedc AND r.hifp_pay=-s.hifp_pay AND r.hifmi_pay=-s.hifmi_pay"
                              " AND r.maf_pay=-s.maf_pay AND r.fund_pay_sumamt=-s.fund_pay_sumamt"
                              " AND r.psn_part_amt=-s.psn_part_amt AND r.acct_pay=-s.acct_pay"
                              " AND r.psn_cash_pay=-s.psn_cash_pay AND r.hosp_part_amt=-s.hosp_part_amt"),
                     1);
    assert_int_equal(amt(f, "S000000000003", "hifmi_pay"), -242400);
    assert_int_equal(q_int(f, "SELECT sum(fund_payamt) FROM setl_funds WHERE setl_id='S000000000003'"), -2606400);
    assert_int_equal(q_int(f, "SELECT sum(delta) FROM setl_deltas WHERE setl_id='S000000000003' AND key='paid/居民大病'"),
                     -242400);
    assert_int_equal(q_int(f, "SELECT count(*) FROM visits WHERE mdtrt_id='M2025B' AND state='reversed'"), 1);
    /* the reversal did not recompute A */
    assert_int_equal(amt(f, "S000000000001", "hifp_pay"), 612000);

    /* the visit may be settled again (a new message): the same numbers as before the reversal */
    char *text = slurp(YB_SOURCE_DIR "/tests/golden/visit_B.json");
    char *m = strstr(text, "H36010000001202503010900000002");
    assert_non_null(m);
    memcpy(m, "H36010000001202503010900000099", 30);
    struct settled b2 = settle_text(f, text, 0);
    expect_ok(&b2);
    assert_string_equal(b2.res.setl_id, "S000000000004");
    assert_int_equal(amt(f, "S000000000004", "hifmi_pay"), 242400);
    free(text);
    yb_settle_result_release(&a.res);
    yb_settle_result_release(&b.res);
    yb_settle_result_release(&b2.res);
}

/* Example C pays 370.00 from the account of 1,000.00; its reversal gives it back. C: class 2,
 * deductible 300 per year → eligible 200 × (0.60 + 0.05 retired) = 130.00; person 370.00 ≤ balance. */
static void test_reversal_restores_balance(void **state) {
    struct fx *f = *state;
    assert_int_equal(q_int(f, "SELECT balc FROM person_insu WHERE psn_no='P310C' AND insutype='310'"), 100000);
    char *c = visit_C("C-1", "P310C", "M2025C", "");
    struct settled s = settle_text(f, c, 0);
    expect_ok(&s);
    assert_int_equal(amt(f, s.res.setl_id, "hifp_pay"), 13000);
    assert_int_equal(amt(f, s.res.setl_id, "acct_pay"), 37000);
    assert_int_equal(amt(f, s.res.setl_id, "psn_cash_pay"), 0);
    assert_int_equal(amt(f, s.res.setl_id, "balc"), 63000);
    assert_int_equal(q_int(f, "SELECT balc FROM person_insu WHERE psn_no='P310C' AND insutype='310'"), 63000);
    assert_int_equal(acc(f, "P310C", "310", "dedc/职工门诊统筹"), 30000);
    assert_int_equal(acc(f, "P310C", "310", "pool/outpatient"), 13000);

    /* reloading the registry keeps the balance settlements have moved */
    yb_load_stats st;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_svc_load_persons(f->db, YB_SOURCE_DIR "/tests/golden/persons_small.csv", &st, &e), YB_OK);
    assert_int_equal(st.inserted, 0);
    assert_int_equal(st.updated, 2);
    assert_int_equal(q_int(f, "SELECT balc FROM person_insu WHERE psn_no='P310C' AND insutype='310'"), 63000);

    yb_settle_result r;
    assert_int_equal(yb_svc_reverse(f->db, s.res.setl_id, NULL, &r, &e), YB_OK);
    assert_contains(r.reply, "\"acct_pay\":-370.00");
    assert_contains(r.reply, "\"balc\":1000.00"); /* the balance after the reversal */
    assert_int_equal(q_int(f, "SELECT balc FROM person_insu WHERE psn_no='P310C' AND insutype='310'"), 100000);
    assert_int_equal(acc(f, "P310C", "310", "dedc/职工门诊统筹"), 0);
    assert_int_equal(acc(f, "P310C", "310", "pool/outpatient"), 0);
    assert_int_equal(q_int(f, "SELECT count(*) FROM accum WHERE psn_no='P310C'"), 0); /* as before C */
    yb_settle_result_release(&r);
    yb_settle_result_release(&s.res);
    free(c);
}

static void test_reversal_refusals_change_nothing(void **state) {
    struct fx *f = *state;
    struct settled a = settle_file(f, "visit_A.json", 0), b = settle_file(f, "visit_B.json", 0);
    expect_ok(&a);
    expect_ok(&b);
    yb_settle_result r;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_svc_reverse(f->db, "S000000000002", NULL, &r, &e), YB_OK);
    yb_settle_result_release(&r);
    char *before = dump(f);
    static const struct { const char *setl_id, *psn; yb_rc rc; const char *why; } cases[] = {
        {"S000000000002", NULL, YB_E_STATE, "already reversed by S000000000003"},
        {"S000000000002", "P390A", YB_E_STATE, "already reversed"},
        {"S000000000003", NULL, YB_E_STATE, "reversal row"},
        {"S404", NULL, YB_E_NOTFOUND, "no such settlement"},
        {"", NULL, YB_E_NOTFOUND, "no such settlement"},
        {"S000000000001", "P310C", YB_E_PERM, "another person"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        yb_err_clear(&e);
        memset(&r, 0x5a, sizeof r);
        yb_rc rc = yb_svc_reverse(f->db, cases[i].setl_id, cases[i].psn, &r, &e);
        if (rc != cases[i].rc) fail_msg("case %zu: rc %d, want %d", i, rc, cases[i].rc);
        assert_contains(e.msg, cases[i].why);
        assert_null(r.reply);
        assert_string_equal(r.setl_id, "");
        char *after = dump(f);
        assert_same_dump(before, after);
        free(after);
    }
    free(before);
    yb_settle_result_release(&a.res);
    yb_settle_result_release(&b.res);
}

/* ---------- failures leave nothing ---------- */

static void test_failed_visit_leaves_nothing(void **state) {
    struct fx *f = *state;
    char *before = dump(f);
    /* two lines with one feedetl_sn, for a person the registry does not know */
    char *dup = visit_json("F-1", "PNEW", "390", "MF1", "21", "03", 0, "2025-01-15 09:00:00", "1501", ",\"balc\":\"0\"",
                           "{\"feedetl_sn\":\"1\",\"med_list_codg\":\"A\",\"cnt\":1,\"pric\":100,\"det_item_fee_sumamt\":100},"
                           "{\"feedetl_sn\":\"1\",\"med_list_codg\":\"B\",\"cnt\":1,\"pric\":100,\"det_item_fee_sumamt\":100}");
    struct settled s = settle_text(f, dup, 0);
    assert_int_equal(s.rc, YB_E_DUPLICATE);
    assert_null(s.res.reply);
    assert_string_equal(s.res.setl_id, "");
    char *after = dump(f);
    assert_same_dump(before, after);
    free(after);

    /* declared totals that disagree with the lines (A declares 12,200.00; here 12,200.01) */
    char *text = slurp(YB_SOURCE_DIR "/tests/golden/visit_A.json");
    char *m = strstr(text, "\"medfee_sumamt\": \"12200.00\"");
    assert_non_null(m);
    memcpy(m + strlen("\"medfee_sumamt\": \"12200.0"), "1", 1);
    s = settle_text(f, text, 0);
    assert_int_equal(s.rc, YB_E_MISMATCH);
    assert_string_equal(s.err.field, "input.data.medfee_sumamt");
    after = dump(f);
    assert_same_dump(before, after);
    free(after);

    /* a failure at the very last write (the settlement row) undoes the person, the account and
     * the accumulators, the visit, the lines and the sequence number */
    assert_int_equal(sqlite3_exec(yb_db_sql(f->db),
                                  "CREATE TEMP TRIGGER fail_deltas BEFORE INSERT ON settlements"
                                  " BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    char *c = visit_C("F-3", "PNEW", "MF3", ",\"balc\":\"200.00\"");
    s = settle_text(f, c, 0);
    assert_int_not_equal(s.rc, YB_OK);
    assert_contains(s.err.msg, "injected failure");
    assert_null(s.res.reply);
    after = dump(f);
    assert_same_dump(before, after);
    free(after);
    assert_int_equal(sqlite3_exec(yb_db_sql(f->db), "DROP TRIGGER temp.fail_deltas", NULL, NULL, NULL), SQLITE_OK);
    s = settle_text(f, c, 0);
    expect_ok(&s);
    assert_string_equal(s.res.setl_id, "S000000000001"); /* the failed attempt used no number */
    /* and a person the registry did not know now has an account opened with the document's 200.00:
     * person 370.00 of which 200.00 from the account, 170.00 cash, balance 0 */
    assert_int_equal(q_int(f, "SELECT balc FROM person_insu WHERE psn_no='PNEW' AND insutype='310' AND insu_admdvs='360100'"),
                     0);
    assert_int_equal(amt(f, "S000000000001", "acct_pay"), 20000);
    assert_int_equal(amt(f, "S000000000001", "psn_cash_pay"), 17000);
    assert_int_equal(q_int(f, "SELECT count(*) FROM persons WHERE psn_no='PNEW' AND certno IS NULL"), 1);
    yb_settle_result_release(&s.res);
    free(c);
    free(text);
    free(dup);
    free(before);
}

/* ---------- messages and visits seen before ---------- */

/* The document is refused for its msgid (used for another request) and the store is as `before`. */
static void expect_dup_msgid(struct fx *f, const char *text, const char *before) {
    struct settled s = settle_text(f, text, 0);
    assert_int_equal(s.rc, YB_E_DUPLICATE);
    assert_string_equal(s.err.field, "msgid");
    char *after = dump(f);
    assert_same_dump(before, after);
    free(after);
}

static void test_idempotent_msgid(void **state) {
    struct fx *f = *state;
    struct settled a = settle_file(f, "visit_A.json", 0);
    expect_ok(&a);
    char *before = dump(f);
    struct settled again = settle_file(f, "visit_A.json", 0);
    expect_ok(&again);
    assert_int_equal(again.res.replayed, 1);
    assert_string_equal(again.res.setl_id, "S000000000001");
    assert_string_equal(again.res.reply, a.res.reply); /* the recorded answer, byte for byte */
    char *after = dump(f);
    assert_same_dump(before, after);
    free(after);

    /* the same msgid with another body: refused, nothing applied */
    char *text = slurp(YB_SOURCE_DIR "/tests/golden/visit_A.json");
    char *m = strstr(text, "\"pric\": 8000, \"det_item_fee_sumamt\": 8000");
    assert_non_null(m);
    memcpy(m, "\"pric\": 8001, \"det_item_fee_sumamt\": 8001", strlen("\"pric\": 8001, \"det_item_fee_sumamt\": 8001"));
    expect_dup_msgid(f, text, before);

    /* an msgid the interface has recorded (msg_log) is not used again by a settlement from a file
     * (schema 10 indexes only the settlements that record their own reply by msgid) */
    assert_int_equal(sqlite3_exec(yb_db_sql(f->db),
                                  "INSERT INTO msg_log(fixmedins_code, msgid, infno, body_hash, reply)"
                                  " VALUES ('H36010000001', 'C-IF', '2207', 'x', '{}')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    char *before_if = dump(f);
    char *cif = visit_C("C-IF", "P310C", "M-IF-1", "");
    expect_dup_msgid(f, cif, before_if);
    free(before_if);
    free(cif);
    assert_int_equal(sqlite3_exec(yb_db_sql(f->db), "DELETE FROM msg_log WHERE msgid='C-IF'", NULL, NULL, NULL), SQLITE_OK);

    /* the same visit under a new msgid: already settled */
    char *text2 = slurp(YB_SOURCE_DIR "/tests/golden/visit_A.json");
    m = strstr(text2, "H36010000001202501150900000001");
    assert_non_null(m);
    memcpy(m, "H36010000001202501150900000042", 30);
    struct settled twice = settle_text(f, text2, 0);
    assert_int_equal(twice.rc, YB_E_STATE);
    assert_contains(twice.err.msg, "already settled (S000000000001)");
    /* another person's visit id */
    char *c = visit_C("C-9", "P310C", "M2025A", "");
    struct settled theirs = settle_text(f, c, 0);
    assert_int_equal(theirs.rc, YB_E_PERM);
    after = dump(f);
    assert_same_dump(before, after);
    free(after);
    free(before);
    free(text);
    free(text2);
    free(c);
    yb_settle_result_release(&a.res);
    yb_settle_result_release(&again.res);
}

/* ---------- loading ---------- */

static void test_load_catalog(void **state) {
    struct fx *f = *state;
    const char *hdr = "med_list_codg,name,list_type,chrgitm_lv,selfpay_prop,pric_uplmt_amt_lv1,pric_uplmt_amt_lv2,"
                      "pric_uplmt_amt_lv3,begndate,enddate,admdvs\n";
    char text[1024];
    snprintf(text, sizeof text, "%sZ1,甲,101,01,,,,,2020-01-01,,\nZ2,乙,101,02,0.15,,,,2020-01-01,,\n", hdr);
    const char *good = in_dir(f, "good.csv");
    write_file(good, text);
    yb_load_stats st;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_svc_load_catalog(f->db, good, &st, &e), YB_OK);
    assert_int_equal(st.rows, 2);
    assert_int_equal(st.inserted, 2);
    /* the same file again updates the two rows, it does not add two more */
    assert_int_equal(yb_svc_load_catalog(f->db, good, &st, &e), YB_OK);
    assert_int_equal(st.inserted, 0);
    assert_int_equal(st.updated, 2);
    assert_int_equal(q_int(f, "SELECT count(*) FROM catalog"), 6);
    assert_int_equal(q_int(f, "SELECT selfpay_prop FROM catalog WHERE med_list_codg='Z2'"), 1500);

    /* one bad row (line 4: six decimals) and the file loads nothing, not even Z3 and Z4 before it */
    snprintf(text, sizeof text, "%sZ3,甲,101,01,,,,,2020-01-01,,\nZ4,甲,101,01,,,,,2020-01-01,,\nZ5,乙,101,02,0.123456,,,,2020-01-01,,\n",
             hdr);
    const char *bad = in_dir(f, "bad.csv");
    write_file(bad, text);
    char *before = dump(f);
    yb_err_clear(&e);
    assert_int_not_equal(yb_svc_load_catalog(f->db, bad, &st, &e), YB_OK);
    assert_non_null(strstr(e.file, "bad.csv"));
    assert_int_equal(e.line, 4);
    assert_string_equal(e.field, "selfpay_prop");
    assert_string_equal(e.value, "0.123456");
    char *after = dump(f);
    assert_same_dump(before, after);
    free(after);
    free(before);
}

static void test_load_persons(void **state) {
    struct fx *f = *state;
    const char *hdr = "psn_no,certno,psn_name,gend,brdy,insutype,psn_type,cvlserv_flag,sp_psn_type,insu_admdvs,balc\n";
    /* one person, two insurance types: one person row, two enrolments */
    char text[1024];
    snprintf(text, sizeof text, "%sPX,11010519491231002X,某甲,,,310,1101,1,,360100,12.34\nPX,11010519491231002X,某甲,,,390,1501,1,,360100,\n",
             hdr);
    const char *two = in_dir(f, "two.csv");
    write_file(two, text);
    yb_load_stats st;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_svc_load_persons(f->db, two, &st, &e), YB_OK);
    assert_int_equal(st.rows, 2);
    assert_int_equal(st.inserted, 2);
    assert_int_equal(q_int(f, "SELECT count(*) FROM persons WHERE psn_no='PX'"), 1);
    /* gend and brdy come from the ID number when not given: 17th digit 2 is even → female (2) */
    assert_int_equal(q_int(f, "SELECT count(*) FROM persons WHERE psn_no='PX' AND gend=2 AND brdy='1949-12-31'"
                              " AND cvlserv_flag=1"),
                     1);
    assert_int_equal(q_int(f, "SELECT balc FROM person_insu WHERE psn_no='PX' AND insutype='310'"), 1234);
    assert_int_equal(q_int(f, "SELECT balc FROM person_insu WHERE psn_no='PX' AND insutype='390'"), 0);

    /* each bad file loads nothing; the error names line and column, ID numbers and names masked */
    static const struct { const char *rows; yb_rc rc; long line; const char *field; const char *value; } bad[] = {
        /* wrong check digit */
        {"PY,110105194912310021,某乙,,,390,1501,0,,360100,0\n", YB_E_INVALID, 2, "certno", "110************21"},
        {"PY,11010519491231002X,某乙,1,,390,1501,0,,360100,0\n", YB_E_MISMATCH, 2, "gend", "1"},
        {"PY,11010519491231002X,某乙,,1949-12-30,390,1501,0,,360100,0\n", YB_E_MISMATCH, 2, "brdy", "1949-12-30"},
        {"PY,,某乙,,,39,1501,0,,360100,0\n", YB_E_INVALID, 2, "insutype", "39"},
        {"PY,,某乙,,,390,1501,0,,3601,0\n", YB_E_INVALID, 2, "insu_admdvs", "3601"},
        {"PY,,某乙,,,390,1501,0,,360100,1.001\n", YB_E_PRECISION, 2, "balc", "1.001"},
        {"PY,,某乙,,,390,1501,0,,360100,0\nPY,,某乙,,,390,1501,0,,360100,0\n", YB_E_DUPLICATE, 3, "insutype", "390"},
        {"PY,,某乙,,,310,1101,0,,360100,0\nPY,,某丙,,,390,1501,0,,360100,0\n", YB_E_MISMATCH, 3, "psn_name", "某**"},
        {"PZ,,某丁,,,390,1501,0,,360100,0\nPY,,某乙,3,,390,1501,0,,360100,0\n", YB_E_INVALID, 3, "gend", "3"},
    };
    char *before = dump(f);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, "%s%s", hdr, bad[i].rows);
        const char *p = in_dir(f, "bad_persons.csv");
        write_file(p, text);
        yb_err_clear(&e);
        yb_rc rc = yb_svc_load_persons(f->db, p, &st, &e);
        if (rc != bad[i].rc) fail_msg("case %zu: rc %d, want %d (%s)", i, rc, bad[i].rc, e.msg);
        assert_int_equal(e.line, bad[i].line);
        assert_string_equal(e.field, bad[i].field);
        if (strncmp(e.value, bad[i].value, strlen(bad[i].value)) != 0)
            fail_msg("case %zu: value '%s', want '%s'", i, e.value, bad[i].value);
        assert_non_null(strstr(e.file, "bad_persons.csv"));
        char buf[600];
        yb_err_fmt(&e, buf, sizeof buf);
        if (strstr(buf, "110105194912310021") || strstr(buf, "某乙") || strstr(buf, "某丙"))
            fail_msg("case %zu: personal data in the error: %s", i, buf);
        char *after = dump(f);
        assert_same_dump(before, after);
        free(after);
    }
    free(before);
}

static char *replace(const char *s, const char *from, const char *to) {
    const char *m = strstr(s, from);
    if (!m) fail_msg("'%s' not in the text", from);
    size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int)(m - s), s, to, m + strlen(from));
    return out;
}

static void test_load_policy(void **state) {
    struct fx *f = *state;
    yb_load_stats st;
    yb_err e;
    yb_err_clear(&e);
    /* the same file again: unchanged */
    assert_int_equal(yb_svc_load_policy(f->db, YB_SOURCE_DIR "/data/demo/policy.json", &st, &e), YB_OK);
    assert_int_equal(st.rows, 1);
    assert_int_equal(st.inserted, 0);
    assert_int_equal(q_int(f, "SELECT count(*) FROM policies"), 1);
    char *demo = slurp(YB_SOURCE_DIR "/data/demo/policy.json");
    char *before = dump(f);

    /* a new version from 2025-06-01 overlaps 2025.1 (open-ended from 2025-01-01) */
    char *v2 = replace(demo, "\"2025.1\"", "\"2025.2\"");
    char *v2b = replace(v2, "\"2025-01-01\"", "\"2025-06-01\"");
    write_file(in_dir(f, "p2.json"), v2b);
    yb_err_clear(&e);
    assert_int_equal(yb_svc_load_policy(f->db, in_dir(f, "p2.json"), &st, &e), YB_E_DUPLICATE);
    assert_contains(e.msg, "overlaps version 2025.1");
    /* the same version with other content */
    char *same = replace(demo, "\"2025.1\"", "\"2025.1\" ");
    write_file(in_dir(f, "p3.json"), same);
    yb_err_clear(&e);
    assert_int_equal(yb_svc_load_policy(f->db, in_dir(f, "p3.json"), &st, &e), YB_E_DUPLICATE);
    assert_contains(e.msg, "already has this version");
    /* a policy that does not validate */
    char *broken = replace(demo, "\"2025.1\"", "\"2025.1\", \"no_such_key\": 1");
    write_file(in_dir(f, "p4.json"), broken);
    yb_err_clear(&e);
    assert_int_not_equal(yb_svc_load_policy(f->db, in_dir(f, "p4.json"), &st, &e), YB_OK);
    char *after = dump(f);
    assert_same_dump(before, after);
    free(after);

    /* 2024.1 valid through 2024-12-31 fits before it; settlement picks the version by date */
    char *old1 = replace(demo, "\"2025.1\"", "\"2024.1\"");
    char *old2 = replace(old1, "\"2025-01-01\"", "\"2024-01-01\", \"effective_to\": \"2024-12-31\"");
    write_file(in_dir(f, "p5.json"), old2);
    yb_err_clear(&e);
    if (yb_svc_load_policy(f->db, in_dir(f, "p5.json"), &st, &e)) fail_msg("load 2024.1: %s", e.msg);
    assert_int_equal(st.inserted, 1);
    reload_refdata(f);
    assert_int_equal(f->rd->n_policies, 2);
    yb_date d24, d25;
    assert_int_equal(yb_date_parse("2024-12-31", 10, &d24), YB_OK);
    assert_int_equal(yb_date_parse("2025-01-01", 10, &d25), YB_OK);
    assert_string_equal(yb_refdata_policy(f->rd, "360100", d24)->version, "2024.1");
    assert_string_equal(yb_refdata_policy(f->rd, "360100", d25)->version, "2025.1");
    assert_int_equal(yb_catalog_count(f->rd->catalog), 4);
    free(demo);
    free(v2);
    free(v2b);
    free(same);
    free(broken);
    free(old1);
    free(old2);
    free(before);
}

static void test_load_institutions(void **state) {
    struct fx *f = *state;
    const char *hdr = "fixmedins_code,fixmedins_name,hosp_lv,admdvs,begndate,enddate\n";
    char text[512];
    snprintf(text, sizeof text, "%sH1,一院,03,360100,2020-01-01,\nH2,二院,05,360100,,2030-12-31\n", hdr);
    const char *p = in_dir(f, "ins.csv");
    write_file(p, text);
    yb_load_stats st;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_svc_load_institutions(f->db, p, &st, &e), YB_OK);
    assert_int_equal(st.inserted, 2);
    assert_int_equal(yb_svc_load_institutions(f->db, p, &st, &e), YB_OK);
    assert_int_equal(st.inserted, 0);
    assert_int_equal(st.updated, 2);
    assert_int_equal(q_int(f, "SELECT count(*) FROM institutions"), 2);
    char *before = dump(f);
    snprintf(text, sizeof text, "%sH3,三院,03,360100,,\nH4,四院,15,360100,,\n", hdr);
    write_file(p, text);
    yb_err_clear(&e);
    assert_int_equal(yb_svc_load_institutions(f->db, p, &st, &e), YB_E_INVALID);
    assert_int_equal(e.line, 3);
    assert_string_equal(e.field, "hosp_lv");
    char *after = dump(f);
    assert_same_dump(before, after);
    free(after);
    free(before);
}

/* ---------- showing a person ---------- */

static void test_show_person(void **state) {
    struct fx *f = *state;
    struct settled a = settle_file(f, "visit_A.json", 0);
    expect_ok(&a);
    yb_person_view *v = NULL;
    yb_err e;
    yb_err_clear(&e);
    assert_int_equal(yb_svc_person_view(f->db, "P390A", &v, &e), YB_OK);
    assert_string_equal(v->certno, "110************2X");
    assert_string_equal(v->psn_name, "测**");
    assert_int_equal(v->n_insu, 1);
    assert_int_equal(v->insu[0].balc, 0);
    assert_string_equal(v->insu[0].insu_admdvs, "360100");
    assert_int_equal(v->n_acc, 3); /* adm, base, pool, sorted by key */
    assert_string_equal(v->acc[0].key, "adm/居民住院");
    assert_int_equal(v->acc[0].value, 1);
    assert_string_equal(v->acc[2].key, "pool/pool");
    assert_int_equal(v->acc[2].value, 612000);
    assert_int_equal(v->n_setl, 1);
    assert_int_equal(v->n_setl_total, 1);
    assert_int_equal(v->setl[0].psn_cash_pay, 608000);
    yb_person_view_free(v);

    char *json = NULL;
    assert_int_equal(yb_svc_show_person(f->db, "P390A", &json, &e), YB_OK);
    assert_contains(json, "\"certno\":\"110************2X\"");
    assert_contains(json, "{\"insutype\":\"390\",\"year\":2025,\"key\":\"pool/pool\",\"value\":6120.00}");
    assert_contains(json, "{\"insutype\":\"390\",\"year\":2025,\"key\":\"adm/居民住院\",\"value\":1}");
    assert_null(strstr(json, "11010519491231002X"));
    assert_null(strstr(json, "测试甲"));
    free(json);
    yb_err_clear(&e);
    json = NULL;
    assert_int_equal(yb_svc_show_person(f->db, "NOBODY", &json, &e), YB_E_NOTFOUND);
    assert_null(json);
    yb_settle_result_release(&a.res);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_settle_A_then_B),
        T(test_B_alone),
        T(test_presettle_writes_nothing),
        T(test_reversal_restores),
        T(test_reversal_restores_balance),
        T(test_reversal_refusals_change_nothing),
        T(test_failed_visit_leaves_nothing),
        T(test_idempotent_msgid),
        T(test_load_catalog),
        T(test_load_persons),
        T(test_load_policy),
        T(test_load_institutions),
        T(test_show_person),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
