/*
 * fuzz_decimal.c — libFuzzer target for the decimal, rounding, date, ID-number and masking code.
 *
 * Invariants checked on every input:
 *  - a decimal that parses (any scale 0..12, either sign rule) is within YB_DEC_MAX, is not
 *    negative unless allowed, formats back to text that parses to the same value, and parses at
 *    the next scale to ten times the value (when that is still within the bound);
 *  - yb_round_div's result is the nearest integer, ties away from zero;
 *  - a date-time that parses formats back to the same instant; a valid ID number's check
 *    character is the computed one and its birth date formats back to its digits;
 *  - masking never shows more than the first 3 and last 2 characters, and nothing crashes or
 *    reads out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/date.h"
#include "yibao/idcard.h"
#include "yibao/money.h"
#include "core/money_int.h"

static int64_t abs64(int64_t v) { return v < 0 ? -v : v; }

static void check_decimal(const char *s, size_t size) {
    for (int scale = -1; scale <= 13; scale++) {
        int64_t prev = 0;
        for (int neg = 0; neg <= 1; neg++) {
            int64_t v, g = 0;
            yb_rc rc = yb_dec_parse(s, size, scale, neg, &v);
            /* the one-pass path for plain forms agrees with the general parser */
            if (yb__dec_parse_general(s, size, scale, neg, &g) != rc || (rc == YB_OK && g != v)) abort();
            if (rc != YB_OK) {
                if (neg && prev) abort(); /* allowing a sign never loses a value */
                continue;
            }
            if (scale < 0 || scale > 12) abort();
            if (abs64(v) > YB_DEC_MAX) abort();
            if (!neg && v < 0) abort();
            if (neg == 0) prev = 1;
            char buf[48];
            yb_dec_fmt(v, scale, buf);
            int64_t w;
            if (yb_dec_parse(buf, strlen(buf), scale, 1, &w) != YB_OK || w != v) abort();
            if (scale < 12 && abs64(v) <= YB_DEC_MAX / 10) {
                if (yb_dec_parse(s, size, scale + 1, neg, &w) != YB_OK || w != v * 10) abort();
            }
        }
    }
    yb_ratio r;
    if (yb_ratio_parse(s, size, 0, &r) == YB_OK && (r < 0 || r > YB_RATIO_ONE)) abort();
    if (yb_ratio_parse(s, size, 1, &r) == YB_OK && (r < -1000 * YB_RATIO_ONE || r > 1000 * YB_RATIO_ONE)) abort();
}

static int64_t read64(const uint8_t *p) {
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u = u << 8 | p[i];
    return (int64_t)u;
}

static void check_rounding(const uint8_t *data, size_t size) {
    if (size < 24) return;
    int64_t a = read64(data), b = read64(data + 8), den = read64(data + 16);
    if (den == INT64_MIN) den = INT64_MAX;
    if (den < 0) den = -den;
    if (den == 0) den = 1;
    yb_i128 num = (yb_i128)a * b;
    int64_t q;
    if (yb_round_div(num, den, &q) == YB_OK) {
        /* |num - q x den| <= den / 2, and on a tie q is the one farther from zero */
        yb_i128 diff = num - (yb_i128)q * den;
        yb_i128 adiff = diff < 0 ? -diff : diff;
        if (adiff * 2 > den) abort();
        if (adiff * 2 == den && ((num > 0 && diff > 0) || (num < 0 && diff < 0))) abort();
    } else {
        /* only an out-of-range quotient may fail */
        yb_i128 t = num / den;
        if (t > (yb_i128)INT64_MIN + 1 && t < (yb_i128)INT64_MAX - 1) abort();
    }
    yb_fen f;
    (void)yb_fen_of_qty_price(a, b, &f);
    (void)yb_fen_mul_ratio(a, (yb_ratio)b, &f);
    (void)yb_fen_div_ratio(a, (yb_ratio)b, &f);
}

static void check_dates_ids(const char *s, size_t size) {
    yb_date d;
    if (yb_date_parse(s, size, &d) == YB_OK) {
        char buf[12];
        yb_date_fmt(d, buf);
        yb_date e;
        if (yb_date_parse(buf, strlen(buf), &e) != YB_OK || e != d) abort();
    }
    yb_datetime t;
    if (yb_datetime_parse(s, size, &t) == YB_OK) {
        char buf[24];
        yb_datetime_fmt(t, buf);
        yb_datetime u;
        if (yb_datetime_parse(buf, strlen(buf), &u) != YB_OK || u != t) abort();
    }
    yb_err e;
    yb_err_clear(&e);
    yb_date birth;
    int sex;
    if (yb_idcard_check(s, size, YB_DATE_NONE, &birth, &sex, &e) == YB_OK) {
        if (sex != 1 && sex != 2) abort();
        char c = s[17] == 'x' ? 'X' : s[17];
        if (yb_idcard_check_char(s) != c) abort();
        char buf[12];
        yb_date_fmt(birth, buf);
        if (memcmp(buf, s + 6, 4) || memcmp(buf + 5, s + 10, 2) || memcmp(buf + 8, s + 12, 2)) abort();
    } else {
        if (e.rc != YB_E_INVALID || strcmp(e.field, "certno")) abort();
        /* at most 5 characters of the number are shown (a character is at most 4 bytes) */
        size_t shown = 0;
        for (const char *p = e.value; *p; p++) shown += *p != '*';
        if (shown > 5 * 4) abort();
    }
}

static void check_mask(const char *s, size_t size) {
    char *z = malloc(size + 1);
    if (!z) return;
    memcpy(z, s, size);
    z[size] = '\0';
    static const char *const fields[] = {"certno", "data.psn_name", "addr", "cnt"};
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
        for (size_t cap = 1; cap <= 97; cap += 16) {
            char out[97];
            memset(out, 'Z', sizeof out);
            yb_mask(fields[f], z, out, cap);
            size_t n = strnlen(out, cap);
            if (n >= cap) abort(); /* terminated inside cap */
        }
        yb_err e;
        yb_err_clear(&e);
        yb_err_set(&e, YB_E_INVALID, fields[f], z, "x");
        if (strlen(e.value) >= sizeof e.value) abort();
    }
    free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *s = (const char *)data;
    check_decimal(s, size);
    check_rounding(data, size);
    check_dates_ids(s, size);
    check_mask(s, size);
    return 0;
}
