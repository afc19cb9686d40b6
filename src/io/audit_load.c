/*
 * audit_load.c — reading a rule-set directory: DIR/manifest.csv and the CSV tables it names,
 * each read whole into memory once (the largest national table is under 0.5 MB), then handed
 * to yb_audit_ruleset_build (core). Promises: the tables are read as they are; a file that is
 * missing or malformed is an error naming it (and the line); nothing is kept on error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/audit.h"
#include "yibao/csv.h"

#define TABLE_MAX_BYTES (64u << 20)   /* per rule file */
#define TABLE_MAX_ROWS 1000000u       /* per rule file */
#define TABLES_MAX 256                /* distinct files per rule set */
#define PATH_MAX_LEN 400

typedef struct ltab {
    yb_audit_table t;
    char rel[PATH_MAX_LEN];
    char path[PATH_MAX_LEN];
    char *buf;                  /* cell text, NUL-separated */
    char **hdr;
    const char **cells;
    long *lines;
} ltab;

typedef struct lctx {
    const char *dir;
    ltab *tabs[TABLES_MAX];
    size_t n;
} lctx;

static void ltab_free(ltab *t) {
    if (!t) return;
    free(t->buf);
    for (size_t i = 0; t->hdr && i < t->t.ncols; i++) free(t->hdr[i]);
    free(t->hdr);
    free(t->cells);
    free(t->lines);
    free(t);
}

/* DIR + "/" + rel, with leading "../" segments of rel taken off DIR's last components. */
static int join_path(const char *dir, const char *rel, char *out, size_t cap) {
    char d[PATH_MAX_LEN];
    if (snprintf(d, sizeof d, "%s", dir) >= (int)sizeof d) return 0;
    size_t dl = strlen(d);
    while (dl > 1 && d[dl - 1] == '/') d[--dl] = '\0';
    while (!strncmp(rel, "../", 3)) {
        char *slash = strrchr(d, '/');
        const char *last = slash ? slash + 1 : d;
        if (!strcmp(last, "..") || !strcmp(last, ".") || !*last) break;
        if (slash) *slash = '\0';
        else strcpy(d, ".");
        rel += 3;
    }
    return snprintf(out, cap, "%s/%s", d, rel) < (int)cap;
}

static yb_rc read_table(const char *path, ltab *t, yb_err *err) {
    yb_csv *c;
    yb_rc rc = yb_csv_open(path, &c, err);
    if (rc) return rc;
    size_t nc = yb_csv_ncols(c);
    t->t.ncols = nc;
    t->hdr = calloc(nc ? nc : 1, sizeof *t->hdr);
    if (!t->hdr) goto nomem;
    for (size_t i = 0; i < nc; i++)
        if (!(t->hdr[i] = strdup(yb_csv_header(c, i)))) goto nomem;
    size_t bcap = 1 << 16, blen = 0, ocap = 1024, no = 0, lcap = 64, nr = 0;
    size_t *off = malloc(ocap * sizeof *off);
    t->buf = malloc(bcap);
    t->lines = malloc(lcap * sizeof *t->lines);
    if (!off || !t->buf || !t->lines) {
        free(off);
        goto nomem;
    }
    int r;
    while ((r = yb_csv_next(c, err)) == 1) {
        if (nr == TABLE_MAX_ROWS) {
            free(off);
            yb_csv_close(c);
            yb_err_set(err, YB_E_LIMIT, NULL, NULL, "more than %u rows in a rule file", TABLE_MAX_ROWS);
            yb_err_at(err, path, 0);
            return YB_E_LIMIT;
        }
        if (nr == lcap) {
            long *l = realloc(t->lines, (lcap *= 2) * sizeof *l);
            if (!l) { free(off); goto nomem; }
            t->lines = l;
        }
        t->lines[nr++] = yb_csv_line(c);
        for (size_t i = 0; i < nc; i++) {
            size_t len;
            const char *f = yb_csv_field(c, (int)i, &len);
            if (blen + len + 1 > TABLE_MAX_BYTES) {
                free(off);
                yb_csv_close(c);
                yb_err_set(err, YB_E_LIMIT, NULL, NULL, "rule file larger than %u bytes", TABLE_MAX_BYTES);
                yb_err_at(err, path, 0);
                return YB_E_LIMIT;
            }
            while (blen + len + 1 > bcap) {
                char *b = realloc(t->buf, bcap *= 2);
                if (!b) { free(off); goto nomem; }
                t->buf = b;
            }
            if (no == ocap) {
                size_t *o = realloc(off, (ocap *= 2) * sizeof *o);
                if (!o) { free(off); goto nomem; }
                off = o;
            }
            off[no++] = blen;
            memcpy(t->buf + blen, f, len);
            t->buf[blen + len] = '\0';
            blen += len + 1;
        }
    }
    yb_csv_close(c);
    if (r < 0) {
        free(off);
        return err && err->rc ? err->rc : YB_E_INVALID;
    }
    t->cells = malloc((no ? no : 1) * sizeof *t->cells);
    if (!t->cells) {
        free(off);
        return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    }
    for (size_t i = 0; i < no; i++) t->cells[i] = t->buf + off[i];
    free(off);
    t->t.nrows = nr;
    t->t.header = (const char *const *)t->hdr;
    t->t.cells = t->cells;
    t->t.lines = t->lines;
    return YB_OK;
nomem:
    yb_csv_close(c);
    return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory reading %s", path);
}

static const yb_audit_table *get_table(void *p, const char *rel, yb_err *err) {
    lctx *x = p;
    for (size_t i = 0; i < x->n; i++)
        if (!strcmp(x->tabs[i]->rel, rel)) return &x->tabs[i]->t;
    if (x->n == TABLES_MAX) {
        yb_err_set(err, YB_E_LIMIT, "file", rel, "more than %d files in a rule set", TABLES_MAX);
        return NULL;
    }
    if (rel[0] == '/' || strlen(rel) >= PATH_MAX_LEN) {
        yb_err_set(err, YB_E_INVALID, "file", rel, "rule files are named relative to the rule-set directory");
        return NULL;
    }
    ltab *t = calloc(1, sizeof *t);
    if (!t) {
        yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        return NULL;
    }
    snprintf(t->rel, sizeof t->rel, "%s", rel);
    if (!join_path(x->dir, rel, t->path, sizeof t->path)) {
        free(t);
        yb_err_set(err, YB_E_LIMIT, "file", rel, "path longer than %d bytes", PATH_MAX_LEN - 1);
        return NULL;
    }
    t->t.name = t->path;
    if (read_table(t->path, t, err) != YB_OK) {
        /* a file that cannot be opened is reported by the builder at the manifest cell naming it */
        if (err && err->rc == YB_E_IO) yb_err_clear(err);
        ltab_free(t);
        return NULL;
    }
    x->tabs[x->n++] = t;
    return &t->t;
}

yb_rc yb_audit_ruleset_load(const char *dir, yb_audit_ruleset **out, yb_err *err) {
    *out = NULL;
    lctx x = {.dir = dir};
    char path[PATH_MAX_LEN];
    if (!join_path(dir, "manifest.csv", path, sizeof path))
        return yb_err_set(err, YB_E_LIMIT, "rules", dir, "path longer than %d bytes", PATH_MAX_LEN - 1);
    ltab *m = calloc(1, sizeof *m);
    if (!m) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    snprintf(m->path, sizeof m->path, "%s", path);
    m->t.name = m->path;
    yb_rc rc = read_table(path, m, err);
    if (rc == YB_OK) rc = yb_audit_ruleset_build(&m->t, get_table, &x, out, err);
    ltab_free(m);
    for (size_t i = 0; i < x.n; i++) ltab_free(x.tabs[i]);
    return rc;
}
