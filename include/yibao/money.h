/*
 * money.h — exact decimal quantities: money, quantity, unit price, ratio.
 *
 * Nothing here uses floating point. Text is parsed digit by digit into a scaled int64; products
 * use a 128-bit intermediate and are rounded once, half away from zero ("half up" for the
 * non-negative amounts of settlement), by yb_round_div. Every operation that can overflow
 * reports it instead of wrapping.
 *
 *   quantity   type       unit                     text form
 *   money      yb_fen     1/100 yuan (fen)         at most 2 decimals  "1200.00", "1200", "1200.5"
 *   cnt        yb_qty     1/10000                  at most 4 decimals
 *   price      yb_price   1/1000000 yuan           at most 6 decimals (pric, pric_uplmt_amt)
 *   ratio      yb_ratio   1/10000                  at most 4 decimals, 0..1 for shares
 */
#ifndef YIBAO_MONEY_H
#define YIBAO_MONEY_H

#include <stdint.h>
#include <stddef.h>
#include "yibao/rc.h"

/* 128-bit intermediate for products (gcc/clang extension; __extension__ keeps -Wpedantic quiet).
 * Write yb_i128, never __int128, so that -Wpedantic -Werror builds pass. */
__extension__ typedef __int128 yb_i128;

typedef int64_t yb_fen;
typedef int64_t yb_qty;
typedef int64_t yb_price;
typedef int32_t yb_ratio;

#define YB_FEN_SCALE 2
#define YB_QTY_SCALE 4
#define YB_PRICE_SCALE 6
#define YB_RATIO_SCALE 4
#define YB_QTY_ONE 10000
#define YB_PRICE_ONE 1000000
#define YB_RATIO_ONE 10000

/* Largest absolute value accepted from text for any of the types above, in its own unit:
 * 10^16 units (e.g. 100 trillion yuan of money). Sums of many such values still fit in int64
 * for the line counts we accept; arithmetic is checked anyway. */
#define YB_DEC_MAX INT64_C(10000000000000000)

/* Price value that the national interface uses for "no cap" (99999999 yuan). */
#define YB_PRICE_NOCAP (INT64_C(99999999) * YB_PRICE_ONE)

/* Parse decimal text s[0..n) with at most `scale` decimals into *out (value x 10^scale).
 * Accepts an optional leading '-' only if allow_neg, an optional leading '+', digits, and an
 * optional '.' followed by digits ("12.", ".5" are rejected; "12.50" with scale 2 is fine;
 * "12.500" with scale 2 is YB_E_PRECISION even though the extra digit is 0).
 * Rejects empty text, spaces, exponents, "nan", "inf", more than 18 integer digits.
 * Errors: YB_E_INVALID (syntax), YB_E_PRECISION, YB_E_OVERFLOW (|value| > YB_DEC_MAX).
 * *out is written only on success. */
yb_rc yb_dec_parse(const char *s, size_t n, int scale, int allow_neg, int64_t *out);

/* Convenience wrappers (allow_neg as given). */
yb_rc yb_fen_parse(const char *s, size_t n, int allow_neg, yb_fen *out);
yb_rc yb_qty_parse(const char *s, size_t n, int allow_neg, yb_qty *out);
yb_rc yb_price_parse(const char *s, size_t n, int allow_neg, yb_price *out);
/* Ratio must be within [0, 1] unless allow_any (then any value with |v| <= 1000). */
yb_rc yb_ratio_parse(const char *s, size_t n, int allow_any, yb_ratio *out);

/* Format v (scaled by 10^scale) as decimal text with exactly `scale` decimals, e.g.
 * yb_dec_fmt(-5, 2, ...) = "-0.05". buf must hold at least 32 bytes. Returns buf. */
char *yb_dec_fmt(int64_t v, int scale, char *buf);
#define yb_fen_fmt(v, buf) yb_dec_fmt((v), YB_FEN_SCALE, (buf))
#define yb_ratio_fmt(v, buf) yb_dec_fmt((v), YB_RATIO_SCALE, (buf))
#define yb_qty_fmt(v, buf) yb_dec_fmt((v), YB_QTY_SCALE, (buf))
#define yb_price_fmt(v, buf) yb_dec_fmt((v), YB_PRICE_SCALE, (buf))
/* A ratio (1/10000) as a percentage without trailing zeros: "85%", "60.5%", "7.25%"; buf of 16
 * bytes holds any value. Returns buf. */
char *yb_pct_fmt(yb_ratio r, char *buf);

/* The one rounding function: round(num / den) half away from zero; den > 0.
 * YB_E_OVERFLOW if the result does not fit in int64. */
yb_rc yb_round_div(yb_i128 num, int64_t den, int64_t *out);

/* round(cnt x pric) to the fen. */
yb_rc yb_fen_of_qty_price(yb_qty cnt, yb_price pric, yb_fen *out);
/* round(a x r) to the fen. */
yb_rc yb_fen_mul_ratio(yb_fen a, yb_ratio r, yb_fen *out);
/* round(a / r) to the fen; r > 0. */
yb_rc yb_fen_div_ratio(yb_fen a, yb_ratio r, yb_fen *out);
/* Checked a + b and a - b. */
yb_rc yb_add(int64_t a, int64_t b, int64_t *out);
yb_rc yb_sub(int64_t a, int64_t b, int64_t *out);

static inline int64_t yb_min64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t yb_max64(int64_t a, int64_t b) { return a > b ? a : b; }

#endif
