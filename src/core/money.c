/*
 * money.c — exact decimals (see include/yibao/money.h).
 *
 * Text is parsed digit by digit into a scaled int64; no floating point anywhere. Products are
 * formed in yb_i128 and rounded exactly once by yb_round_div, half away from zero.
 */
#include <string.h>

#include "yibao/money.h"
#include "yibao/str.h"
#include "core/money_int.h"

static const int64_t pow10_tab[19] = {
    INT64_C(1), INT64_C(10), INT64_C(100), INT64_C(1000), INT64_C(10000), INT64_C(100000),
    INT64_C(1000000), INT64_C(10000000), INT64_C(100000000), INT64_C(1000000000),
    INT64_C(10000000000), INT64_C(100000000000), INT64_C(1000000000000),
    INT64_C(10000000000000), INT64_C(100000000000000), INT64_C(1000000000000000),
    INT64_C(10000000000000000), INT64_C(100000000000000000), INT64_C(1000000000000000000),
};

/* Largest scale accepted: 18 integer digits and 12 decimals still fit a yb_i128 accumulator. */
#define DEC_SCALE_MAX 12
#define DEC_INT_DIGITS_MAX 18

/* The plain forms ("12", "-3", "30.00": at most 12 integer digits, at most `scale` decimals) in
 * one pass; 0 for anything else, which the general parser below then decides. */
static int dec_plain(const char *s, size_t n, int scale, int allow_neg, int64_t *out) {
    size_t i = 0;
    int neg = 0;
    if (n && s[0] == '-') {
        if (!allow_neg) return 0;
        neg = 1;
        i = 1;
    }
    uint64_t u = 0;
    size_t id = 0;
    for (; i < n && (unsigned)(s[i] - '0') < 10u; i++, id++) u = u * 10 + (uint64_t)(s[i] - '0');
    if (!id || id > 12 || scale > 6) return 0;
    int fd = 0;
    if (i < n) {
        if (s[i++] != '.') return 0;
        for (; i < n && fd < scale && (unsigned)(s[i] - '0') < 10u; i++, fd++) u = u * 10 + (uint64_t)(s[i] - '0');
        if (!fd || i != n) return 0;
    }
    u *= (uint64_t)pow10_tab[scale - fd];
    if (u > (uint64_t)YB_DEC_MAX) return 0;
    *out = neg ? -(int64_t)u : (int64_t)u;
    return 1;
}

yb_rc yb_dec_parse(const char *s, size_t n, int scale, int allow_neg, int64_t *out) {
    if (!s || !out || scale < 0 || scale > DEC_SCALE_MAX) return YB_E_INVALID;
    if (dec_plain(s, n, scale, allow_neg, out)) return YB_OK;
    return yb__dec_parse_general(s, n, scale, allow_neg, out);
}

yb_rc yb__dec_parse_general(const char *s, size_t n, int scale, int allow_neg, int64_t *out) {
    if (!s || !out || scale < 0 || scale > DEC_SCALE_MAX) return YB_E_INVALID;
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) {
        neg = s[i] == '-';
        i++;
    }
    if (neg && !allow_neg) return YB_E_INVALID;
    size_t int_start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    size_t int_digits = i - int_start;
    if (int_digits == 0) return YB_E_INVALID;       /* "", "-", "+", ".5" */
    size_t frac_start = i, frac_digits = 0;
    if (i < n && s[i] == '.') {
        i++;
        frac_start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        frac_digits = i - frac_start;
        if (frac_digits == 0) return YB_E_INVALID;  /* "5." */
    }
    if (i != n) return YB_E_INVALID;                /* anything else: spaces, exponent, letters */
    if (frac_digits > (size_t)scale) return YB_E_PRECISION;
    /* the bound counts every integer digit, leading zeros included, so the work is bounded */
    if (int_digits > DEC_INT_DIGITS_MAX) return YB_E_OVERFLOW;
    yb_i128 v = 0;  /* at most 18 + 12 digits: below 10^30, far inside 128 bits */
    for (size_t k = int_start; k < int_start + int_digits; k++) v = v * 10 + (s[k] - '0');
    for (size_t f = 0; f < (size_t)scale; f++) {
        int d = f < frac_digits ? s[frac_start + f] - '0' : 0;
        v = v * 10 + d;
    }
    if (v > (yb_i128)YB_DEC_MAX) return YB_E_OVERFLOW;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return YB_OK;
}

yb_rc yb_fen_parse(const char *s, size_t n, int allow_neg, yb_fen *out) {
    return yb_dec_parse(s, n, YB_FEN_SCALE, allow_neg, out);
}

yb_rc yb_qty_parse(const char *s, size_t n, int allow_neg, yb_qty *out) {
    return yb_dec_parse(s, n, YB_QTY_SCALE, allow_neg, out);
}

yb_rc yb_price_parse(const char *s, size_t n, int allow_neg, yb_price *out) {
    return yb_dec_parse(s, n, YB_PRICE_SCALE, allow_neg, out);
}

yb_rc yb_ratio_parse(const char *s, size_t n, int allow_any, yb_ratio *out) {
    int64_t v;
    yb_rc rc = yb_dec_parse(s, n, YB_RATIO_SCALE, allow_any, &v);
    if (rc) return rc;
    if (!allow_any && (v < 0 || v > YB_RATIO_ONE)) return YB_E_OVERFLOW;
    if (allow_any && (v > 1000 * (int64_t)YB_RATIO_ONE || v < -1000 * (int64_t)YB_RATIO_ONE))
        return YB_E_OVERFLOW;
    *out = (yb_ratio)v;
    return YB_OK;
}

char *yb_dec_fmt(int64_t v, int scale, char *buf) {
    /* 19 digits, point, sign and up to 18 decimals fit in 32 bytes; other scales are a bug */
    if (scale < 0 || scale > 18) scale = 0;
    char tmp[48];
    int pos = 47;
    tmp[pos] = '\0';
    /* work on the magnitude as unsigned so INT64_MIN formats too */
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    for (int d = 0; d < scale; d++) {
        tmp[--pos] = (char)('0' + m % 10);
        m /= 10;
    }
    if (scale > 0) tmp[--pos] = '.';
    do {
        tmp[--pos] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0) tmp[--pos] = '-';
    memcpy(buf, tmp + pos, (size_t)(48 - pos));
    return buf;
}

char *yb_pct_fmt(yb_ratio r, char *buf) {
    int whole = r / 100, frac = r % 100;
    if (frac < 0) frac = -frac;
    char f[24];
    yb_sint(buf, whole, 0);
    if (frac) {
        strcat(buf, ".");
        strcat(buf, yb_sint(f, frac % 10 ? frac : frac / 10, frac % 10 ? 2 : 1));
    }
    return strcat(buf, "%");
}

yb_rc yb_round_div(yb_i128 num, int64_t den, int64_t *out) {
    if (den <= 0 || !out) return YB_E_INVALID;
    /* work on the magnitude as unsigned 128 bits, so that the most negative num is fine too */
    __extension__ typedef unsigned __int128 u128;
    int neg = num < 0;
    u128 a = neg ? (u128)0 - (u128)num : (u128)num;
    u128 d = (u128)den;
    u128 q = a / d, r = a % d;
    if (r >= d - r) q++;  /* r >= den / 2 exactly, without overflow: half away from zero */
    if (!neg && q > (u128)INT64_MAX) return YB_E_OVERFLOW;
    if (neg && q > (u128)INT64_MAX + 1) return YB_E_OVERFLOW;
    *out = neg ? (int64_t)((uint64_t)0 - (uint64_t)q) : (int64_t)q;
    return YB_OK;
}

yb_rc yb_fen_of_qty_price(yb_qty cnt, yb_price pric, yb_fen *out) {
    /* cnt in 1e-4 x pric in 1e-6 yuan = 1e-10 yuan; a fen is 1e-2 yuan */
    return yb_round_div((yb_i128)cnt * pric, pow10_tab[8], out);
}

yb_rc yb_fen_mul_ratio(yb_fen a, yb_ratio r, yb_fen *out) {
    return yb_round_div((yb_i128)a * r, YB_RATIO_ONE, out);
}

yb_rc yb_fen_div_ratio(yb_fen a, yb_ratio r, yb_fen *out) {
    if (r <= 0) return YB_E_INVALID;
    return yb_round_div((yb_i128)a * YB_RATIO_ONE, r, out);
}

yb_rc yb_add(int64_t a, int64_t b, int64_t *out) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) return YB_E_OVERFLOW;
    *out = r;
    return YB_OK;
}

yb_rc yb_sub(int64_t a, int64_t b, int64_t *out) {
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r)) return YB_E_OVERFLOW;
    *out = r;
    return YB_OK;
}
