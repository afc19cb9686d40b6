/*
 * rc.c — result code table and first-error detail (see include/yibao/rc.h).
 *
 * The strings and exit codes are part of the interface: scripts match on them. Never renumber.
 * Exit codes: 0 ok, 1 usage, 11 (nomem) .. 22 (limit) as 10 + code, 23 perm, 24 internal, and 2
 * for a code outside the table. yb_err_set keeps the first error only and masks the value of a
 * personal field (judged on the last component of a path, e.g. "feedetail[3].certno"); masking
 * works on whole UTF-8 characters.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "yibao/rc.h"

static const struct {
    const char *name;
    int exit_code;
} rc_table[YB_RC_COUNT_] = {
    [YB_OK] = {"ok", 0},
    [YB_E_NOMEM] = {"nomem", 11},
    [YB_E_INVALID] = {"invalid", 12},
    [YB_E_OVERFLOW] = {"overflow", 13},
    [YB_E_PRECISION] = {"precision", 14},
    [YB_E_NOTFOUND] = {"notfound", 15},
    [YB_E_IO] = {"io", 16},
    [YB_E_DB] = {"db", 17},
    [YB_E_STATE] = {"state", 18},
    [YB_E_MISMATCH] = {"mismatch", 19},
    [YB_E_DUPLICATE] = {"duplicate", 20},
    [YB_E_POLICY] = {"policy", 21},
    [YB_E_LIMIT] = {"limit", 22},
    [YB_E_USAGE] = {"usage", 1},
    [YB_E_PERM] = {"perm", 23},
    [YB_E_INTERNAL] = {"internal", 24},
};

const char *yb_rc_str(yb_rc rc) {
    if ((int)rc < 0 || rc >= YB_RC_COUNT_ || !rc_table[rc].name) return "unknown";
    return rc_table[rc].name;
}

int yb_rc_exit(yb_rc rc) {
    if ((int)rc < 0 || rc >= YB_RC_COUNT_) return 2;
    return rc_table[rc].exit_code;
}

void yb_err_clear(yb_err *e) {
    if (e) memset(e, 0, sizeof *e);
}

static void copy_str(char *dst, size_t cap, const char *src) {
    if (!src) src = "";
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        /* do not cut a UTF-8 sequence in half */
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Last component of a path such as "input.feedetail[3].certno" or "data.psn_name", without a
 * trailing index ("certno[0]" -> "certno"). Sets *len to its length. */
static const char *last_component(const char *field, size_t *len) {
    const char *p = strrchr(field, '.');
    p = p ? p + 1 : field;
    const char *b = strchr(p, '[');
    *len = b ? (size_t)(b - p) : strlen(p);
    return p;
}

static int component_is(const char *comp, size_t len, const char *name) {
    return strlen(name) == len && strncasecmp(comp, name, len) == 0;
}

/* Fields whose value is a person's name: only the first character is ever shown. */
static const char *const name_fields[] = {"psn_name", "coner_name", "patn_name"};
/* Other personal fields: ID and card numbers, phone numbers, addresses. */
static const char *const other_fields[] = {
    "certno", "mdtrt_cert_no", "psn_cert_no", "cert_no", "card_sn", "tel", "phone", "mob", "addr",
};

static int is_name_field(const char *field) {
    if (!field || !*field) return 0;
    size_t len;
    const char *c = last_component(field, &len);
    for (size_t i = 0; i < sizeof name_fields / sizeof name_fields[0]; i++)
        if (component_is(c, len, name_fields[i])) return 1;
    return 0;
}

int yb_is_personal_field(const char *field) {
    if (!field || !*field) return 0;
    if (is_name_field(field)) return 1;
    size_t len;
    const char *c = last_component(field, &len);
    for (size_t i = 0; i < sizeof other_fields / sizeof other_fields[0]; i++)
        if (component_is(c, len, other_fields[i])) return 1;
    return 0;
}

/* Byte length of the UTF-8 character starting at s[0] (1 for a stray byte), within n. */
static size_t char_len(const char *s, size_t n) {
    size_t k = 1;
    while (k < n && ((unsigned char)s[k] & 0xC0) == 0x80 && k < 4) k++;
    return k;
}

/* Append s[0..n) to out if it fits whole (keeping room for the NUL); once something did not
 * fit, append nothing more, so the output is a clean prefix. */
static void put_bytes(char *out, size_t cap, size_t *o, int *full, const char *s, size_t n) {
    if (*full || *o + n + 1 > cap) {
        *full = 1;
        return;
    }
    memcpy(out + *o, s, n);
    *o += n;
}

void yb_mask(const char *field, const char *value, char *out, size_t cap) {
    if (!out || !cap) return;
    out[0] = '\0';
    if (!value) return;
    size_t n = strlen(value);
    /* character boundaries, so that a multi-byte character is kept or masked whole */
    size_t nchars = 0;
    for (size_t i = 0; i < n; i += char_len(value + i, n - i)) nchars++;
    size_t keep_head, keep_tail, stars;
    if (is_name_field(field)) {
        /* first character only; two stars whatever the length, so the length is not revealed */
        keep_head = nchars > 1 ? 1 : 0;
        keep_tail = 0;
        stars = nchars > 1 ? 2 : nchars;
    } else if (nchars >= 8) {
        keep_head = 3;
        keep_tail = 2;
        stars = nchars - 5 > 12 ? 12 : nchars - 5;
    } else {
        keep_head = keep_tail = 0;
        stars = nchars;
    }
    size_t o = 0, ci = 0;
    int full = 0;
    for (size_t i = 0; i < n; ci++) {
        size_t k = char_len(value + i, n - i);
        if (ci < keep_head) put_bytes(out, cap, &o, &full, value + i, k);
        if (ci == keep_head)
            for (size_t s = 0; s < stars; s++) put_bytes(out, cap, &o, &full, "*", 1);
        if (keep_tail && ci >= nchars - keep_tail) put_bytes(out, cap, &o, &full, value + i, k);
        i += k;
    }
    out[o] = '\0';
}

yb_rc yb_err_set(yb_err *e, yb_rc rc, const char *field, const char *value, const char *fmt, ...) {
    if (!e || e->rc != YB_OK) return rc;
    e->rc = rc;
    copy_str(e->field, sizeof e->field, field);
    if (value && field && yb_is_personal_field(field))
        yb_mask(field, value, e->value, sizeof e->value);
    else
        copy_str(e->value, sizeof e->value, value);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    } else {
        e->msg[0] = '\0';
    }
    return rc;
}

void yb_err_at(yb_err *e, const char *file, long line) {
    if (!e) return;
    if (!e->file[0] && file) copy_str(e->file, sizeof e->file, file);
    if (!e->line && line > 0) e->line = line;
}

const char *yb_err_fmt(const yb_err *e, char *buf, size_t cap) {
    if (!cap) return buf;
    buf[0] = '\0';
    if (!e) return buf;
    size_t o = 0;
#define APPEND(...)                                                   \
    do {                                                              \
        if (o < cap) {                                                \
            int w_ = snprintf(buf + o, cap - o, __VA_ARGS__);         \
            if (w_ > 0) o += (size_t)w_ < cap - o ? (size_t)w_ : cap - o - 1; \
        }                                                             \
    } while (0)
    if (e->file[0] && e->line) APPEND("%s:%ld: ", e->file, e->line);
    else if (e->file[0]) APPEND("%s: ", e->file);
    else if (e->line) APPEND("line %ld: ", e->line);
    if (e->field[0]) APPEND("field '%s' ", e->field);
    if (e->field[0] || e->value[0]) APPEND("value '%s': ", e->value);
    APPEND("%s (%s)", e->msg[0] ? e->msg : "error", yb_rc_str(e->rc));
#undef APPEND
    return buf;
}
