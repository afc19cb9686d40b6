/*
 * test_catalog.c — catalogue lookup by code, area and date; validation and overlap rejection on
 * add; growth of the hash table with many codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "yibao/catalog.h"

static yb_date D(const char *s) {
    yb_date d = YB_DATE_NONE;
    assert_int_equal(yb_date_parse(s, strlen(s), &d), YB_OK);
    return d;
}

/* An entry; `to` NULL = open-ended; the name records which entry a lookup found. */
static yb_cat_entry entry(const char *code, const char *lv, const char *from, const char *to, const char *area,
                          const char *name) {
    yb_cat_entry e;
    memset(&e, 0, sizeof e);
    snprintf(e.code, sizeof e.code, "%s", code);
    snprintf(e.chrgitm_lv, sizeof e.chrgitm_lv, "%s", lv);
    snprintf(e.name, sizeof e.name, "%s", name);
    e.cap[1] = e.cap[2] = e.cap[3] = -1;
    e.begndate = D(from);
    e.enddate = to ? D(to) : YB_DATE_MAX;
    snprintf(e.admdvs, sizeof e.admdvs, "%s", area);
    return e;
}

#define CODE "001102000050000"

struct find_case {
    const char *code, *area, *on;
    const char *want; /* name of the entry found, NULL = none (目录外) */
};

static void test_find(void **state) {
    (void)state;
    yb_catalog *c = yb_catalog_new();
    assert_non_null(c);
    yb_err e;
    yb_err_clear(&e);
    /* all areas: class 01 for the first half of 2025, 02 from July, open-ended */
    yb_cat_entry all1 = entry(CODE, "01", "2025-01-01", "2025-06-30", "", "all-h1");
    yb_cat_entry all2 = entry(CODE, "02", "2025-07-01", NULL, "", "all-h2");
    /* 360100 has its own entry for March..September only; 330100 one from 2024 on */
    yb_cat_entry nc = entry(CODE, "03", "2025-03-01", "2025-09-30", "360100", "nc");
    yb_cat_entry hz = entry(CODE, "04", "2024-01-01", NULL, "330100", "hz");
    /* another code, only in one area */
    yb_cat_entry only = entry("XA01", "01", "2025-01-01", "2025-12-31", "360100", "only");
    const yb_cat_entry *add[] = {&all1, &all2, &nc, &hz, &only};
    for (size_t i = 0; i < sizeof add / sizeof add[0]; i++) assert_int_equal(yb_catalog_add(c, add[i], &e), YB_OK);
    assert_int_equal(e.rc, YB_OK);

    static const struct find_case cases[] = {
        {CODE, "440300", "2025-01-01", "all-h1"}, /* no area entry: the all-areas one */
        {CODE, "440300", "2025-06-30", "all-h1"}, /* last day of the period */
        {CODE, "440300", "2025-07-01", "all-h2"}, /* first day of the next */
        {CODE, "440300", "2099-12-31", "all-h2"}, /* open-ended */
        {CODE, "440300", "2024-12-31", NULL},     /* before any entry */
        {CODE, "360100", "2025-02-28", "all-h1"}, /* area entry not yet valid: all-areas */
        {CODE, "360100", "2025-03-01", "nc"},     /* area entry wins while valid */
        {CODE, "360100", "2025-07-15", "nc"},     /* ... over either all-areas period */
        {CODE, "360100", "2025-09-30", "nc"},
        {CODE, "360100", "2025-10-01", "all-h2"}, /* and falls back after it ends */
        {CODE, "330100", "2024-06-01", "hz"},     /* area entry where no all-areas one exists yet */
        {CODE, "330100", "2025-06-01", "hz"},
        {CODE, "", "2025-03-01", "all-h1"},       /* no area asked: the all-areas entry */
        {CODE, NULL, "2025-03-01", "all-h1"},
        {CODE, NULL, "2024-06-01", NULL},         /* only an area entry exists then */
        {"XA01", "360100", "2025-05-05", "only"},
        {"XA01", "360101", "2025-05-05", NULL},   /* another area, no all-areas entry */
        {"XA01", "36010", "2025-05-05", NULL},    /* a prefix of the area is another area */
        {"XA0", "360100", "2025-05-05", NULL},    /* a prefix of the code is another code */
        {"XA011", "360100", "2025-05-05", NULL},
        {"xa01", "360100", "2025-05-05", NULL},   /* codes are case-sensitive */
        {"", "360100", "2025-05-05", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct find_case *k = &cases[i];
        const yb_cat_entry *f = yb_catalog_find(c, k->code, k->area, D(k->on));
        if (!k->want) {
            if (f) print_error("case %zu: found '%s', want none\n", i, f->name);
            assert_null(f);
            continue;
        }
        if (!f) print_error("case %zu: none, want '%s'\n", i, k->want);
        assert_non_null(f);
        assert_string_equal(f->name, k->want);
        assert_string_equal(f->code, k->code);
    }
    assert_null(yb_catalog_find(NULL, CODE, "", D("2025-03-01")));
    assert_null(yb_catalog_find(c, NULL, "", D("2025-03-01")));
    /* insertion order is kept */
    assert_int_equal(yb_catalog_count(c), 5);
    for (size_t i = 0; i < 5; i++) assert_string_equal(yb_catalog_at(c, i)->name, add[i]->name);
    assert_null(yb_catalog_at(c, 5));
    yb_catalog_free(c);
}

struct add_case {
    yb_cat_entry e;
    yb_rc rc;
    const char *field; /* on failure */
    const char *msg;   /* part of the message on failure */
};

static void test_add_rejects(void **state) {
    (void)state;
    yb_catalog *c = yb_catalog_new();
    assert_non_null(c);
    yb_err e;
    yb_err_clear(&e);
    yb_cat_entry base = entry(CODE, "02", "2025-01-01", "2025-06-30", "", "base");
    assert_int_equal(yb_catalog_add(c, &base, &e), YB_OK);
    yb_cat_entry area = entry(CODE, "02", "2025-01-01", NULL, "360100", "area");
    assert_int_equal(yb_catalog_add(c, &area, &e), YB_OK); /* other area: may overlap */

    struct add_case cases[] = {
        /* overlaps base by one day (2025-06-30) */
        {entry(CODE, "01", "2025-06-30", "2025-12-31", "", "x"), YB_E_DUPLICATE, "med_list_codg",
         "validity 2025-06-30..2025-12-31 overlaps 2025-01-01..2025-06-30"},
        /* inside base */
        {entry(CODE, "01", "2025-02-01", "2025-02-01", "", "x"), YB_E_DUPLICATE, "med_list_codg", "overlaps"},
        /* around base */
        {entry(CODE, "01", "2024-01-01", NULL, "", "x"), YB_E_DUPLICATE, "med_list_codg",
         "validity 2024-01-01..open overlaps"},
        /* overlaps the open-ended area entry */
        {entry(CODE, "01", "2030-01-01", "2030-01-01", "360100", "x"), YB_E_DUPLICATE, "med_list_codg",
         "overlaps 2025-01-01..open of the same code in area 360100"},
        {entry(CODE, "01", "2025-03-01", "2025-02-28", "", "x"), YB_E_INVALID, "enddate", "before begndate"},
        {entry("C2", "00", "2025-01-01", NULL, "", "x"), YB_E_INVALID, "chrgitm_lv", "01, 02, 03 or 04"},
        {entry("C2", "05", "2025-01-01", NULL, "", "x"), YB_E_INVALID, "chrgitm_lv", "01, 02, 03 or 04"},
        {entry("C2", "1", "2025-01-01", NULL, "", "x"), YB_E_INVALID, "chrgitm_lv", "01, 02, 03 or 04"},
        {entry("C2", "001", "2025-01-01", NULL, "", "x"), YB_E_INVALID, "chrgitm_lv", "01, 02, 03 or 04"},
        {entry("C2", "", "2025-01-01", NULL, "", "x"), YB_E_INVALID, "chrgitm_lv", "01, 02, 03 or 04"},
        {entry("", "01", "2025-01-01", NULL, "", "x"), YB_E_INVALID, "med_list_codg", "empty code"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        yb_err_clear(&e);
        yb_rc rc = yb_catalog_add(c, &cases[i].e, &e);
        if (rc != cases[i].rc) print_error("case %zu: rc %d, want %d\n", i, rc, cases[i].rc);
        assert_int_equal(rc, cases[i].rc);
        assert_int_equal(e.rc, cases[i].rc);
        assert_string_equal(e.field, cases[i].field);
        if (!strstr(e.msg, cases[i].msg)) print_error("case %zu: message '%s'\n", i, e.msg);
        assert_non_null(strstr(e.msg, cases[i].msg));
    }
    /* out-of-range shares and caps */
    yb_cat_entry sp = entry("C3", "02", "2025-01-01", NULL, "", "x");
    sp.selfpay_prop = 10001;
    yb_err_clear(&e);
    assert_int_equal(yb_catalog_add(c, &sp, &e), YB_E_INVALID);
    assert_string_equal(e.field, "selfpay_prop");
    assert_string_equal(e.value, "1.0001");
    sp.selfpay_prop = -1;
    assert_int_equal(yb_catalog_add(c, &sp, NULL), YB_E_INVALID);
    sp.selfpay_prop = 10000; /* exactly 1 is allowed */
    assert_int_equal(yb_catalog_add(c, &sp, NULL), YB_OK);
    yb_cat_entry cap = entry("C4", "02", "2025-01-01", NULL, "", "x");
    cap.cap[2] = -2;
    yb_err_clear(&e);
    assert_int_equal(yb_catalog_add(c, &cap, &e), YB_E_INVALID);
    assert_string_equal(e.field, "pric_uplmt_amt");
    /* a code that fills its array without a terminating NUL is refused, not read past */
    yb_cat_entry lng = entry("C5", "01", "2025-01-01", NULL, "", "x");
    memset(lng.code, 'A', sizeof lng.code);
    yb_err_clear(&e);
    assert_int_equal(yb_catalog_add(c, &lng, &e), YB_E_LIMIT);
    assert_non_null(strstr(e.msg, "63"));
    /* adjacent periods of one code and area are fine; nothing refused was stored */
    yb_cat_entry next = entry(CODE, "01", "2025-07-01", NULL, "", "next");
    assert_int_equal(yb_catalog_add(c, &next, NULL), YB_OK);
    assert_int_equal(yb_catalog_count(c), 4);
    assert_string_equal(yb_catalog_find(c, CODE, "", D("2025-07-01"))->name, "next");
    yb_catalog_free(c);
}

static void test_many_codes(void **state) {
    (void)state;
    yb_catalog *c = yb_catalog_new();
    assert_non_null(c);
    char code[32];
    /* 20000 codes with two periods each force several rehashes; codes differ only in their
     * trailing digits, like real national codes */
    enum { N = 20000 };
    for (int i = 0; i < N; i++) {
        snprintf(code, sizeof code, "XL%013d", i);
        yb_cat_entry a = entry(code, "01", "2024-01-01", "2024-12-31", "", "2024");
        yb_cat_entry b = entry(code, "02", "2025-01-01", NULL, "", "2025");
        snprintf(a.list_type, sizeof a.list_type, "%d", i % 1000);
        assert_int_equal(yb_catalog_add(c, &a, NULL), YB_OK);
        assert_int_equal(yb_catalog_add(c, &b, NULL), YB_OK);
    }
    assert_int_equal(yb_catalog_count(c), 2 * N);
    for (int i = 0; i < N; i++) {
        snprintf(code, sizeof code, "XL%013d", i);
        const yb_cat_entry *f = yb_catalog_find(c, code, "360100", D("2024-05-05"));
        assert_non_null(f);
        assert_string_equal(f->code, code);
        assert_string_equal(f->name, "2024");
        f = yb_catalog_find(c, code, "360100", D("2025-05-05"));
        assert_non_null(f);
        assert_string_equal(f->chrgitm_lv, "02");
        assert_null(yb_catalog_find(c, code, "360100", D("2023-12-31")));
    }
    snprintf(code, sizeof code, "XL%013d", N);
    assert_null(yb_catalog_find(c, code, "", D("2025-05-05")));
    /* insertion order survives the rehashes */
    assert_string_equal(yb_catalog_at(c, 2 * 777)->code, "XL0000000000777");
    assert_string_equal(yb_catalog_at(c, 2 * 777 + 1)->name, "2025");
    /* a third, overlapping period of an existing code is still detected after growth */
    snprintf(code, sizeof code, "XL%013d", 12345);
    yb_cat_entry o = entry(code, "01", "2024-12-31", "2024-12-31", "", "x");
    assert_int_equal(yb_catalog_add(c, &o, NULL), YB_E_DUPLICATE);
    yb_catalog_free(c);
    yb_catalog_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_add_rejects),
        cmocka_unit_test(test_many_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
