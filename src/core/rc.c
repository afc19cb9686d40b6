/*
 * rc.c — result code table and first-error detail (see include/yibao/rc.h).
 *
 * The strings and exit codes are part of the interface: scripts match on them. Never renumber.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/* Last component of a path such as "input.feedetail[3].certno" or "data.psn_name". */
static const char *last_component(const char *field) {
    const char *p = strrchr(field, '.');
    return p ? p + 1 : field;
}

int yb_is_personal_field(const char *field) {
    static const char *const personal[] = {
        "certno", "mdtrt_cert_no", "psn_name", "tel", "addr", "coner_name", "patn_name",
        "psn_cert_no", "card_sn", "phone", "mob", "name_psn",
    };
    if (!field || !*field) return 0;
    const char *f = last_component(field);
    for (size_t i = 0; i < sizeof personal / sizeof personal[0]; i++)
        if (!strcmp(f, personal[i])) return 1;
    return 0;
}

void yb_mask(const char *field, const char *value, char *out, size_t cap) {
    if (!cap) return;
    if (!value) value = "";
    const char *f = field ? last_component(field) : "";
    size_t n = strlen(value);
    int is_name = !strcmp(f, "psn_name") || !strcmp(f, "coner_name") || !strcmp(f, "patn_name");
    size_t keep_head, keep_tail;
    if (is_name) {
        /* keep the first character (possibly multi-byte), mask the rest */
        keep_head = 1;
        while (keep_head < n && ((unsigned char)value[keep_head] & 0xC0) == 0x80) keep_head++;
        keep_tail = 0;
    } else if (n >= 8) {
        keep_head = 3;
        keep_tail = 2;
    } else {
        keep_head = 0;
        keep_tail = 0;
    }
    if (keep_head > n) keep_head = n;
    size_t o = 0;
    for (size_t i = 0; i < keep_head && o + 1 < cap; i++) out[o++] = value[i];
    size_t masked = n > keep_head + keep_tail ? n - keep_head - keep_tail : 0;
    if (is_name) masked = masked ? 2 : 0; /* do not reveal the length of a name */
    if (!is_name && masked > 12) masked = 12;
    for (size_t i = 0; i < masked && o + 1 < cap; i++) out[o++] = '*';
    for (size_t i = n - keep_tail; keep_tail && i < n && o + 1 < cap; i++) out[o++] = value[i];
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
