/*
 * test_money.c — exact decimals: parsing, formatting, the one rounding function, products.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "yibao/money.h"

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
    {"00000000000000000000001", 2, 0, YB_OK, 100}, /* leading zeros are not digits of magnitude */
    {"100000000000000.00", 2, 0, YB_OK, INT64_C(10000000000000000)}, /* exactly YB_DEC_MAX */
    {"100000000000000.01", 2, 0, YB_E_OVERFLOW, 0},
    {"9999999999999999999", 0, 0, YB_E_OVERFLOW, 0}, /* 19 digits */
    {"99999999999999999999999", 2, 0, YB_E_OVERFLOW, 0},
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
}

static void test_round_div(void **state) {
    (void)state;
    int64_t v;
    /* 5/10 = 0.5 rounds away from zero to 1; -5/10 to -1; 4/10 to 0; 15/10 to 2 */
    assert_int_equal(yb_round_div(5, 10, &v), YB_OK); assert_int_equal(v, 1);
    assert_int_equal(yb_round_div(-5, 10, &v), YB_OK); assert_int_equal(v, -1);
    assert_int_equal(yb_round_div(4, 10, &v), YB_OK); assert_int_equal(v, 0);
    assert_int_equal(yb_round_div(-4, 10, &v), YB_OK); assert_int_equal(v, 0);
    assert_int_equal(yb_round_div(15, 10, &v), YB_OK); assert_int_equal(v, 2);
    assert_int_equal(yb_round_div(1, 0, &v), YB_E_INVALID);
    yb_i128 big = (yb_i128)INT64_MAX * 4;
    assert_int_equal(yb_round_div(big, 2, &v), YB_E_OVERFLOW);
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
    int64_t s;
    assert_int_equal(yb_add(INT64_MAX, 1, &s), YB_E_OVERFLOW);
    assert_int_equal(yb_sub(INT64_MIN, 1, &s), YB_E_OVERFLOW);
    assert_int_equal(yb_add(2, 3, &s), YB_OK); assert_int_equal(s, 5);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table), cmocka_unit_test(test_ratio), cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_div), cmocka_unit_test(test_products),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
