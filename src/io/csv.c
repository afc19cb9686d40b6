/*
 * csv.c — streaming RFC 4180 reader and writer (see include/yibao/csv.h).
 *
 * The reader keeps a window of the input in `buf` (refilled by fread) and decodes one record at a
 * time into `rec`: each field NUL-terminated, `off[i]` its start. Unquoted runs are copied with
 * memchr-free tight loops; quoted fields handle "" escapes and embedded line breaks (which count
 * as lines for error messages). Memory is bounded by YB_CSV_MAX_RECORD per record.
 * A stray '"' inside an unquoted field is kept as a literal character (exports do this).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/csv.h"

#define READ_CHUNK (1u << 16)

struct yb_csv {
    FILE *fp;
    int own_fp;
    char name[160];
    char *buf;          /* input window */
    size_t cap, pos, len;
    int eof;            /* no more input after buf[len] */
    int mem;            /* buf borrowed from the caller */
    char *rec;          /* decoded fields of the current record */
    size_t rec_len, rec_cap;
    size_t *off;
    size_t nf, off_cap;
    long line;          /* physical line of the next unread character */
    long rec_line;      /* line where the current record starts */
    char **hdr;
    size_t nh;
    size_t *hdr_len;
};

static void set_name(yb_csv *c, const char *name) { snprintf(c->name, sizeof c->name, "%s", name ? name : "-"); }

/* Make at least one more byte available; 0 at end of input. */
static int fill(yb_csv *c) {
    if (c->pos < c->len) return 1;
    if (c->eof || c->mem) return 0;
    c->pos = c->len = 0;
    if (!c->buf) {
        c->cap = READ_CHUNK;
        c->buf = malloc(c->cap);
        if (!c->buf) return 0;
    }
    size_t n = fread(c->buf, 1, c->cap, c->fp);
    c->len = n;
    if (n < c->cap) c->eof = 1;
    return n > 0;
}

static int rec_put(yb_csv *c, const char *s, size_t n) {
    if (c->rec_len + n + 1 > YB_CSV_MAX_RECORD) return -1;
    if (c->rec_len + n + 1 > c->rec_cap) {
        size_t nc = c->rec_cap ? c->rec_cap : 4096;
        while (c->rec_len + n + 1 > nc) nc *= 2;
        char *r = realloc(c->rec, nc);
        if (!r) return -1;
        c->rec = r;
        c->rec_cap = nc;
    }
    memcpy(c->rec + c->rec_len, s, n);
    c->rec_len += n;
    return 0;
}

static int field_start(yb_csv *c) {
    if (c->nf >= YB_CSV_MAX_FIELDS) return -1;
    if (c->nf == c->off_cap) {
        size_t nc = c->off_cap ? c->off_cap * 2 : 64;
        size_t *o = realloc(c->off, nc * sizeof *o);
        if (!o) return -1;
        c->off = o;
        c->off_cap = nc;
    }
    c->off[c->nf++] = c->rec_len;
    return 0;
}

static int fail(yb_csv *c, yb_err *err, yb_rc rc, const char *fmt, const char *arg) {
    yb_err_set(err, rc, NULL, NULL, fmt, arg);
    yb_err_at(err, c->name, c->rec_line);
    return -1;
}

/* Decode one record. 1 = record, 0 = end of input, -1 = error. */
static int read_record(yb_csv *c, yb_err *err) {
    for (;;) {
        c->nf = 0;
        c->rec_len = 0;
        c->rec_line = c->line;
        if (!fill(c)) return 0;
        int any = 0;      /* characters seen in this record */
        for (;;) {
            if (field_start(c)) return fail(c, err, YB_E_LIMIT, "more than %s fields in a record", "512");
            int quoted = fill(c) && c->buf[c->pos] == '"';
            if (quoted) {
                any = 1;
                c->pos++;
                for (;;) {
                    if (!fill(c)) return fail(c, err, YB_E_INVALID, "unterminated quoted field%s", "");
                    char *p = c->buf + c->pos, *e = c->buf + c->len, *q = p;
                    while (q < e && *q != '"' && *q != '\n') q++;
                    if (rec_put(c, p, (size_t)(q - p)))
                        return fail(c, err, YB_E_LIMIT, "record longer than %s bytes", "1048576");
                    c->pos += (size_t)(q - p);
                    if (q == e) continue;
                    if (*q == '\n') {
                        c->line++;
                        c->pos++;
                        if (rec_put(c, "\n", 1)) return fail(c, err, YB_E_LIMIT, "record longer than %s bytes", "1048576");
                        continue;
                    }
                    /* a quote: doubled means a literal quote, else the field ends */
                    c->pos++;
                    if (fill(c) && c->buf[c->pos] == '"') {
                        c->pos++;
                        if (rec_put(c, "\"", 1)) return fail(c, err, YB_E_LIMIT, "record longer than %s bytes", "1048576");
                        continue;
                    }
                    break;
                }
                if (fill(c)) {
                    char ch = c->buf[c->pos];
                    if (ch != ',' && ch != '\n' && ch != '\r')
                        return fail(c, err, YB_E_INVALID, "unexpected character after a closing quote%s", "");
                }
            } else {
                for (;;) {
                    if (!fill(c)) break;
                    char *p = c->buf + c->pos, *e = c->buf + c->len, *q = p;
                    while (q < e && *q != ',' && *q != '\n' && *q != '\r') q++;
                    if (q > p) any = 1;
                    if (rec_put(c, p, (size_t)(q - p)))
                        return fail(c, err, YB_E_LIMIT, "record longer than %s bytes", "1048576");
                    c->pos += (size_t)(q - p);
                    if (q < e) break;
                }
            }
            if (rec_put(c, "", 1)) return fail(c, err, YB_E_LIMIT, "record longer than %s bytes", "1048576");
            c->rec[c->rec_len - 1] = '\0';
            if (!fill(c)) break; /* last record without a line break */
            char ch = c->buf[c->pos++];
            if (ch == ',') {
                any = 1;
                continue;
            }
            if (ch == '\r' && fill(c) && c->buf[c->pos] == '\n') c->pos++;
            c->line++;
            break;
        }
        /* an empty line is not a record (only matters for files of more than one column) */
        if (!any && c->nf == 1 && c->nh != 1) {
            if (!fill(c)) return 0;
            continue;
        }
        return 1;
    }
}

static yb_rc open_common(yb_csv *c, yb_csv **out, yb_err *err) {
    c->line = 1;
    /* skip a UTF-8 byte order mark */
    if (fill(c) && c->len - c->pos >= 3 && !memcmp(c->buf + c->pos, "\xEF\xBB\xBF", 3)) c->pos += 3;
    int r = read_record(c, err);
    if (r <= 0) {
        if (r == 0) {
            yb_err_set(err, YB_E_INVALID, NULL, NULL, "empty file: no header row%s", "");
            yb_err_at(err, c->name, 1);
        }
        yb_csv_close(c);
        return err && err->rc ? err->rc : YB_E_INVALID;
    }
    c->nh = c->nf;
    c->hdr = calloc(c->nh, sizeof *c->hdr);
    if (!c->hdr) {
        yb_csv_close(c);
        return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    }
    for (size_t i = 0; i < c->nh; i++) {
        c->hdr[i] = strdup(c->rec + c->off[i]);
        if (!c->hdr[i]) {
            yb_csv_close(c);
            return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        }
        for (size_t j = 0; j < i; j++)
            if (c->hdr[i][0] && !strcmp(c->hdr[i], c->hdr[j])) {
                yb_err_set(err, YB_E_INVALID, c->hdr[i], NULL, "column named twice in the header");
                yb_err_at(err, c->name, 1);
                yb_csv_close(c);
                return YB_E_INVALID;
            }
    }
    c->nf = 0;
    *out = c;
    return YB_OK;
}

yb_rc yb_csv_open_fp(FILE *fp, const char *name, yb_csv **out, yb_err *err) {
    yb_csv *c = calloc(1, sizeof *c);
    if (!c) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    c->fp = fp;
    set_name(c, name);
    return open_common(c, out, err);
}

yb_rc yb_csv_open(const char *path, yb_csv **out, yb_err *err) {
    FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!fp) {
        yb_err_set(err, YB_E_IO, NULL, NULL, "cannot open the file");
        yb_err_at(err, path, 0);
        return YB_E_IO;
    }
    yb_rc rc = yb_csv_open_fp(fp, path, out, err);
    if (rc == YB_OK) (*out)->own_fp = fp != stdin;
    else if (fp != stdin) fclose(fp);
    return rc;
}

yb_rc yb_csv_open_mem(const char *buf, size_t len, const char *name, yb_csv **out, yb_err *err) {
    yb_csv *c = calloc(1, sizeof *c);
    if (!c) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    c->buf = (char *)buf; /* never written: only read through pos/len */
    c->len = len;
    c->mem = 1;
    c->eof = 1;
    set_name(c, name);
    return open_common(c, out, err);
}

void yb_csv_close(yb_csv *c) {
    if (!c) return;
    if (c->own_fp && c->fp) fclose(c->fp);
    if (!c->mem) free(c->buf);
    free(c->rec);
    free(c->off);
    for (size_t i = 0; c->hdr && i < c->nh; i++) free(c->hdr[i]);
    free(c->hdr);
    free(c);
}

int yb_csv_col(const yb_csv *c, const char *name) {
    for (size_t i = 0; i < c->nh; i++)
        if (!strcmp(c->hdr[i], name)) return (int)i;
    return -1;
}

yb_rc yb_csv_require(const yb_csv *c, const char *const *names, size_t n, int *idx, yb_err *err) {
    for (size_t i = 0; i < n; i++) {
        idx[i] = yb_csv_col(c, names[i]);
        if (idx[i] < 0) {
            yb_err_set(err, YB_E_INVALID, names[i], NULL, "missing column '%s'", names[i]);
            yb_err_at(err, c->name, 1);
            return YB_E_INVALID;
        }
    }
    return YB_OK;
}

size_t yb_csv_ncols(const yb_csv *c) { return c->nh; }

const char *yb_csv_header(const yb_csv *c, size_t i) { return i < c->nh ? c->hdr[i] : NULL; }

int yb_csv_next(yb_csv *c, yb_err *err) {
    int r = read_record(c, err);
    if (r <= 0) {
        c->nf = 0;
        return r;
    }
    if (c->nf != c->nh) {
        char b[64];
        snprintf(b, sizeof b, "%zu fields where the header has %zu", c->nf, c->nh);
        yb_err_set(err, YB_E_INVALID, NULL, NULL, "%s", b);
        yb_err_at(err, c->name, c->rec_line);
        c->nf = 0;
        return -1;
    }
    return 1;
}

const char *yb_csv_field(const yb_csv *c, int i, size_t *len) {
    if (i < 0 || (size_t)i >= c->nf) {
        if (len) *len = 0;
        return "";
    }
    const char *s = c->rec + c->off[i];
    if (len) *len = ((size_t)i + 1 < c->nf ? c->off[i + 1] - 1 : c->rec_len - 1) - c->off[i];
    return s;
}

long yb_csv_line(const yb_csv *c) { return c->rec_line; }

const char *yb_csv_name(const yb_csv *c) { return c->name; }

void yb_csv_put(FILE *fp, const char *s, size_t n) {
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        fwrite(s, 1, n, fp);
        return;
    }
    fputc('"', fp);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') fputc('"', fp);
        fputc(s[i], fp);
    }
    fputc('"', fp);
}

void yb_csv_put_row(FILE *fp, const char *const *fields, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (i) fputc(',', fp);
        const char *s = fields[i] ? fields[i] : "";
        yb_csv_put(fp, s, strlen(s));
    }
    fputc('\n', fp);
}
