/*
 * json_num.h — exact numbers in JSON (io/json_num.c).
 *
 * json-c keeps the original text of every number it parses, so money, ratios, quantities and
 * prices are read from that text digit by digit (never through double). A value may be a JSON
 * number or a string holding one ("1200", 1200, "1200.00", 1200.5), as real clients send both.
 * Exponents ("1e3"), more decimals than the unit allows and values beyond YB_DEC_MAX are
 * refused. Every error names the JSON path and the value.
 *
 * Output goes through yb_jw, a small JSON writer into a growing buffer, so that amounts are
 * written as numbers with exactly the decimals the interface expects.
 */
#ifndef YIBAO_JSON_NUM_H
#define YIBAO_JSON_NUM_H

#include <json-c/json.h>
#include <stddef.h>

#include "yibao/date.h"
#include "yibao/money.h"

/* Text of a number or string value; NULL for other types (object, array, bool, null). */
const char *yb_json_text_of(json_object *v);

/* Largest |ratio| accepted where any ratio is allowed (factors, added points): 1000. */
#define YB_RATIO_ANY_MAX (1000 * YB_RATIO_ONE)

yb_rc yb_json_money(json_object *v, const char *path, int allow_neg, yb_fen *out, yb_err *err);
yb_rc yb_json_ratio(json_object *v, const char *path, int allow_any, yb_ratio *out, yb_err *err);
yb_rc yb_json_qty(json_object *v, const char *path, int allow_neg, yb_qty *out, yb_err *err);
yb_rc yb_json_price(json_object *v, const char *path, yb_price *out, yb_err *err);
yb_rc yb_json_date(json_object *v, const char *path, yb_date *out, yb_err *err);
yb_rc yb_json_datetime(json_object *v, const char *path, yb_datetime *out, yb_err *err);
/* A code or text: string or number, at most cap-1 bytes. */
yb_rc yb_json_str(json_object *v, const char *path, char *out, size_t cap, yb_err *err);
/* 0/1 flag from "0", "1", 0, 1, true, false. */
yb_rc yb_json_flag(json_object *v, const char *path, int *out, yb_err *err);

/* Parse a whole document (strict JSON, valid UTF-8; a leading byte order mark is skipped). A syntax
 * error is YB_E_INVALID naming line and column; a key written twice in one object is
 * YB_E_DUPLICATE naming its path (json-c would silently keep the last). */
yb_rc yb_json_parse(const char *text, size_t len, const char *fname, json_object **out, yb_err *err);

/* ---- writer ---- */
#define YB_JW_MAX ((size_t)256 << 20)  /* a reply larger than 256 MiB fails like an allocation */
typedef struct yb_jw {
    char *buf;
    size_t len, cap;
    int need_comma;   /* a value was written at this level */
    int failed;       /* allocation failed: the result is NULL */
} yb_jw;

void yb_jw_init(yb_jw *w);
/* The text (heap, caller frees) or NULL after an allocation failure. Resets the writer. */
char *yb_jw_finish(yb_jw *w);
void yb_jw_open(yb_jw *w, char c);     /* '{' or '[' */
void yb_jw_close(yb_jw *w, char c);    /* '}' or ']' */
void yb_jw_key(yb_jw *w, const char *k);
/* A key of n bytes known to be printable ASCII without '"' or '\\' (a literal of the code):
 * written without yb_jw_key's scan. YB_JW_KEY(w, "name") passes the literal's length. */
void yb_jw_keyn(yb_jw *w, const char *k, size_t n);
#define YB_JW_KEY(w, lit) yb_jw_keyn((w), "" lit, sizeof(lit) - 1)
void yb_jw_str(yb_jw *w, const char *s);   /* NULL writes null */
void yb_jw_null(yb_jw *w);
void yb_jw_bool(yb_jw *w, int v);
void yb_jw_int(yb_jw *w, long long v);
void yb_jw_dec(yb_jw *w, int64_t v, int scale);     /* a number with exactly `scale` decimals */
void yb_jw_dec_str(yb_jw *w, int64_t v, int scale); /* the same as a string: "0.8500" */
void yb_jw_raw(yb_jw *w, const char *json);          /* pre-formed JSON value */
void yb_jw_append(yb_jw *w, const char *text);       /* more text of the value written last (no separator) */
#define yb_jw_money(w, v) yb_jw_dec((w), (v), YB_FEN_SCALE)
#define yb_jw_ratio(w, v) yb_jw_dec((w), (v), YB_RATIO_SCALE)
#define yb_jw_qty(w, v) yb_jw_dec((w), (v), YB_QTY_SCALE)
#define yb_jw_price(w, v) yb_jw_dec((w), (v), YB_PRICE_SCALE)

#endif
