/*
 * json_num.c — exact numbers in and out of JSON (see include/yibao/json_num.h).
 *
 * Reading. json-c keeps the text of every fractional number as it was in the document
 * (json_object_new_double_s), and holds integers as int64 whose decimal form is the same digits
 * without leading zeros, so json_object_get_string gives text that yb_dec_parse reads digit by
 * digit; no value ever passes through a double. Two json-c habits are guarded here:
 *   - an integer beyond 64 bits saturates silently (12345678901234567890123 reads as
 *     18446744073709551615); every saturated value has 19 or more digits, far above YB_DEC_MAX,
 *     so it is refused as too large;
 *   - in its lenient mode the tokener accepts "1.5e" as 1.5, NaN, single quotes and trailing
 *     commas; documents are therefore parsed in strict mode, with UTF-8 validation.
 * json-c also keeps only the last of two equal keys in one object; yb_json_parse refuses such
 * documents (a repeated "ratio" must not silently replace the first).
 *
 * Writing. yb_jw writes into one growing buffer (at most YB_JW_MAX bytes) and formats every
 * decimal from its integer, so an amount is written with exactly the decimals asked for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/json_num.h"
#include "yibao/str.h"

const char *yb_json_text_of(json_object *v) {
    if (!v) return NULL;
    switch (json_object_get_type(v)) {
    case json_type_string:
    case json_type_int:
    case json_type_double:
        /* for numbers json-c returns the text as it was in the document (integers: same digits) */
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

/* Text of a string or number value with its length; NULL for other types. A string holding a
 * NUL character ("12\u000034") is refused: C text would silently stop at it. */
static const char *text_n(json_object *v, const char *path, size_t *n, yb_err *err, yb_rc *rc) {
    *rc = YB_OK;
    const char *t = yb_json_text_of(v);
    if (!t) return NULL;
    *n = strlen(t);
    if (json_object_get_type(v) == json_type_string && (size_t)json_object_get_string_len(v) != *n) {
        *rc = yb_err_set(err, YB_E_INVALID, path, t, "text holds a NUL character (\\u0000)");
        return NULL;
    }
    return t;
}

static yb_rc dec(json_object *v, const char *path, int scale, int allow_neg, int64_t *out, const char *what,
                 yb_err *err) {
    size_t n = 0;
    yb_rc rc;
    const char *t = text_n(v, path, &n, err, &rc);
    if (rc) return rc;
    if (!t) return yb_err_set(err, YB_E_INVALID, path, NULL, "%s expected, found %s", what, type_name(v));
    int64_t x;
    rc = yb_dec_parse(t, n, scale, allow_neg, &x);
    switch (rc) {
    case YB_OK: *out = x; return YB_OK;
    case YB_E_PRECISION: return yb_err_set(err, rc, path, t, "%s has more than %d decimals", what, scale);
    case YB_E_OVERFLOW: return yb_err_set(err, rc, path, t, "%s is too large (at most 16 integer digits)", what);
    default:
        if (!allow_neg && t[0] == '-') return yb_err_set(err, YB_E_INVALID, path, t, "%s may not be negative", what);
        if (strpbrk(t, "eE") && !strpbrk(t, "aAnN"))
            return yb_err_set(err, YB_E_INVALID, path, t, "%s may not use an exponent; write plain digits", what);
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
    int64_t r = 0;
    yb_rc rc = dec(v, path, YB_RATIO_SCALE, allow_any, &r, "a ratio", err);
    if (rc) return rc;
    if (!allow_any && r > YB_RATIO_ONE) return yb_err_set(err, YB_E_INVALID, path, yb_json_text_of(v), "ratio above 1");
    if (r > YB_RATIO_ANY_MAX || r < -YB_RATIO_ANY_MAX)
        return yb_err_set(err, YB_E_INVALID, path, yb_json_text_of(v), "ratio beyond the bound of -%d..%d", YB_RATIO_ANY_MAX / YB_RATIO_ONE,
                          YB_RATIO_ANY_MAX / YB_RATIO_ONE);
    *out = (yb_ratio)r;
    return YB_OK;
}

yb_rc yb_json_date(json_object *v, const char *path, yb_date *out, yb_err *err) {
    if (!v || json_object_get_type(v) != json_type_string)
        return yb_err_set(err, YB_E_INVALID, path, NULL, "a date \"yyyy-MM-dd\" expected, found %s", type_name(v));
    size_t n = 0;
    yb_rc rc;
    const char *t = text_n(v, path, &n, err, &rc);
    if (rc) return rc;
    yb_date d;
    if (yb_date_parse(t, n, &d)) return yb_err_set(err, YB_E_INVALID, path, t, "not a valid date yyyy-MM-dd");
    *out = d;
    return YB_OK;
}

yb_rc yb_json_datetime(json_object *v, const char *path, yb_datetime *out, yb_err *err) {
    if (!v || json_object_get_type(v) != json_type_string)
        return yb_err_set(err, YB_E_INVALID, path, NULL, "a time \"yyyy-MM-dd HH:mm:ss\" expected, found %s", type_name(v));
    size_t n = 0;
    yb_rc rc;
    const char *t = text_n(v, path, &n, err, &rc);
    if (rc) return rc;
    yb_datetime d;
    if (yb_datetime_parse(t, n, &d)) return yb_err_set(err, YB_E_INVALID, path, t, "not a valid time yyyy-MM-dd HH:mm:ss");
    *out = d;
    return YB_OK;
}

yb_rc yb_json_str(json_object *v, const char *path, char *out, size_t cap, yb_err *err) {
    size_t n = 0;
    yb_rc rc;
    const char *t = text_n(v, path, &n, err, &rc);
    if (rc) return rc;
    if (!t) return yb_err_set(err, YB_E_INVALID, path, NULL, "a string expected, found %s", type_name(v));
    if (n >= cap) return yb_err_set(err, YB_E_LIMIT, path, t, "longer than %zu bytes", cap - 1);
    memcpy(out, t, n + 1);
    return YB_OK;
}

yb_rc yb_json_flag(json_object *v, const char *path, int *out, yb_err *err) {
    if (v && json_object_get_type(v) == json_type_boolean) {
        *out = json_object_get_boolean(v) ? 1 : 0;
        return YB_OK;
    }
    size_t n = 0;
    yb_rc rc;
    const char *t = text_n(v, path, &n, err, &rc);
    if (rc) return rc;
    if (t && n == 1 && (t[0] == '0' || t[0] == '1')) {
        *out = t[0] - '0';
        return YB_OK;
    }
    return yb_err_set(err, YB_E_INVALID, path, t, "a flag \"0\" or \"1\" expected");
}

/* Length of the valid UTF-8 sequence at s (1..4, at most avail bytes), or 0 when the bytes there
 * are not one (stray continuation, overlong form, surrogate, beyond U+10FFFF, cut short). */
static size_t utf8_len(const unsigned char *s, size_t avail) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t n;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1Fu;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0Fu;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07u;
    else return 0;
    if (n > avail) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

/* ---- parsing whole documents ---- */

/* 1-based line and column (in characters, not bytes) of offset off. */
static void line_col(const char *text, size_t len, size_t off, long *line, long *col) {
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (text[i] == '\n') ++*line, *col = 1;
        else if (((unsigned char)text[i] & 0xC0) != 0x80) ++*col;
    }
}

/* Offset just after the string starting at text[i] == '"' (the document is valid JSON). */
static size_t skip_string(const char *text, size_t len, size_t i) {
    for (i++; i < len && text[i] != '"'; i++)
        if (text[i] == '\\') i++;
    return i + 1;
}

static size_t skip_ws(const char *text, size_t len, size_t i) {
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) i++;
    return i;
}

/* Object keys as written, in document order: one entry per '{' (its offset and key count). */
typedef struct obj_keys {
    size_t *off;
    size_t *count;
    size_t n, cap;
} obj_keys;

#define DUP_MAX_DEPTH 64

static yb_rc count_keys(const char *text, size_t len, obj_keys *ok) {
    size_t stack[DUP_MAX_DEPTH]; /* index into ok of each open object, SIZE_MAX for an array */
    int depth = 0;
    for (size_t i = 0; i < len;) {
        char c = text[i];
        if (c == '"') {
            size_t e = skip_string(text, len, i);
            size_t nx = skip_ws(text, len, e);
            if (nx < len && text[nx] == ':' && depth > 0 && stack[depth - 1] != SIZE_MAX) ok->count[stack[depth - 1]]++;
            i = e;
            continue;
        }
        if (c == '{' || c == '[') {
            if (depth == DUP_MAX_DEPTH) return YB_E_LIMIT; /* json-c refuses deeper documents first */
            if (c == '{') {
                if (ok->n == ok->cap) {
                    size_t nc = ok->cap ? ok->cap * 2 : 64;
                    size_t *a = realloc(ok->off, nc * sizeof *a);
                    if (!a) return YB_E_NOMEM;
                    ok->off = a;
                    size_t *b = realloc(ok->count, nc * sizeof *b);
                    if (!b) return YB_E_NOMEM;
                    ok->count = b;
                    ok->cap = nc;
                }
                ok->off[ok->n] = i;
                ok->count[ok->n] = 0;
                stack[depth++] = ok->n++;
            } else {
                stack[depth++] = SIZE_MAX;
            }
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
        i++;
    }
    return YB_OK;
}

/* The first key of the object at text[off] written twice (byte for byte), as (offset, length). */
static int find_dup_key(const char *text, size_t len, size_t off, size_t *at, size_t *klen) {
    enum { MAXK = 512 };
    size_t ks[MAXK], kl[MAXK];
    int nk = 0, depth = 0;
    for (size_t i = off; i < len;) {
        char c = text[i];
        if (c == '"') {
            size_t e = skip_string(text, len, i);
            size_t nx = skip_ws(text, len, e);
            if (depth == 1 && nx < len && text[nx] == ':') {
                for (int k = 0; k < nk; k++)
                    if (kl[k] == e - i && !memcmp(text + ks[k], text + i, e - i)) {
                        *at = i;
                        *klen = e - i;
                        return 1;
                    }
                if (nk == MAXK) return 0;
                ks[nk] = i;
                kl[nk++] = e - i;
            }
            i = e;
            continue;
        }
        if (c == '{' || c == '[') depth++;
        else if (c == '}' || c == ']') {
            if (--depth == 0) break;
        }
        i++;
    }
    return 0;
}

typedef struct dup_walk {
    const obj_keys *ok;
    size_t next;       /* index of the next object in document order */
    size_t found;      /* index of the object with a repeated key, SIZE_MAX while none */
    int paths;         /* build path (a second walk, once a repeated key was found) */
    char path[256];
} dup_walk;

/* Pre-order walk in document order (json-c keeps keys and elements in order); stops at the first
 * object whose distinct keys are fewer than the keys written. Objects under a dropped duplicate
 * come after their parent, so the parent is found first. */
static void walk(dup_walk *w, json_object *o) {
    if (w->found != SIZE_MAX || !o) return;
    json_type t = json_object_get_type(o);
    if (t == json_type_object) {
        size_t me = w->next++;
        if (me >= w->ok->n || (size_t)json_object_object_length(o) != w->ok->count[me]) {
            w->found = me;
            return;
        }
        size_t base = strlen(w->path);
        json_object_object_foreach(o, k, v) {
            if (w->paths) snprintf(w->path + base, sizeof w->path - base, "%s%s", base ? "." : "", k);
            walk(w, v);
            if (w->found != SIZE_MAX) return;
        }
        w->path[base] = '\0';
    } else if (t == json_type_array) {
        size_t base = strlen(w->path), n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++) {
            if (w->paths) snprintf(w->path + base, sizeof w->path - base, "[%zu]", i);
            walk(w, json_object_array_get_idx(o, i));
            if (w->found != SIZE_MAX) return;
        }
        w->path[base] = '\0';
    }
}

static yb_rc check_dup_keys(const char *text, size_t len, json_object *root, const char *fname, yb_err *err) {
    obj_keys ok = {0};
    yb_rc rc = count_keys(text, len, &ok);
    if (rc == YB_E_NOMEM) {
        free(ok.off);
        free(ok.count);
        return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    }
    dup_walk w = {.ok = &ok, .next = 0, .found = SIZE_MAX, .paths = 0, .path = ""};
    if (rc == YB_OK) walk(&w, root);
    if (w.found != SIZE_MAX) { /* again, naming the path this time (a message is rarely refused) */
        w = (dup_walk){.ok = &ok, .next = 0, .found = SIZE_MAX, .paths = 1, .path = ""};
        walk(&w, root);
    }
    if (w.found != SIZE_MAX && w.found < ok.n) {
        size_t at = ok.off[w.found], kl = 0;
        char field[256];
        if (find_dup_key(text, len, ok.off[w.found], &at, &kl) && kl >= 2)
            snprintf(field, sizeof field, "%s%s%.*s", w.path, w.path[0] ? "." : "", (int)(kl - 2), text + at + 1);
        else
            yb_scopy(field, sizeof field, w.path);
        long line, col;
        line_col(text, len, at, &line, &col);
        rc = yb_err_set(err, YB_E_DUPLICATE, field, NULL,
                        "key given twice in one object (column %ld); the second would silently replace the first", col);
        yb_err_at(err, fname, line);
    } else {
        rc = YB_OK;
    }
    free(ok.off);
    free(ok.count);
    return rc;
}

yb_rc yb_json_parse(const char *text, size_t len, const char *fname, json_object **out, yb_err *err) {
    if (len > (size_t)INT32_MAX) return yb_err_set(err, YB_E_LIMIT, NULL, NULL, "document larger than 2 GiB");
    /* a byte order mark, as some Windows editors write, is not part of the document */
    size_t skip = len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
    /* json-c's own check lets encoded surrogates (ED A0 80) through: check the whole text here */
    for (size_t i = skip; i < len;) {
        size_t n = utf8_len((const unsigned char *)text + i, len - i);
        if (!n) {
            long line, col;
            line_col(text, len, i, &line, &col);
            yb_err_set(err, YB_E_INVALID, NULL, NULL, "JSON syntax error at line %ld column %ld: invalid utf-8 (byte 0x%02x)",
                       line, col, (unsigned char)text[i]);
            yb_err_at(err, fname, line);
            return YB_E_INVALID;
        }
        i += n;
    }
    json_tokener *tok = json_tokener_new();
    if (!tok) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    /* strict JSON; the UTF-8 check is the loop above (json-c's own would check every byte again) */
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *o = json_tokener_parse_ex(tok, text + skip, (int)(len - skip));
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t off = skip + json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (je == json_tokener_success && off < len) {
        /* trailing text after the document: only white space is allowed */
        size_t e = skip_ws(text, len, off);
        if (e < len) {
            je = json_tokener_error_parse_unexpected;
            off = e;
        }
    }
    if (je != json_tokener_success || !o) {
        if (o) json_object_put(o);
        if (je == json_tokener_continue || je == json_tokener_success) je = json_tokener_error_parse_eof;
        long line, col;
        line_col(text, len, off, &line, &col);
        yb_err_set(err, YB_E_INVALID, NULL, NULL, "JSON syntax error at line %ld column %ld: %s", line, col,
                   json_tokener_error_desc(je));
        yb_err_at(err, fname, line);
        return YB_E_INVALID;
    }
    yb_rc rc = check_dup_keys(text, len, o, fname, err);
    if (rc) {
        json_object_put(o);
        return rc;
    }
    *out = o;
    return YB_OK;
}

/* ---- writer ---- */

void yb_jw_init(yb_jw *w) { memset(w, 0, sizeof *w); }

/* Room for n more bytes and the NUL after them; 0 (and w->failed) when there is none. */
static int reserve(yb_jw *w, size_t n) {
    if (w->failed) return 0;
    if (n > YB_JW_MAX || w->len + n + 1 > YB_JW_MAX) {
        w->failed = 1;
        return 0;
    }
    if (w->len + n + 1 > w->cap) {
        size_t nc = w->cap ? w->cap : 1024; /* a settlement's reply is about 2 KB: one doubling */
        while (w->len + n + 1 > nc) nc *= 2;
        char *nb = realloc(w->buf, nc);
        if (!nb) {
            w->failed = 1;
            return 0;
        }
        w->buf = nb;
        w->cap = nc;
    }
    return 1;
}

static void put(yb_jw *w, const char *s, size_t n) {
    if (!reserve(w, n)) return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void sep(yb_jw *w) {
    if (w->need_comma) put(w, ",", 1);
    w->need_comma = 1;
}

char *yb_jw_finish(yb_jw *w) {
    char *b;
    if (w->failed) {
        free(w->buf);
        b = NULL;
    } else {
        b = w->buf ? w->buf : calloc(1, 1);
    }
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

/* A JSON string. Text that is not valid UTF-8 (a message cut inside a character, say) is written
 * with U+FFFD for each bad byte, so that every reply is valid JSON. */
static void put_escaped(yb_jw *w, const char *s) {
    put(w, "\"", 1);
    const char *run = s;
    while (*s) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x80) {
            size_t n = utf8_len((const unsigned char *)s, 4); /* stops at the NUL: it is no continuation byte */
            if (n) {
                s += n;
                continue;
            }
            put(w, run, (size_t)(s - run));
            put(w, "\\ufffd", 6);
            run = ++s;
            continue;
        }
        if (c == '"' || c == '\\' || c < 0x20 || c == 0x7F) {
            put(w, run, (size_t)(s - run));
            char esc[8];
            if (c == '"') memcpy(esc, "\\\"", 3);
            else if (c == '\\') memcpy(esc, "\\\\", 3);
            else if (c == '\n') memcpy(esc, "\\n", 3);
            else if (c == '\r') memcpy(esc, "\\r", 3);
            else if (c == '\t') memcpy(esc, "\\t", 3);
            else snprintf(esc, sizeof esc, "\\u%04x", c);
            put(w, esc, strlen(esc));
            run = s + 1;
        }
        s++;
    }
    put(w, run, (size_t)(s - run));
    put(w, "\"", 1);
}

/* Printable ASCII other than '"' and '\\': written as it is. */
static const unsigned char plain_byte[256] = {
#define R8(x) x, x, x, x, x, x, x, x
    R8(0), R8(0), R8(0), R8(0), /* 0x00-0x1F */
    1, 1, 0, 1, 1, 1, 1, 1, R8(1), R8(1), R8(1), /* 0x20-0x3F: '"' is 0x22 */
    R8(1), R8(1), R8(1), 1, 1, 1, 1, 0, 1, 1, 1, /* 0x40-0x5F: '\\' is 0x5C */
    R8(1), R8(1), R8(1), 1, 1, 1, 1, 1, 1, 1, 0, /* 0x60-0x7F: DEL is 0x7F */
    R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0), R8(0),
#undef R8
};

/* [,]"s"[:] of n bytes that need no escaping, straight into the buffer. */
static void put_quoted(yb_jw *w, const char *s, size_t n, int colon) {
    if (!reserve(w, n + 4)) return;
    char *o = w->buf + w->len;
    if (w->need_comma) *o++ = ',';
    *o++ = '"';
    memcpy(o, s, n);
    o += n;
    *o++ = '"';
    if (colon) *o++ = ':';
    *o = '\0';
    w->len = (size_t)(o - w->buf);
    w->need_comma = !colon;
}

/* put_quoted when s is short and plain (keys are; most values are): the common case of a reply,
 * without put_escaped's byte-by-byte runs. 0 when s needs the general path. */
static int put_plain(yb_jw *w, const char *s, int colon) {
    size_t n = 0;
    for (; s[n]; n++)
        if (n >= 128 || !plain_byte[(unsigned char)s[n]]) return 0;
    put_quoted(w, s, n, colon);
    return 1;
}

void yb_jw_keyn(yb_jw *w, const char *k, size_t n) { put_quoted(w, k, n, 1); }

void yb_jw_key(yb_jw *w, const char *k) {
    if (put_plain(w, k, 1)) return;
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
    if (put_plain(w, s, 0)) return;
    sep(w);
    put_escaped(w, s);
}

void yb_jw_null(yb_jw *w) {
    sep(w);
    put(w, "null", 4);
}

void yb_jw_bool(yb_jw *w, int v) {
    sep(w);
    if (v) put(w, "true", 4);
    else put(w, "false", 5);
}

void yb_jw_int(yb_jw *w, long long v) {
    char b[32];
    yb_sint(b, v, 0);
    sep(w);
    put(w, b, strlen(b));
}

void yb_jw_dec(yb_jw *w, int64_t v, int scale) {
    char b[49]; /* the separator, then yb_dec_fmt's at most 47 bytes: one put for both */
    b[0] = ',';
    yb_dec_fmt(v, scale, b + 1);
    const char *o = w->need_comma ? b : b + 1;
    w->need_comma = 1;
    put(w, o, strlen(o));
}

void yb_jw_dec_str(yb_jw *w, int64_t v, int scale) {
    char b[48];
    yb_jw_str(w, yb_dec_fmt(v, scale, b));
}

void yb_jw_raw(yb_jw *w, const char *json) {
    sep(w);
    put(w, json, strlen(json));
}

void yb_jw_append(yb_jw *w, const char *text) { put(w, text, strlen(text)); }
