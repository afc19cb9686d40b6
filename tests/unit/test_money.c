/*
 * test_money.c — exact decimals: parsing, formatting, the one rounding function, products.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "yibao/money.h"
#include "yibao/str.h"
#include "core/money_int.h"

struct parse_case {
    const char *text;
    int scale, allow_neg;
    yb_rc rc;
    int64_t value;
};

static const struct parse_case parse_cases[] = {
    {"1200.00", 2, 0, YB_OK, 120000},
    {"1200", 2, 0, YB_OK, 120000},
    {"1200.5", 2, 0, YB_OK, 120050},
    {"0", 2, 0, YB_OK, 0},
    {"0.01", 2, 0, YB_OK, 1},
    {"+7.10", 2, 0, YB_OK, 710},
    {"-0.05", 2, 1, YB_OK, -5},
    {"-0.05", 2, 0, YB_E_INVALID, 0},       /* negative not allowed here */
    {"1.001", 2, 0, YB_E_PRECISION, 0},     /* over-precise money */
    {"1.000", 2, 0, YB_E_PRECISION, 0},     /* even when the extra digit is 0 */
    {"1.2345", 4, 0, YB_OK, 12345},         /* cnt */
    {"1.23456", 4, 0, YB_E_PRECISION, 0},
    {"120.123456", 6, 0, YB_OK, 120123456}, /* price */
    {"1e3", 2, 0, YB_E_INVALID, 0},
    {"nan", 2, 0, YB_E_INVALID, 0},
    {"inf", 2, 0, YB_E_INVALID, 0},
    {" 1", 2, 0, YB_E_INVALID, 0},
    {"1 ", 2, 0, YB_E_INVALID, 0},
    {"", 2, 0, YB_E_INVALID, 0},
    {"-", 2, 1, YB_E_INVALID, 0},
    {"+", 2, 0, YB_E_INVALID, 0},
    {".5", 2, 0, YB_E_INVALID, 0},
    {"5.", 2, 0, YB_E_INVALID, 0},
    {"--1", 2, 1, YB_E_INVALID, 0},
    {"1,000", 2, 0, YB_E_INVALID, 0},
    {"\xef\xbc\x91", 2, 0, YB_E_INVALID, 0}, /* full-width digit one */
    {"0x10", 2, 0, YB_E_INVALID, 0},
    {"000120.50", 2, 0, YB_OK, 12050},      /* leading zeros within 18 digits are fine */
    {"0000000000000000001", 2, 0, YB_E_OVERFLOW, 0}, /* 19 integer digits, even as zeros */
    {"100000000000000.00", 2, 0, YB_OK, INT64_C(10000000000000000)}, /* exactly YB_DEC_MAX */
    {"100000000000000.01", 2, 0, YB_E_OVERFLOW, 0},                   /* one fen above */
    {"-100000000000000.00", 2, 1, YB_OK, -INT64_C(10000000000000000)},
    {"-100000000000000.01", 2, 1, YB_E_OVERFLOW, 0},
    {"10000000000000000", 0, 0, YB_OK, INT64_C(10000000000000000)},   /* YB_DEC_MAX at scale 0 */
    {"10000000000000001", 0, 0, YB_E_OVERFLOW, 0},
    {"1000000000000.0000", 4, 0, YB_OK, INT64_C(10000000000000000)},  /* cnt: 10^12 x 10^4 */
    {"1000000000000.0001", 4, 0, YB_E_OVERFLOW, 0},
    {"10000000000.000000", 6, 0, YB_OK, INT64_C(10000000000000000)},  /* price: 10^10 x 10^6 */
    {"10000000000.000001", 6, 0, YB_E_OVERFLOW, 0},
    {"99999999.000000", 6, 0, YB_OK, INT64_C(99999999000000)},         /* YB_PRICE_NOCAP */
    {"999999999999999999", 0, 0, YB_E_OVERFLOW, 0},  /* 18 digits: syntax fine, above the bound */
    {"9999999999999999999", 0, 0, YB_E_OVERFLOW, 0}, /* 19 digits */
    {"99999999999999999999999", 2, 0, YB_E_OVERFLOW, 0},
    {"-0", 2, 1, YB_OK, 0},
    {"-0", 2, 0, YB_E_INVALID, 0},
    {"+-1", 2, 1, YB_E_INVALID, 0},
    {"-+1", 2, 1, YB_E_INVALID, 0},
    {"++1", 2, 0, YB_E_INVALID, 0},
    {"1..2", 2, 0, YB_E_INVALID, 0},
    {"1.2.3", 4, 0, YB_E_INVALID, 0},
    {"1.5e2", 2, 0, YB_E_INVALID, 0},
    {"1E3", 2, 0, YB_E_INVALID, 0},
    {"NaN", 2, 0, YB_E_INVALID, 0},
    {"\t1", 2, 0, YB_E_INVALID, 0},
    {"1\n", 2, 0, YB_E_INVALID, 0},
    {"\xd9\xa3", 2, 0, YB_E_INVALID, 0},        /* Arabic-Indic digit three */
    {"12\xe3\x80\x82" "5", 2, 0, YB_E_INVALID, 0}, /* ideographic full stop as the point */
    {"7", 0, 0, YB_OK, 7},
    {"7.0", 0, 0, YB_E_PRECISION, 0},              /* scale 0 takes no decimals at all */
    {"0.000000000001", 12, 0, YB_OK, 1},           /* the largest scale */
};

static void test_parse_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const struct parse_case *c = &parse_cases[i];
        int64_t v = -777;
        yb_rc rc = yb_dec_parse(c->text, strlen(c->text), c->scale, c->allow_neg, &v);
        if (rc != c->rc) print_error("case %zu '%s': rc %d, want %d\n", i, c->text, rc, c->rc);
        assert_int_equal(rc, c->rc);
        if (rc == YB_OK) assert_int_equal(v, c->value);
        else assert_int_equal(v, -777); /* output untouched on failure */
    }
}

static void test_parse_edges(void **state) {
    (void)state;
    int64_t v = -777;
    /* the length is n, not strlen: "12" of "123" and a NUL inside are judged by n */
    assert_int_equal(yb_dec_parse("123", 2, 2, 0, &v), YB_OK);
    assert_int_equal(v, 1200);
    assert_int_equal(yb_dec_parse("1\0" "2", 3, 2, 0, &v), YB_E_INVALID);
    assert_int_equal(yb_dec_parse("", 0, 2, 0, &v), YB_E_INVALID);
    /* scales outside 0..12 are refused, not misread */
    assert_int_equal(yb_dec_parse("1", 1, -1, 0, &v), YB_E_INVALID);
    assert_int_equal(yb_dec_parse("1", 1, 13, 0, &v), YB_E_INVALID);
    /* wrappers use their documented scales */
    yb_fen f = 0;
    yb_qty q = 0;
    yb_price p = 0;
    assert_int_equal(yb_fen_parse("1.25", 4, 0, &f), YB_OK);
    assert_int_equal(f, 125);
    assert_int_equal(yb_fen_parse("1.255", 5, 0, &f), YB_E_PRECISION);
    assert_int_equal(yb_qty_parse("2.5", 3, 0, &q), YB_OK);
    assert_int_equal(q, 25000);
    assert_int_equal(yb_qty_parse("-2.5", 4, 1, &q), YB_OK);  /* refund line */
    assert_int_equal(q, -25000);
    assert_int_equal(yb_price_parse("0.000001", 8, 0, &p), YB_OK);
    assert_int_equal(p, 1);
    assert_int_equal(yb_price_parse("0.0000001", 9, 0, &p), YB_E_PRECISION);
}

/* the one-pass path for plain forms and the general parser agree, value and rc, on the forms at
 * the edges of the plain path (12 digits, a full scale, signs, a bound just crossed) */
static void test_parse_paths(void **state) {
    (void)state;
    static const char *in[] = {"0", "-0", "7", "007.5", "30.00", "-3", "+3", "5.", ".5", "-", "", "1.2345", "1.23456",
                               "999999999999", "9999999999999", "99999999.99", "100000000000000.00", "1e3", " 1",
                               "1 ", "1.0000000", "0.000001", "12.3.4", "--1"};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++)
        for (int scale = 0; scale <= 6; scale++)
            for (int neg = 0; neg <= 1; neg++) {
                int64_t a = -1, b = -1;
                yb_rc ra = yb_dec_parse(in[i], strlen(in[i]), scale, neg, &a);
                yb_rc rb = yb__dec_parse_general(in[i], strlen(in[i]), scale, neg, &b);
                assert_int_equal(ra, rb);
                if (ra == YB_OK) assert_int_equal(a, b);
            }
    int64_t v;
    assert_int_equal(yb_dec_parse("30.00", 5, 2, 0, &v), YB_OK);
    assert_int_equal(v, 3000);
    assert_int_equal(yb_dec_parse("-1.5", 4, 4, 1, &v), YB_OK);
    assert_int_equal(v, -15000);
    assert_int_equal(yb_dec_parse("1.234", 5, 2, 0, &v), YB_E_PRECISION);
}

static void test_ratio(void **state) {
    (void)state;
    yb_ratio r;
    assert_int_equal(yb_ratio_parse("0.85", 4, 0, &r), YB_OK);
    assert_int_equal(r, 8500);
    assert_int_equal(yb_ratio_parse("1", 1, 0, &r), YB_OK);
    assert_int_equal(r, 10000);
    assert_int_equal(yb_ratio_parse("1.5", 3, 0, &r), YB_E_OVERFLOW);
    assert_int_equal(yb_ratio_parse("0.12345", 7, 0, &r), YB_E_PRECISION);
    assert_int_equal(yb_ratio_parse("-0.05", 5, 1, &r), YB_OK);
    assert_int_equal(r, -500);
    assert_int_equal(yb_ratio_parse("-0.05", 5, 0, &r), YB_E_INVALID);  /* no sign for a share */
    assert_int_equal(yb_ratio_parse("0", 1, 0, &r), YB_OK);
    assert_int_equal(r, 0);
    assert_int_equal(yb_ratio_parse("1.0001", 6, 0, &r), YB_E_OVERFLOW);  /* just above 1 */
    /* allow_any: |v| <= 1000 */
    assert_int_equal(yb_ratio_parse("1000", 4, 1, &r), YB_OK);
    assert_int_equal(r, 10000000);
    assert_int_equal(yb_ratio_parse("-1000", 5, 1, &r), YB_OK);
    assert_int_equal(r, -10000000);
    assert_int_equal(yb_ratio_parse("1000.0001", 9, 1, &r), YB_E_OVERFLOW);
}

static void test_format(void **state) {
    (void)state;
    char b[32];
    assert_string_equal(yb_fen_fmt(120000, b), "1200.00");
    assert_string_equal(yb_fen_fmt(-5, b), "-0.05");
    assert_string_equal(yb_fen_fmt(0, b), "0.00");
    assert_string_equal(yb_ratio_fmt(8500, b), "0.8500");
    assert_string_equal(yb_price_fmt(120123456, b), "120.123456");
    assert_string_equal(yb_dec_fmt(INT64_MIN, 2, b), "-92233720368547758.08");
    assert_string_equal(yb_dec_fmt(7, 0, b), "7");
    assert_string_equal(yb_dec_fmt(INT64_MAX, 0, b), "9223372036854775807");
    assert_string_equal(yb_dec_fmt(INT64_MIN, 0, b), "-9223372036854775808");
    assert_string_equal(yb_qty_fmt(1, b), "0.0001");
    assert_string_equal(yb_price_fmt(-1, b), "-0.000001");
    assert_string_equal(yb_dec_fmt(INT64_MIN, 18, b), "-9.223372036854775808");
    /* every text that parses formats back to the same value */
    static const char *const texts[] = {"0.01", "1200.5", "-0.05", "100000000000000.00", "7.1"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        int64_t v, w;
        assert_int_equal(yb_fen_parse(texts[i], strlen(texts[i]), 1, &v), YB_OK);
        yb_fen_fmt(v, b);
        assert_int_equal(yb_fen_parse(b, strlen(b), 1, &w), YB_OK);
        assert_int_equal(v, w);
    }
}

struct rd_case {
    yb_i128 num;
    int64_t den;
    yb_rc rc;
    int64_t q;
};

/* yb_pct_fmt against the printf formats it replaces, over every ratio of 0..100% and the extremes;
 * and the string helpers of str.h it is built on */
static void test_pct_and_str(void **state) {
    (void)state;
    char b[16], ref[32];
    const yb_ratio extra[] = {INT32_MAX, INT32_MIN, -1, -50, -10000, 1000000, 99999999};
    for (long i = -1; i <= 10000 + (long)(sizeof extra / sizeof extra[0]); i++) {
        yb_ratio r = i < 0 ? 0 : i <= 10000 ? (yb_ratio)i : extra[i - 10001];
        int whole = r / 100, frac = r % 100;
        if (frac < 0) frac = -frac;
        if (frac == 0) snprintf(ref, sizeof ref, "%d%%", whole);
        else if (frac % 10 == 0) snprintf(ref, sizeof ref, "%d.%d%%", whole, frac / 10);
        else snprintf(ref, sizeof ref, "%d.%02d%%", whole, frac);
        assert_true(strlen(ref) < sizeof b);
        assert_string_equal(yb_pct_fmt(r, b), ref);
    }
    assert_string_equal(yb_pct_fmt(8500, b), "85%");
    assert_string_equal(yb_pct_fmt(6050, b), "60.5%");
    assert_string_equal(yb_pct_fmt(725, b), "7.25%");
    assert_string_equal(yb_pct_fmt(5, b), "0.05%");

    char n[24];
    const long long v[] = {0, 7, -7, 42, 123456789012LL, -1000, LLONG_MAX, LLONG_MIN};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        for (int w = 0; w <= 22; w += 11) {
            snprintf(ref, sizeof ref, "%0*lld", w, v[i]);
            if (v[i] < 0 && w) snprintf(ref, sizeof ref, "-%0*llu", w, 0ull - (unsigned long long)v[i]);
            assert_string_equal(yb_sint(n, v[i], w), ref);
        }
    }
    assert_string_equal(yb_sint(n, 1, 12), "000000000001");
    char t[8];
    assert_string_equal(yb_scopy(t, sizeof t, "abc"), "abc");
    assert_string_equal(yb_scat(t, sizeof t, "de"), "abcde");
    assert_string_equal(yb_scat(t, sizeof t, "fghij"), "abcdefg"); /* cut at cap - 1 */
    assert_string_equal(yb_scat(t, sizeof t, "x"), "abcdefg");
    assert_string_equal(yb_scopy(t, sizeof t, NULL), "");
}

static void test_round_div(void **state) {
    (void)state;
    const yb_i128 max64 = INT64_MAX, min64 = INT64_MIN;
    const yb_i128 half127 = (yb_i128)1 << 126, min128 = -half127 - half127; /* -2^127 */
    const struct rd_case cases[] = {
        {5, 10, YB_OK, 1},        /* 0.5 -> 1: half away from zero */
        {-5, 10, YB_OK, -1},      /* -0.5 -> -1 */
        {4, 10, YB_OK, 0},
        {-4, 10, YB_OK, 0},
        {15, 10, YB_OK, 2},       /* 1.5 -> 2 */
        {25, 10, YB_OK, 3},       /* 2.5 -> 3, not banker's 2 */
        {-25, 10, YB_OK, -3},
        {149, 100, YB_OK, 1},     /* 1.49 -> 1 */
        {150, 100, YB_OK, 2},     /* 1.50 -> 2 */
        {-150, 100, YB_OK, -2},
        {-151, 100, YB_OK, -2},   /* -1.51 -> -2 */
        {-149, 100, YB_OK, -1},
        {0, 7, YB_OK, 0},
        {1, 3, YB_OK, 0},         /* 0.333 -> 0 */
        {2, 3, YB_OK, 1},         /* 0.667 -> 1 */
        {-2, 3, YB_OK, -1},
        {1, 0, YB_E_INVALID, 0},
        {1, -5, YB_E_INVALID, 0},
        {max64, 1, YB_OK, INT64_MAX},
        {max64 + 1, 1, YB_E_OVERFLOW, 0},
        {min64, 1, YB_OK, INT64_MIN},
        {min64 - 1, 1, YB_E_OVERFLOW, 0},
        {max64 * 2, 2, YB_OK, INT64_MAX},
        {max64 * 2 + 1, 2, YB_E_OVERFLOW, 0},     /* (2^64 - 1) / 2 = 2^63 - 0.5 -> 2^63: too big */
        {-(max64 * 2 + 1), 2, YB_OK, INT64_MIN},  /* -(2^63 - 0.5) -> -2^63 = INT64_MIN: fits */
        {max64 * 4, 2, YB_E_OVERFLOW, 0},
        {min128, 1, YB_E_OVERFLOW, 0},            /* the most negative num does not trap */
        {min128, INT64_MAX, YB_E_OVERFLOW, 0},
        {max64 * max64, INT64_MAX, YB_OK, INT64_MAX},
        {max64 / 2 + 1, INT64_MAX, YB_OK, 1},     /* (2^62) / (2^63 - 1): just above one half */
        {max64 / 2, INT64_MAX, YB_OK, 0},         /* (2^62 - 1) / (2^63 - 1): just below one half */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v = -777;
        yb_rc rc = yb_round_div(cases[i].num, cases[i].den, &v);
        if (rc != cases[i].rc) print_error("case %zu: rc %d, want %d\n", i, rc, cases[i].rc);
        assert_int_equal(rc, cases[i].rc);
        if (rc == YB_OK) assert_int_equal(v, cases[i].q);
        else assert_int_equal(v, -777);
    }
}

static void test_products(void **state) {
    (void)state;
    yb_fen f;
    /* 10 x 120.00 = 1200.00 */
    assert_int_equal(yb_fen_of_qty_price(10 * YB_QTY_ONE, 120 * YB_PRICE_ONE, &f), YB_OK);
    assert_int_equal(f, 120000);
    /* 0.5 x 0.01 yuan = 0.005 yuan = 0.5 fen -> 1 fen (half up) */
    assert_int_equal(yb_fen_of_qty_price(5000, 10000, &f), YB_OK);
    assert_int_equal(f, 1);
    /* 0.3333 x 3.000000 = 0.9999 yuan -> 1.00 (99.99 fen rounds to 100) */
    assert_int_equal(yb_fen_of_qty_price(3333, 3000000, &f), YB_OK);
    assert_int_equal(f, 100);
    /* 1.5 x 0.333333 = 0.4999995 yuan = 49.99995 fen -> 50 */
    assert_int_equal(yb_fen_of_qty_price(15000, 333333, &f), YB_OK);
    assert_int_equal(f, 50);
    /* refund line: -2 x 12.345 = -24.69 */
    assert_int_equal(yb_fen_of_qty_price(-20000, 12345000, &f), YB_OK);
    assert_int_equal(f, -2469);
    /* near the limits: 10^12 units x 10^16 price units needs 128 bits and fits after /1e8 */
    assert_int_equal(yb_fen_of_qty_price(INT64_C(1000000000000), INT64_C(10000000000000000), &f), YB_E_OVERFLOW);
    assert_int_equal(yb_fen_of_qty_price(INT64_C(1000000000), INT64_C(10000000000000000), &f), YB_OK);
    assert_int_equal(f, INT64_C(100000000000000000));
    /* ratios: 0.01 x 0.5 = 0.005 -> 0.01; 1176.47 = round(1000.00 / 0.85) */
    assert_int_equal(yb_fen_mul_ratio(1, 5000, &f), YB_OK); assert_int_equal(f, 1);
    assert_int_equal(yb_fen_mul_ratio(3, 5000, &f), YB_OK); assert_int_equal(f, 2);   /* 1.5 -> 2 */
    assert_int_equal(yb_fen_mul_ratio(1020000, 6000, &f), YB_OK); assert_int_equal(f, 612000);
    assert_int_equal(yb_fen_div_ratio(100000, 8500, &f), YB_OK); assert_int_equal(f, 117647);
    assert_int_equal(yb_fen_div_ratio(100000, 0, &f), YB_E_INVALID);
    /* exactly half a fen: 1 x 0.5 fen = 0.005 yuan; cnt 1e-4 x pric 5e7 = 5e7 / 1e8 = 0.5 -> 1 */
    assert_int_equal(yb_fen_of_qty_price(1, 50000000, &f), YB_OK); assert_int_equal(f, 1);
    assert_int_equal(yb_fen_of_qty_price(-1, 50000000, &f), YB_OK); assert_int_equal(f, -1);
    assert_int_equal(yb_fen_of_qty_price(1, 49999999, &f), YB_OK); assert_int_equal(f, 0);
    /* at the int64 edge: 10^9 x 922337203685477580 = 9223372036854775800 x 10^8 -> fits;
     * the next price unit gives 9223372036854775810 > INT64_MAX -> overflow */
    assert_int_equal(yb_fen_of_qty_price(INT64_C(1000000000), INT64_C(922337203685477580), &f), YB_OK);
    assert_int_equal(f, INT64_C(9223372036854775800));
    assert_int_equal(yb_fen_of_qty_price(INT64_C(1000000000), INT64_C(922337203685477581), &f), YB_E_OVERFLOW);
    /* the largest text values: 10^16 x 10^16 = 10^32, / 10^8 = 10^24 fen: overflow, not wrap */
    assert_int_equal(yb_fen_of_qty_price(YB_DEC_MAX, YB_DEC_MAX, &f), YB_E_OVERFLOW);
    assert_int_equal(yb_fen_of_qty_price(YB_DEC_MAX, -YB_DEC_MAX, &f), YB_E_OVERFLOW);
    assert_int_equal(yb_fen_of_qty_price(INT64_MIN, INT64_MIN, &f), YB_E_OVERFLOW);
    /* mul_ratio: a x r / 10^4 */
    assert_int_equal(yb_fen_mul_ratio(-1, 5000, &f), YB_OK); assert_int_equal(f, -1);    /* -0.5 -> -1 */
    assert_int_equal(yb_fen_mul_ratio(INT64_MAX, 10000, &f), YB_OK); assert_int_equal(f, INT64_MAX);
    assert_int_equal(yb_fen_mul_ratio(INT64_MAX, 10001, &f), YB_E_OVERFLOW);
    assert_int_equal(yb_fen_mul_ratio(12345, 0, &f), YB_OK); assert_int_equal(f, 0);
    /* 0.15 x 0.85 = 0.1275 yuan = 12.75 fen -> 13 */
    assert_int_equal(yb_fen_mul_ratio(15, 8500, &f), YB_OK); assert_int_equal(f, 13);
    /* div_ratio: a x 10^4 / r. 0.01 / 0.0003 = 33.33 yuan = 3333.3 fen -> 3333;
     * 0.05 / 0.0003 = 16666.67 fen -> 16667; -0.01 / 0.0003 -> -3333 */
    assert_int_equal(yb_fen_div_ratio(1, 3, &f), YB_OK); assert_int_equal(f, 3333);
    assert_int_equal(yb_fen_div_ratio(5, 3, &f), YB_OK); assert_int_equal(f, 16667);
    assert_int_equal(yb_fen_div_ratio(-1, 3, &f), YB_OK); assert_int_equal(f, -3333);
    assert_int_equal(yb_fen_div_ratio(INT64_MAX, 1, &f), YB_E_OVERFLOW);
    assert_int_equal(yb_fen_div_ratio(INT64_MAX, 10000, &f), YB_OK); assert_int_equal(f, INT64_MAX);
    assert_int_equal(yb_fen_div_ratio(100, -5000, &f), YB_E_INVALID);
    int64_t s;
    assert_int_equal(yb_add(INT64_MAX, 0, &s), YB_OK); assert_int_equal(s, INT64_MAX);
    assert_int_equal(yb_add(INT64_MIN, -1, &s), YB_E_OVERFLOW);
    assert_int_equal(yb_sub(0, INT64_MIN, &s), YB_E_OVERFLOW);
    assert_int_equal(yb_sub(-1, INT64_MAX, &s), YB_OK); assert_int_equal(s, INT64_MIN);
    assert_int_equal(yb_add(INT64_MAX, 1, &s), YB_E_OVERFLOW);
    assert_int_equal(yb_sub(INT64_MIN, 1, &s), YB_E_OVERFLOW);
    assert_int_equal(yb_add(2, 3, &s), YB_OK); assert_int_equal(s, 5);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table), cmocka_unit_test(test_parse_edges), cmocka_unit_test(test_parse_paths), cmocka_unit_test(test_ratio), cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_div), cmocka_unit_test(test_products), cmocka_unit_test(test_pct_and_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
