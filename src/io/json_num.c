/*
 * json_num.c — exact numbers in and out of JSON (see include/yibao/json_num.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/json_num.h"

const char *yb_json_text_of(json_object *v) {
    if (!v) return NULL;
    switch (json_object_get_type(v)) {
    case json_type_string:
    case json_type_int:
    case json_type_double:
        /* for numbers json-c returns the text as it was in the document */
        return json_object_get_string(v);
    default:
        return NULL;
    }
}

static const char *type_name(json_object *v) {
    if (!v) return "null";
    switch (json_object_get_type(v)) {
    case json_type_object: return "an object";
    case json_type_array: return "an array";
    case json_type_boolean: return "a boolean";
    case json_type_null: return "null";
    default: return "a value";
    }
}

static yb_rc dec(json_object *v, const char *path, int scale, int allow_neg, int64_t *out, const char *what,
                 yb_err *err) {
    const char *t = yb_json_text_of(v);
    if (!t) return yb_err_set(err, YB_E_INVALID, path, NULL, "%s expected, found %s", what, type_name(v));
    size_t n = strlen(t);
    yb_rc rc = yb_dec_parse(t, n, scale, allow_neg, out);
    switch (rc) {
    case YB_OK: return YB_OK;
    case YB_E_PRECISION: return yb_err_set(err, rc, path, t, "%s has more than %d decimals", what, scale);
    case YB_E_OVERFLOW: return yb_err_set(err, rc, path, t, "%s is too large", what);
    default:
        if (!allow_neg && t[0] == '-') return yb_err_set(err, YB_E_INVALID, path, t, "%s may not be negative", what);
        return yb_err_set(err, YB_E_INVALID, path, t, "not a plain decimal %s (digits, one '.', no exponent)", what);
    }
}

yb_rc yb_json_money(json_object *v, const char *path, int allow_neg, yb_fen *out, yb_err *err) {
    return dec(v, path, YB_FEN_SCALE, allow_neg, out, "an amount", err);
}

yb_rc yb_json_qty(json_object *v, const char *path, int allow_neg, yb_qty *out, yb_err *err) {
    return dec(v, path, YB_QTY_SCALE, allow_neg, out, "a quantity", err);
}

yb_rc yb_json_price(json_object *v, const char *path, yb_price *out, yb_err *err) {
    return dec(v, path, YB_PRICE_SCALE, 0, out, "a price", err);
}

yb_rc yb_json_ratio(json_object *v, const char *path, int allow_any, yb_ratio *out, yb_err *err) {
    int64_t r;
    yb_rc rc = dec(v, path, YB_RATIO_SCALE, allow_any, &r, "a ratio", err);
    if (rc) return rc;
    if (!allow_any && r > YB_RATIO_ONE) return yb_err_set(err, YB_E_INVALID, path, yb_json_text_of(v), "ratio above 1");
    if (r > YB_RATIO_ONE * 100 || r < -YB_RATIO_ONE * 100)
        return yb_err_set(err, YB_E_INVALID, path, yb_json_text_of(v), "ratio out of range");
    *out = (yb_ratio)r;
    return YB_OK;
}

yb_rc yb_json_date(json_object *v, const char *path, yb_date *out, yb_err *err) {
    if (!v || json_object_get_type(v) != json_type_string)
        return yb_err_set(err, YB_E_INVALID, path, NULL, "a date \"yyyy-MM-dd\" expected, found %s", type_name(v));
    const char *t = json_object_get_string(v);
    if (yb_date_parse(t, strlen(t), out)) return yb_err_set(err, YB_E_INVALID, path, t, "not a valid date yyyy-MM-dd");
    return YB_OK;
}

yb_rc yb_json_datetime(json_object *v, const char *path, yb_datetime *out, yb_err *err) {
    if (!v || json_object_get_type(v) != json_type_string)
        return yb_err_set(err, YB_E_INVALID, path, NULL, "a time \"yyyy-MM-dd HH:mm:ss\" expected, found %s", type_name(v));
    const char *t = json_object_get_string(v);
    if (yb_datetime_parse(t, strlen(t), out))
        return yb_err_set(err, YB_E_INVALID, path, t, "not a valid time yyyy-MM-dd HH:mm:ss");
    return YB_OK;
}

yb_rc yb_json_str(json_object *v, const char *path, char *out, size_t cap, yb_err *err) {
    const char *t = yb_json_text_of(v);
    if (!t) return yb_err_set(err, YB_E_INVALID, path, NULL, "a string expected, found %s", type_name(v));
    size_t n = strlen(t);
    if (n >= cap) return yb_err_set(err, YB_E_LIMIT, path, t, "longer than %zu bytes", cap - 1);
    memcpy(out, t, n + 1);
    return YB_OK;
}

yb_rc yb_json_flag(json_object *v, const char *path, int *out, yb_err *err) {
    if (v && json_object_get_type(v) == json_type_boolean) {
        *out = json_object_get_boolean(v) ? 1 : 0;
        return YB_OK;
    }
    const char *t = yb_json_text_of(v);
    if (t && (!strcmp(t, "0") || !strcmp(t, "1"))) {
        *out = t[0] - '0';
        return YB_OK;
    }
    return yb_err_set(err, YB_E_INVALID, path, t, "a flag \"0\" or \"1\" expected");
}

yb_rc yb_json_parse(const char *text, size_t len, const char *fname, json_object **out, yb_err *err) {
    if (len > (size_t)INT32_MAX) return yb_err_set(err, YB_E_LIMIT, NULL, NULL, "document too large");
    json_tokener *tok = json_tokener_new();
    if (!tok) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    json_object *o = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t off = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (je == json_tokener_success && off < len) {
        /* trailing text after the document: only white space is allowed */
        for (size_t i = off; i < len; i++)
            if (text[i] != ' ' && text[i] != '\n' && text[i] != '\r' && text[i] != '\t') {
                je = json_tokener_error_parse_unexpected;
                off = i;
                break;
            }
    }
    if (je != json_tokener_success || !o) {
        if (o) json_object_put(o);
        if (je == json_tokener_continue) je = json_tokener_error_parse_eof;
        long line = 1, col = 1;
        for (size_t i = 0; i < off && i < len; i++) {
            if (text[i] == '\n') line++, col = 1;
            else col++;
        }
        yb_err_set(err, YB_E_INVALID, NULL, NULL, "JSON syntax error at column %ld: %s", col,
                   json_tokener_error_desc(je));
        yb_err_at(err, fname, line);
        return YB_E_INVALID;
    }
    *out = o;
    return YB_OK;
}

/* ---- writer ---- */

void yb_jw_init(yb_jw *w) { memset(w, 0, sizeof *w); }

static void put(yb_jw *w, const char *s, size_t n) {
    if (w->failed) return;
    if (w->len + n + 1 > w->cap) {
        size_t nc = w->cap ? w->cap : 256;
        while (w->len + n + 1 > nc) nc *= 2;
        char *nb = realloc(w->buf, nc);
        if (!nb) {
            w->failed = 1;
            return;
        }
        w->buf = nb;
        w->cap = nc;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void sep(yb_jw *w) {
    if (w->need_comma) put(w, ",", 1);
    w->need_comma = 1;
}

char *yb_jw_finish(yb_jw *w) {
    char *b = w->failed ? NULL : w->buf;
    if (w->failed) free(w->buf);
    if (b == NULL && !w->failed) b = calloc(1, 1);
    memset(w, 0, sizeof *w);
    return b;
}

void yb_jw_open(yb_jw *w, char c) {
    sep(w);
    put(w, &c, 1);
    w->need_comma = 0;
}

void yb_jw_close(yb_jw *w, char c) {
    put(w, &c, 1);
    w->need_comma = 1;
}

static void put_escaped(yb_jw *w, const char *s) {
    put(w, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\' || c < 0x20) {
            put(w, run, (size_t)(s - run));
            char esc[8];
            if (c == '"') strcpy(esc, "\\\"");
            else if (c == '\\') strcpy(esc, "\\\\");
            else if (c == '\n') strcpy(esc, "\\n");
            else if (c == '\r') strcpy(esc, "\\r");
            else if (c == '\t') strcpy(esc, "\\t");
            else snprintf(esc, sizeof esc, "\\u%04x", c);
            put(w, esc, strlen(esc));
            run = s + 1;
        }
    }
    put(w, run, (size_t)(s - run));
    put(w, "\"", 1);
}

void yb_jw_key(yb_jw *w, const char *k) {
    sep(w);
    put_escaped(w, k);
    put(w, ":", 1);
    w->need_comma = 0;
}

void yb_jw_str(yb_jw *w, const char *s) {
    if (!s) {
        yb_jw_null(w);
        return;
    }
    sep(w);
    put_escaped(w, s);
}

void yb_jw_null(yb_jw *w) {
    sep(w);
    put(w, "null", 4);
}

void yb_jw_int(yb_jw *w, long long v) {
    char b[32];
    int n = snprintf(b, sizeof b, "%lld", v);
    sep(w);
    put(w, b, (size_t)n);
}

void yb_jw_dec(yb_jw *w, int64_t v, int scale) {
    char b[48];
    yb_dec_fmt(v, scale, b);
    sep(w);
    put(w, b, strlen(b));
}

void yb_jw_raw(yb_jw *w, const char *json) {
    sep(w);
    put(w, json, strlen(json));
}
