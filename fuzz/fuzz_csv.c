/*
 * fuzz_csv.c — libFuzzer target: the streaming CSV reader against an obviously-correct slow
 * reader written here (whole input in memory, one character at a time). Both must agree on
 * every record, field (bytes and length) and record line number, or both must fail, and a wrong
 * field count must be reported on the line where that record starts. Each input is read three
 * times: with the normal window, and with windows of a few bytes so that every field, quote
 * escape and CRLF straddles a refill somewhere.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv_int.h"
#include "yibao/csv.h"

/* Reference: parse everything into records of fields, one character at a time. Returns -1 on a
 * format error (records before it are kept). Same dialect: "" escapes, CRLF/LF/CR ends (each one
 * line), line breaks inside quotes count as lines, BOM skipped, empty lines skipped when the header
 * has more than one column, a stray quote inside an unquoted field kept. Fields may hold NUL bytes,
 * so they carry their length. */
typedef struct { char **f; size_t *len; size_t n; long line; } rec;

static int ref_parse(const char *s, size_t n, rec **out, size_t *nrec) {
    size_t i = 0, cap = 16, nr = 0;
    rec *r = calloc(cap, sizeof *r);
    long line = 1;
    if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) i = 3;
    size_t ncols = 0;
    while (i < n) {
        rec cur = {0};
        cur.line = line;
        size_t fcap = 0;
        int any = 0;
        for (;;) {
            char *fld = malloc(n + 1);
            size_t fl = 0;
            if (i < n && s[i] == '"') {
                any = 1;
                i++;
                for (;;) {
                    if (i >= n) { free(fld); goto bad_cur; }
                    if (s[i] == '"') {
                        if (i + 1 < n && s[i + 1] == '"') { fld[fl++] = '"'; i += 2; continue; }
                        i++;
                        break;
                    }
                    if (s[i] == '\n') line++;
                    fld[fl++] = s[i++];
                }
                if (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r') { free(fld); goto bad_cur; }
            } else {
                while (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r') { fld[fl++] = s[i++]; any = 1; }
            }
            fld[fl] = 0;
            if (cur.n == fcap) {
                fcap = fcap ? fcap * 2 : 8;
                cur.f = realloc(cur.f, fcap * sizeof *cur.f);
                cur.len = realloc(cur.len, fcap * sizeof *cur.len);
            }
            cur.len[cur.n] = fl;
            cur.f[cur.n++] = fld;
            if (i >= n) break;
            char ch = s[i++];
            if (ch == ',') { any = 1; continue; }
            if (ch == '\r' && i < n && s[i] == '\n') i++;
            line++;
            break;
        }
        if (!any && cur.n == 1 && ncols != 1) { free(cur.f[0]); free(cur.f); free(cur.len); continue; }
        if (nr == 0) ncols = cur.n;
        if (nr == cap) { cap *= 2; r = realloc(r, cap * sizeof *r); }
        r[nr++] = cur;
        continue;
    bad_cur:
        for (size_t k = 0; k < cur.n; k++) free(cur.f[k]);
        free(cur.f);
        free(cur.len);
        *out = r; *nrec = nr;
        return -1;
    }
    *out = r; *nrec = nr;
    return 0;
}

static void ref_free(rec *r, size_t n) {
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < r[i].n; k++) free(r[i].f[k]);
        free(r[i].f);
        free(r[i].len);
    }
    free(r);
}

/* Read s[0..size) with the reader (window of `chunk` bytes, 0 = normal) and compare with the
 * reference records; abort on any disagreement. */
static void check(const char *s, size_t size, size_t chunk, uint64_t sel, int avx2, rec *rr, size_t nr, int ref_rc) {
    yb_csv *c = NULL;
    yb_err e; yb_err_clear(&e);
    yb_rc rc = yb__csv_open_mem_chunked(s, size, "fuzz", chunk, &c, &e);
    if (rc != YB_OK) {
        /* reader refuses the header: the reference failed there, found nothing, or found a repeated name */
        int dup = 0;
        if (nr > 0)
            for (size_t i = 0; i < rr[0].n; i++) for (size_t j = 0; j < i; j++)
                if (rr[0].f[i][0] && !strcmp(rr[0].f[i], rr[0].f[j])) dup = 1;
        if (!(nr == 0 || dup || rr[0].n > YB_CSV_MAX_FIELDS)) abort();
        if (!e.rc || e.line < 1) abort();
        return;
    }
    if (nr == 0 || yb_csv_ncols(c) != rr[0].n) abort();
    yb__csv_set_avx2(c, avx2);   /* both fast paths (16 and 32 bytes a step) */
    for (size_t i = 0; i < rr[0].n; i++) if (strcmp(yb_csv_header(c, i), rr[0].f[i])) abort();
    if (sel) { /* yb_csv_only: the columns of the set bits (and one out of range), the rest read "" */
        int cols[66], nc = 0;
        for (int i = 0; i < 64; i++) if (sel >> i & 1) cols[nc++] = i;
        cols[nc++] = -1;
        cols[nc++] = 100000;
        yb_csv_only(c, cols, (size_t)nc);
    }
    size_t k = 1;
    int r;
    while ((r = yb_csv_next(c, &e)) == 1) {
        if (k >= nr || rr[k].n != rr[0].n) abort();
        if (yb_csv_line(c) != rr[k].line) abort();
        for (size_t i = 0; i < rr[k].n; i++) {
            size_t len;
            const char *f = yb_csv_field(c, (int)i, &len);
            if (sel && (i >= 64 || !(sel >> i & 1))) {
                if (len || f[0]) abort();
                continue;
            }
            if (len != rr[k].len[i] || memcmp(f, rr[k].f[i], len) || f[len]) abort();
        }
        k++;
    }
    if (r == 0) { if (ref_rc || k != nr) abort(); }
    else {
        if (!(ref_rc || (k < nr && rr[k].n != rr[0].n))) abort();
        /* the error names the line where the failing record starts */
        if (k < nr && rr[k].n != rr[0].n && e.line != rr[k].line) abort();
    }
    yb_csv_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    const char *s = (const char *)data;
    rec *rr; size_t nr;
    int ref_rc = ref_parse(s, size, &rr, &nr);
    check(s, size, 0, 0, 1, rr, nr, ref_rc);
    check(s, size, 0, 0, 0, rr, nr, ref_rc);
    /* small windows: every record and field straddles refills somewhere */
    check(s, size, 1 + (size ? data[size - 1] % 7 : 0), 0, 1, rr, nr, ref_rc);
    check(s, size, 16, 0, 0, rr, nr, ref_rc);
    check(s, size, 40, 0, 1, rr, nr, ref_rc);
    /* a selection of columns taken from the input's first bytes */
    uint64_t sel = 0;
    for (size_t i = 0; i < 8 && i < size; i++) sel = sel << 8 | data[i];
    check(s, size, 0, sel | 1u << 20, 1, rr, nr, ref_rc);
    check(s, size, 0, sel | 1u << 20, 0, rr, nr, ref_rc);
    check(s, size, 5, sel | 1u << 20, 1, rr, nr, ref_rc);
    ref_free(rr, nr);
    return 0;
}
