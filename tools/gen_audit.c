/*
 * gen_audit.c — deterministic extract tables with known audit violations, and their ground truth.
 *
 *   build-dir/gen_audit --out DIR [--lines N] [--seed S] [--rate PERCENT] [--rules DIR]
 *                       [--catalog data/demo/catalog.csv]
 *   defaults: 10000 lines, seed 1, rate 40, rules data/rules/nhsa (run from the repository root)
 *
 * writes DIR/mdtrt_d.csv, DIR/fee_list_d.csv, DIR/setl_list_diag_d.csv (the national columns),
 * DIR/truth.csv (one row per expected hit: id, mdtrt_id, psn_no, feedetl_sn = the violating lines
 * sorted and joined by '|', vola_amt) and DIR/truth_summary.csv (per rule: expected hits, amount,
 * and how many clean look-alike cases were written).
 *
 * How the truth is known. This program does not run the audit engine: it reads the rule tables
 * itself (manifest, data files, joins, `where` filters, code patterns, exact or prefix matching,
 * bare `C` material rows by name) and knows which rules each code belongs to. Every person is
 * either a background person — visits whose lines use real codes of the catalogue that no rule
 * names (so they can never be a hit) — or a scenario person built for one rule: a few lines of
 * real codes from that rule's own table, chosen so that no OTHER rule can fire on them, in one
 * of two variants: the violating one (exactly one hit of the rule, whose lines and amount are
 * computed here from the rule's row by the rule's definition in docs/audit.md) or a clean
 * look-alike on the other side of the boundary (one unit under a limit, one day outside a
 * window, the other sex, the target item present ...), which must give no hit. A code may belong
 * to other rules only when the scenario cannot trigger them (e.g. a single charge of a
 * frequency-limited item); pairs (main/sub, parts of a package, groups) are chosen so that
 * exactly one row of the rule links them. A fraction `rate` percent of persons are scenario
 * persons, cycling through the rules, the variants alternating.
 *
 * Deterministic: the only randomness is splitmix64 from the seed; same options, same bytes.
 * Memory does not grow with the number of lines: persons are written in blocks of BLOCK
 * persons, each block's visits, lines and diagnoses shuffled before they are written (a reader
 * has to sort). No floating point.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "yibao/csv.h"
#include "yibao/date.h"
#include "yibao/money.h"

#define MAX_RULES 64
#define MAX_LOG 16         /* logical columns per rule */
#define MAX_ALTS 64
#define POOL 24            /* candidates kept per scenario */
#define MAXV 8             /* visits per person */
#define MAXL 48            /* lines per visit */
#define BLOCK 256          /* persons per shuffled block */

/* ------------------------------------------------------------------ random */

static uint64_t rng_state;
static uint64_t rnd(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static int rn(int n) { return n > 0 ? (int)(rnd() % (uint64_t)n) : 0; }

static void die(const char *fmt, const char *a) {
    fprintf(stderr, "gen_audit: ");
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    exit(2);
}

static char *xstrdup(const char *s) {
    char *d = strdup(s ? s : "");
    if (!d) die("%s", "out of memory");
    return d;
}

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) die("%s", "out of memory");
    return p;
}

/* ------------------------------------------------------------------ tables */

typedef struct table {
    size_t ncols, nrows;
    char **hdr;
    char **cell;           /* row-major */
} table;

static table *table_load(const char *path) {
    yb_err e;
    yb_err_clear(&e);
    yb_csv *c;
    if (yb_csv_open(path, &c, &e)) die("cannot read %s", path);
    table *t = xcalloc(1, sizeof *t);
    t->ncols = yb_csv_ncols(c);
    t->hdr = xcalloc(t->ncols, sizeof *t->hdr);
    for (size_t i = 0; i < t->ncols; i++) t->hdr[i] = xstrdup(yb_csv_header(c, i));
    size_t cap = 0;
    int r;
    while ((r = yb_csv_next(c, &e)) == 1) {
        if ((t->nrows + 1) * t->ncols > cap) {
            cap = cap ? cap * 2 : 1024 * t->ncols;
            t->cell = realloc(t->cell, cap * sizeof *t->cell);
            if (!t->cell) die("%s", "out of memory");
        }
        for (size_t i = 0; i < t->ncols; i++) t->cell[t->nrows * t->ncols + i] = xstrdup(yb_csv_field(c, (int)i, NULL));
        t->nrows++;
    }
    if (r < 0) die("malformed CSV %s", path);
    yb_csv_close(c);
    return t;
}

static void table_free(table *t) {
    if (!t) return;
    for (size_t i = 0; i < t->ncols; i++) free(t->hdr[i]);
    for (size_t i = 0; i < t->nrows * t->ncols; i++) free(t->cell[i]);
    free(t->hdr);
    free(t->cell);
    free(t);
}

static int table_col(const table *t, const char *name) {
    for (size_t i = 0; i < t->ncols; i++)
        if (!strcmp(t->hdr[i], name)) return (int)i;
    return -1;
}

static const char *tcell(const table *t, size_t r, int c) { return c < 0 ? "" : t->cell[r * t->ncols + (size_t)c]; }

/* ------------------------------------------------------------------ rules as data */

enum { R_SUBJ = 1, R_MAIN = 2, R_TARGET = 4, R_GROUP = 8 };

typedef struct rule {
    char *id, *kind, *params;
    int prefix;
    size_t nlog;
    char *lname[MAX_LOG];
    size_t nrows;
    char ***val;           /* val[row][logical] */
} rule;

typedef struct pat {        /* a code pattern of a rule */
    const char *code;
    size_t len;
    uint8_t rule, role, prefix;
    uint32_t row;
} pat;

typedef struct frag {       /* a bare C row: material lines whose name contains frag */
    const char *frag;
    uint8_t rule, role;
    uint32_t row;
} frag;

typedef struct mem {
    uint8_t rule, role;
    uint32_t row;
} mem;

static rule R[MAX_RULES];
static size_t NR;
static pat *PAT;
static size_t NPAT, CPAT;
static frag *FRAG;
static size_t NFRAG, CFRAG;

static const char *rget(const rule *r, size_t row, const char *lname) {
    for (size_t i = 0; i < r->nlog; i++)
        if (!strcmp(r->lname[i], lname)) return r->val[row][i];
    return "";
}

/* Parameter key of a rule ("" when absent), copied into out. */
static const char *param(const rule *r, const char *key, char *out, size_t cap) {
    out[0] = '\0';
    size_t kl = strlen(key);
    for (const char *p = r->params; p && *p;) {
        const char *e = strchr(p, ';');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            snprintf(out, cap, "%.*s", (int)(n - kl - 1), p + kl + 1);
            return out;
        }
        p += n + (e != NULL);
    }
    return out;
}

static int param_int(const rule *r, const char *key, int def) {
    char b[64];
    param(r, key, b, sizeof b);
    return b[0] ? atoi(b) : def;
}

/* Split "(a|b|c)" or "a" into alternatives (pointers into a static copy per call site: buf). */
static int split_alts(const char *cell, char *buf, size_t cap, const char **alt, int max) {
    snprintf(buf, cap, "%s", cell);
    char *s = buf;
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '(' && s[n - 1] == ')') {
        s[n - 1] = '\0';
        s++;
    }
    int k = 0;
    while (*s && k < max) {
        char *bar = strchr(s, '|');
        if (bar) *bar = '\0';
        if (*s) alt[k++] = s;
        if (!bar) break;
        s = bar + 1;
    }
    return k;
}

static void add_pat(const char *code, int ri, int role, int prefix, size_t row) {
    if (NPAT == CPAT) {
        CPAT = CPAT ? CPAT * 2 : 4096;
        PAT = realloc(PAT, CPAT * sizeof *PAT);
        if (!PAT) die("%s", "out of memory");
    }
    PAT[NPAT++] = (pat){xstrdup(code), strlen(code), (uint8_t)ri, (uint8_t)role, (uint8_t)prefix, (uint32_t)row};
}

static void add_frag(const char *f, int ri, int role, size_t row) {
    if (NFRAG == CFRAG) {
        CFRAG = CFRAG ? CFRAG * 2 : 256;
        FRAG = realloc(FRAG, CFRAG * sizeof *FRAG);
        if (!FRAG) die("%s", "out of memory");
    }
    FRAG[NFRAG++] = (frag){xstrdup(f), (uint8_t)ri, (uint8_t)role, (uint32_t)row};
}

/* Index a code cell of a row: alternatives, bare C by the name cell's fragments. */
static void index_cell(int ri, size_t row, const char *codes, const char *names, int role) {
    char b1[4096], b2[4096];
    const char *alt[MAX_ALTS], *fr[MAX_ALTS];
    int na = split_alts(codes, b1, sizeof b1, alt, MAX_ALTS);
    for (int i = 0; i < na; i++) {
        if (!strcmp(alt[i], "C") || !strcmp(alt[i], "c")) {
            int nf = split_alts(names, b2, sizeof b2, fr, MAX_ALTS);
            for (int k = 0; k < nf; k++) add_frag(fr[k], ri, role, row);
        } else {
            add_pat(alt[i], ri, role, R[ri].prefix, row);
        }
    }
}

static int has_value_col(const char *kind) {
    static const char *const k[] = {"gender", "age_band", "insutype", "medtype", "hosplv", "specialty",
                                    "indication", "quantity", "drug_course", "course", "total"};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (!strcmp(kind, k[i])) return 1;
    return 0;
}

static void load_rules(const char *dir) {
    char path[1024];
    snprintf(path, sizeof path, "%s/manifest.csv", dir);
    table *m = table_load(path);
    int c_id = table_col(m, "id"), c_kind = table_col(m, "kind"), c_file = table_col(m, "file"),
        c_names = table_col(m, "names_file"), c_join = table_col(m, "join"), c_cols = table_col(m, "columns"),
        c_where = table_col(m, "where"), c_params = table_col(m, "params");
    if (c_id < 0 || c_kind < 0 || c_file < 0 || c_cols < 0 || c_params < 0) die("bad manifest in %s", dir);
    if (m->nrows > MAX_RULES) die("more than 64 rules in %s", dir);
    for (size_t i = 0; i < m->nrows; i++) {
        rule *r = &R[NR];
        int ri = (int)NR++;
        r->id = xstrdup(tcell(m, i, c_id));
        r->kind = xstrdup(tcell(m, i, c_kind));
        r->params = xstrdup(tcell(m, i, c_params));
        char b[64];
        r->prefix = !strcmp(param(r, "match", b, sizeof b), "prefix");
        int skip_empty = !strcmp(param(r, "skip_empty", b, sizeof b), "1");
        /* logical columns */
        char cols[2048];
        snprintf(cols, sizeof cols, "%s", tcell(m, i, c_cols));
        char *hdrs[MAX_LOG];
        for (char *p = cols; *p && r->nlog < MAX_LOG;) {
            char *e = strchr(p, ';');
            if (e) *e = '\0';
            char *eq = strchr(p, '=');
            if (eq) {
                *eq = '\0';
                r->lname[r->nlog] = xstrdup(p);
                hdrs[r->nlog++] = eq + 1;
            }
            if (!e) break;
            p = e + 1;
        }
        const char *file = tcell(m, i, c_file);
        if (*file) {
            snprintf(path, sizeof path, "%s/%s", dir, file);
            table *t = table_load(path);
            table *nt = NULL;
            int jc = -1, njc = -1;
            const char *nf = c_names >= 0 ? tcell(m, i, c_names) : "";
            if (*nf) {
                snprintf(path, sizeof path, "%s/%s", dir, nf);
                nt = table_load(path);
                jc = table_col(t, tcell(m, i, c_join));
                njc = table_col(nt, tcell(m, i, c_join));
            }
            int wc = -1;
            char wbuf[256] = "";
            const char *wval = "";
            const char *where = c_where >= 0 ? tcell(m, i, c_where) : "";
            if (*where) {
                snprintf(wbuf, sizeof wbuf, "%s", where);
                char *eq = strchr(wbuf, '=');
                if (eq) {
                    *eq = '\0';
                    wval = eq + 1;
                    wc = table_col(t, wbuf);
                }
            }
            r->val = xcalloc(t->nrows, sizeof *r->val);
            for (size_t row = 0; row < t->nrows; row++) {
                if (wc >= 0 && strcmp(tcell(t, row, wc), wval)) continue;
                size_t nrow = SIZE_MAX;
                if (nt)
                    for (size_t k = 0; k < nt->nrows && nrow == SIZE_MAX; k++)
                        if (!strcmp(tcell(nt, k, njc), tcell(t, row, jc))) nrow = k;
                char **v = xcalloc(r->nlog, sizeof *v);
                for (size_t k = 0; k < r->nlog; k++) {
                    int col = table_col(t, hdrs[k]);
                    const char *s = col >= 0 ? tcell(t, row, col) : "";
                    if (col < 0 && nt && nrow != SIZE_MAX) s = tcell(nt, nrow, table_col(nt, hdrs[k]));
                    v[k] = xstrdup(s);
                }
                r->val[r->nrows] = v;
                const char *value = "";
                for (size_t k = 0; k < r->nlog; k++)
                    if (!strcmp(r->lname[k], "value")) value = v[k];
                if (skip_empty && has_value_col(r->kind) && !*value) {
                    for (size_t k = 0; k < r->nlog; k++) free(v[k]);
                    free(v);
                    continue;
                }
                size_t ix = r->nrows++;
                const char *kind = r->kind;
                if (!strcmp(kind, "duplicate") || !strncmp(kind, "surcharge", 9)) {
                    index_cell(ri, ix, rget(r, ix, "sub"), rget(r, ix, "sub_name"), R_SUBJ);
                    index_cell(ri, ix, rget(r, ix, "main"), rget(r, ix, "main_name"), R_MAIN);
                } else if (!strcmp(kind, "related")) {
                    index_cell(ri, ix, rget(r, ix, "code"), rget(r, ix, "name"), R_SUBJ);
                    index_cell(ri, ix, rget(r, ix, "target"), rget(r, ix, "target_name"), R_TARGET);
                } else if (!strcmp(kind, "split")) {
                    index_cell(ri, ix, rget(r, ix, "parts"), rget(r, ix, "parts_name"), R_SUBJ);
                } else {
                    index_cell(ri, ix, rget(r, ix, "code"), rget(r, ix, "name"), R_SUBJ);
                }
            }
            table_free(t);
            table_free(nt);
        }
        /* groups of bed_days / dup_institution */
        for (const char *p = r->params; *p;) {
            const char *e = strchr(p, ';');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (!strncmp(p, "group.", 6)) {
                char g[1024];
                snprintf(g, sizeof g, "%.*s", (int)n, p);
                char *eq = strchr(g, '=');
                for (char *c = eq ? eq + 1 : NULL; c && *c;) {
                    char *bar = strchr(c, '|');
                    if (bar) *bar = '\0';
                    add_pat(c, ri, R_GROUP, 0, 0);
                    if (!bar) break;
                    c = bar + 1;
                }
            }
            p += n + (e != NULL);
        }
    }
    table_free(m);
}

/* Every (rule, role, row) a line with this code and name belongs to. */
static size_t members(const char *code, const char *name, mem *out, size_t max) {
    size_t n = 0, cl = strlen(code);
    for (size_t i = 0; i < NPAT && n < max; i++) {
        const pat *p = &PAT[i];
        if (p->prefix ? cl >= p->len && !memcmp(code, p->code, p->len) : cl == p->len && !memcmp(code, p->code, cl))
            out[n++] = (mem){p->rule, p->role, p->row};
    }
    if (code[0] == 'C' || code[0] == 'c')
        for (size_t i = 0; i < NFRAG && n < max; i++)
            if (strstr(name, FRAG[i].frag)) out[n++] = (mem){FRAG[i].rule, FRAG[i].role, FRAG[i].row};
    return n;
}

static int kind_is(int ri, const char *k) { return !strcmp(R[ri].kind, k); }

/* Kinds that cannot fire on one charge of cnt 1 alone in its visit and person, in the role. */
static int safe_single(int ri, int role) {
    static const char *const k[] = {"course",   "cycle",      "frequency",        "drug_course",
                                    "quantity", "split",      "primary_secondary", "bed_days",
                                    "readmission", "low_admission", "dup_institution", "duplicate"};
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (kind_is(ri, k[i])) return 1;
    if ((kind_is(ri, "surcharge_qty") || kind_is(ri, "surcharge_main")) && role == R_MAIN) return 1;
    if (kind_is(ri, "related") && role == R_TARGET) return 1;
    return 0;
}

/* A code may be used when each rule it belongs to is in `allow` with a role in `roles`, or (single)
 * cannot fire on a single charge. */
static int code_ok(const char *code, const char *name, uint64_t allow, int roles, int single) {
    mem m[256];
    size_t n = members(code, name, m, 256);
    for (size_t i = 0; i < n; i++) {
        if ((allow >> m[i].rule & 1) && (m[i].role & roles)) continue;
        if (single && safe_single(m[i].rule, m[i].role)) continue;
        return 0;
    }
    return 1;
}

static uint64_t bit(int ri) { return (uint64_t)1 << ri; }
static uint64_t kind_mask(const char *k) {
    uint64_t m = 0;
    for (size_t i = 0; i < NR; i++)
        if (kind_is((int)i, k)) m |= bit((int)i);
    return m;
}

/* A full code from a pattern: items to 15 digits, western drugs to 23, Chinese medicines and
 * materials to 20 characters, padded with zeros (the national base code of the prefix); `v`
 * (0..9) replaces the last digit to make different codes of one prefix. */
static void full_code(const char *p, int v, char *out, size_t cap) {
    size_t want = (p[0] == 'X' || p[0] == 'x') ? 23 : (p[0] == 'Z' || p[0] == 'z' || p[0] == 'C' || p[0] == 'c') ? 20 : 15;
    size_t n = strlen(p);
    if (n >= cap) n = cap - 1;
    memcpy(out, p, n);
    while (n < want && n < cap - 1) out[n++] = '0';
    out[n] = '\0';
    if (v && n > strlen(p)) out[n - 1] = (char)('0' + v);
}

static const char *first_code_alt(const char *cell, char *out, size_t cap, int v) {
    char b[4096];
    const char *alt[MAX_ALTS];
    int na = split_alts(cell, b, sizeof b, alt, MAX_ALTS);
    for (int i = 0; i < na; i++)
        if (strcmp(alt[i], "C") && strcmp(alt[i], "c")) {
            full_code(alt[i], v, out, cap);
            return out;
        }
    return NULL;
}

/* Does a pattern cell (alternatives) of rule ri match code? (bare C by name) */
static int cell_matches(int ri, const char *cell, const char *names, const char *code, const char *name) {
    char b[4096], b2[4096];
    const char *alt[MAX_ALTS], *fr[MAX_ALTS];
    int na = split_alts(cell, b, sizeof b, alt, MAX_ALTS);
    size_t cl = strlen(code);
    for (int i = 0; i < na; i++) {
        if (!strcmp(alt[i], "C") || !strcmp(alt[i], "c")) {
            if (code[0] != 'C' && code[0] != 'c') continue;
            int nf = split_alts(names, b2, sizeof b2, fr, MAX_ALTS);
            for (int k = 0; k < nf; k++)
                if (strstr(name, fr[k])) return 1;
            continue;
        }
        size_t pl = strlen(alt[i]);
        if (R[ri].prefix ? cl >= pl && !memcmp(code, alt[i], pl) : !strcmp(code, alt[i])) return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ persons, visits, lines */

typedef struct gline {
    char sn[48], code[64], name[128], type[4];
    yb_datetime t;
    int64_t cnt;            /* whole units */
    int64_t pric;           /* fen */
    int prd_days;
} gline;

typedef struct gdiag {
    char code[16], name[48];
    int main;
} gdiag;

typedef struct gvisit {
    char id[48], med_type[4], hosp_lv[4], fix[16], dept[32];
    yb_datetime begn, end;
    int inpatient;
    gline l[MAXL];
    int nl;
    gdiag d[3];
    int nd;
    int diag_in_mdtrt;      /* the main diagnosis also in mdtrt_d.dscg_maindiag_code */
} gvisit;

typedef struct gperson {
    char psn[24], insutype[4];
    int gend;
    yb_date brdy;
    gvisit v[MAXV];
    int nv;
} gperson;

static gperson P;
static unsigned long long person_seq;
static yb_date BASE;        /* 2024-01-01 */

static const struct { const char *code, *name; } DIAGS[] = {
    {"K29.700", "胃炎"}, {"I10.x00", "高血压"}, {"E11.900", "2型糖尿病"}, {"J18.900", "肺炎"},
    {"M54.500", "腰痛"}, {"N39.000", "泌尿道感染"}, {"J06.900", "急性上呼吸道感染"}, {"K80.200", "胆囊结石"},
};
#define NDIAGS (sizeof DIAGS / sizeof DIAGS[0])

static void person_new(int gend, yb_date brdy) {
    memset(&P, 0, sizeof P);
    snprintf(P.psn, sizeof P.psn, "36%012llu", ++person_seq);
    P.gend = gend;
    P.brdy = brdy;
    snprintf(P.insutype, sizeof P.insutype, "310");
}

static yb_date age_brdy(int years, int days) { return BASE + 180 - years * 365 - years / 4 - days; }

/* A visit starting on day d at 08:00; inpatient when stay > 0 or med_type starts with 2. */
static gvisit *visit_new(const char *med_type, const char *hosp_lv, const char *fix, yb_date d, int stay) {
    if (P.nv >= MAXV) die("%s", "too many visits in a person");
    gvisit *v = &P.v[P.nv];
    memset(v, 0, sizeof *v);
    char psn[sizeof P.psn];
    memcpy(psn, P.psn, sizeof psn);
    snprintf(v->id, sizeof v->id, "%s%02d", psn, P.nv + 1);
    P.nv++;
    snprintf(v->med_type, sizeof v->med_type, "%s", med_type);
    snprintf(v->hosp_lv, sizeof v->hosp_lv, "%s", hosp_lv);
    snprintf(v->fix, sizeof v->fix, "%s", fix);
    snprintf(v->dept, sizeof v->dept, "内科");
    v->inpatient = med_type[0] == '2';
    v->begn = (yb_datetime)d * 86400 + 8 * 3600;
    v->end = v->inpatient ? (yb_datetime)(d + stay) * 86400 + 10 * 3600 : (yb_datetime)d * 86400 + 11 * 3600;
    int k = rn((int)NDIAGS);
    snprintf(v->d[0].code, sizeof v->d[0].code, "%s", DIAGS[k].code);
    snprintf(v->d[0].name, sizeof v->d[0].name, "%s", DIAGS[k].name);
    v->d[0].main = 1;
    v->nd = 1;
    v->diag_in_mdtrt = rn(2);
    return v;
}

static const char *type_of(const char *code) {
    if (code[0] == 'X') return "09";
    if (code[0] == 'Z') return "11";
    if (code[0] == 'C' || code[0] == 'c') return "08";
    return "05";
}

/* A line at day d, minute-of-day m; returns it (sn = visit id + 2-digit index). */
static gline *line_add(gvisit *v, const char *code, const char *name, yb_date d, int minute, int64_t cnt, int64_t pric) {
    if (v->nl >= MAXL) die("%s", "too many lines in a visit");
    gline *l = &v->l[v->nl];
    memset(l, 0, sizeof *l);
    char vid[sizeof v->id];
    memcpy(vid, v->id, sizeof vid);
    snprintf(l->sn, sizeof l->sn, "%s%02d", vid, v->nl + 1);
    v->nl++;
    snprintf(l->code, sizeof l->code, "%s", code);
    snprintf(l->name, sizeof l->name, "%s", name && *name ? name : "诊疗项目");
    snprintf(l->type, sizeof l->type, "%s", type_of(code));
    l->t = (yb_datetime)d * 86400 + (yb_datetime)minute * 60;
    l->cnt = cnt;
    l->pric = pric;
    return l;
}

/* ------------------------------------------------------------------ neutral codes */

static char **NEU, **NEUNAME;
static size_t NNEU;

static void load_neutral(const char *catalog) {
    table *t = table_load(catalog);
    int cc = table_col(t, "med_list_codg"), nc = table_col(t, "name");
    if (cc < 0) die("no med_list_codg column in %s", catalog);
    NEU = xcalloc(t->nrows, sizeof *NEU);
    NEUNAME = xcalloc(t->nrows, sizeof *NEUNAME);
    for (size_t i = 0; i < t->nrows; i++) {
        const char *c = tcell(t, i, cc), *n = tcell(t, i, nc);
        mem m[4];
        if (!*c || c[0] == 'C' || c[0] == 'c' || members(c, n, m, 4)) continue;
        size_t k;
        for (k = 0; k < NNEU && strcmp(NEU[k], c); k++) {}
        if (k < NNEU) continue;
        NEU[NNEU] = xstrdup(c);
        NEUNAME[NNEU++] = xstrdup(n);
    }
    table_free(t);
    if (NNEU < 20) die("fewer than 20 codes of %s are named by no rule", catalog);
}

/* n filler lines of codes no rule names, on day d (type 09 drugs: never exams or treatments). */
static void fillers(gvisit *v, yb_date d, int n) {
    for (int i = 0; i < n; i++) {
        size_t k = (size_t)rn((int)NNEU);
        gline *l = line_add(v, NEU[k], NEUNAME[k], d, 9 * 60 + 30 + i, 1 + rn(3), 100 * (1 + rn(200)));
        snprintf(l->type, sizeof l->type, "09");
    }
}

/* ------------------------------------------------------------------ the truth */

typedef struct tsum {
    size_t hits, clean;
    int64_t amount;
} tsum;

static tsum TS[MAX_RULES];
static FILE *TRUTH;

static int sn_cmp(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* One expected hit of rule ri in visit v: the violating lines (0..4) and the amount in fen. */
static void truth(int ri, const gvisit *v, int64_t amount, const gline *a, const gline *b) {
    const char *sn[2];
    int n = 0;
    if (a) sn[n++] = a->sn;
    if (b) sn[n++] = b->sn;
    qsort(sn, (size_t)n, sizeof *sn, sn_cmp);
    char amt[40];
    yb_fen_fmt(amount, amt);
    fprintf(TRUTH, "%s,%s,%s,%s%s%s,%s\n", R[ri].id, v->id, P.psn, n ? sn[0] : "", n > 1 ? "|" : "", n > 1 ? sn[1] : "",
            amt);
    TS[ri].hits++;
    TS[ri].amount += amount;
}

/* ------------------------------------------------------------------ writing, in shuffled blocks */

static const char *const MD_COLS =
    "mdtrt_id,medins_setl_id,psn_no,psn_insu_rlts_id,psn_cert_type,certno,psn_name,gend,naty,brdy,age,con"
    "er_name,tel,addr,insutype,psn_type,cvlserv_flag,cvlserv_lv,sp_psn_type,sp_psn_type_lv,clct_grde,flxe"
    "mpe_flag,nwb_flag,insu_admdvs,emp_no,emp_name,emp_type,econ_type,afil_indu,afil_rlts,emp_mgt_type,pa"
    "y_loc,fixmedins_code,fixmedins_name,hosp_lv,fix_blng_admdvs,lmtpric_hosp_lv,dedc_hosp_lv,begntime,en"
    "dtime,mdtrt_cert_type,mdtrt_cert_no,med_type,rloc_type,ars_year_ipt_flag,pre_pay_flag,year,refl_old_"
    "mdtrt_id,ipt_otp_no,medrcdno,chfpdr_code,adm_diag_dscr,adm_dept_codg,adm_dept_name,adm_bed,wardarea_"
    "bed,traf_dept_flag,dscg_maindiag_code,dscg_dept_codg,dscg_dept_name,dscg_bed,dscg_way,main_cond_dscr"
    ",dise_no,dise_name,oprn_oprt_code,oprn_oprt_name,otp_diag_info,inhosp_stas,die_date,ipt_days,geso_va"
    "l,birctrl_type,fetts,fetus_cnt,matn_type,prey_time,latechb_flag,pret_flag,fpsc_no,birctrl_matn_date,"
    "cop_flag,trt_dcla_detl_sn,vali_flag,memo,rid,updt_time,crter_id,crter_name,crte_time,crte_optins_no,"
    "opter_id,opter_name,opt_time,optins_no,poolarea_no,chfpdr_name,dscg_maindiag_name,adm_caty,dscg_caty"
    ",ttp_pay_flag,ttp_pay_prop,dise_type_code,same_dise_adm_flag,quts_type,pt";
static const char *const FEE_COLS =
    "bkkp_sn,mdtrt_id,fee_ocur_time,setl_id,rx_drord_no,fixmedins_code,fixmedins_name,psn_no,psn_insu_rlt"
    "s_id,insu_admdvs,pay_loc,med_type,cnt,pric,det_item_fee_sumamt,pric_uplmt_amt,selfpay_prop,fulamt_ow"
    "npay_amt,overlmt_selfpay,preselfpay_amt,inscp_amt,cvlserv_bedfee_amt,medins_disc_amt,chrgitm_lv,hili"
    "st_code,hilist_name,list_type,med_list_codg,medins_list_codg,medins_list_name,med_chrgitm_type,prodn"
    "ame,spec,dosform_name,bilg_dept_codg,bilg_dept_name,bilg_dr_code,bilg_dr_name,acord_dept_codg,acord_"
    "dept_name,acord_dr_code,acord_dr_name,lmt_used_flag,hosp_prep_flag,hosp_appr_flag,tcmdrug_used_way,p"
    "rodplac_type,bas_medn_flag,hi_nego_drug_flag,prcu_drug_flag,chld_medc_flag,etip_flag,etip_hosp_code,"
    "dscg_tkdrug_flag,list_sp_item_flag,matn_fee_flag,drt_reim_flag,reim_prop,oprn_oprt_code,sin_dos_dscr"
    ",used_frqu_dscr,prd_days,medc_way_dscr,memo,vali_flag,rid,updt_time,crter_id,crter_name,crte_time,cr"
    "te_optins_no,opter_id,opter_name,opt_time,optins_no,poolarea_no,rx_circ_flag,dise_codg,chrg_bchno,in"
    "it_feedetl_sn,comb_no,pt";
static const char *const DIAG_COLS =
    "setl_list_diag_id,setl_id,mdtrt_id,psn_no,diag_type,maindiag_flag,diag_code,diag_name,adm_cond_type,"
    "vali_flag,rid,updt_time,crter_id,crter_name,crte_time,crte_optins_no,opter_id,opter_name,opt_time,op"
    "tins_no,poolarea_no,setl_list_sn,pt";

/* A row builder: the header's column names, the values of the current row. */
typedef struct rowb {
    char *names[128];
    const char *val[128];
    char store[128][128];
    size_t n;
} rowb;

static rowb RMD, RFEE, RDG;

static void rowb_init(rowb *r, const char *cols) {
    char *s = xstrdup(cols);
    for (char *p = s; p && *p && r->n < 128;) {
        char *c = strchr(p, ',');
        if (c) *c = '\0';
        r->names[r->n++] = p;
        p = c ? c + 1 : NULL;
    }
}

static void rowb_clear(rowb *r) {
    for (size_t i = 0; i < r->n; i++) r->val[i] = "";
}

static void rowb_set(rowb *r, const char *name, const char *v) {
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->names[i], name)) {
            snprintf(r->store[i], sizeof r->store[i], "%s", v);
            r->val[i] = r->store[i];
            return;
        }
    die("no column %s", name);
}

/* The row as one CSV text line (malloc'ed). */
static char *rowb_text(const rowb *r) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) die("%s", "out of memory");
    yb_csv_put_row(f, r->val, r->n);
    fclose(f);
    return buf;
}

typedef struct textv {
    char **s;
    size_t n, cap;
} textv;

static textv BMD, BFEE, BDG;
static FILE *OMD, *OFEE, *ODG;
static size_t LINES, VISITS, PERSONS, DIAGROWS;

static void tv_push(textv *t, char *s) {
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 4096;
        t->s = realloc(t->s, t->cap * sizeof *t->s);
        if (!t->s) die("%s", "out of memory");
    }
    t->s[t->n++] = s;
}

static void tv_flush(textv *t, FILE *f) {
    for (size_t i = t->n; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)(rnd() % i);
        char *x = t->s[i - 1];
        t->s[i - 1] = t->s[j];
        t->s[j] = x;
    }
    for (size_t i = 0; i < t->n; i++) {
        fputs(t->s[i], f);
        free(t->s[i]);
    }
    t->n = 0;
}

static void flush_block(void) {
    tv_flush(&BMD, OMD);
    tv_flush(&BFEE, OFEE);
    tv_flush(&BDG, ODG);
}

static void fmt_money(int64_t fen, char *b) { yb_fen_fmt(fen, b); }

static void emit_person(void) {
    char b[64], b2[64];
    PERSONS++;
    for (int i = 0; i < P.nv; i++) {
        const gvisit *v = &P.v[i];
        VISITS++;
        rowb_clear(&RMD);
        rowb_set(&RMD, "mdtrt_id", v->id);
        rowb_set(&RMD, "psn_no", P.psn);
        snprintf(b, sizeof b, "%d", P.gend);
        rowb_set(&RMD, "gend", b);
        rowb_set(&RMD, "brdy", yb_date_fmt(P.brdy, b));
        rowb_set(&RMD, "insutype", P.insutype);
        rowb_set(&RMD, "psn_type", "1101");
        rowb_set(&RMD, "insu_admdvs", "360100");
        rowb_set(&RMD, "fixmedins_code", v->fix);
        snprintf(b, sizeof b, "医院%s", v->fix);
        rowb_set(&RMD, "fixmedins_name", b);
        rowb_set(&RMD, "hosp_lv", v->hosp_lv);
        rowb_set(&RMD, "fix_blng_admdvs", "360100");
        rowb_set(&RMD, "begntime", yb_datetime_fmt(v->begn, b));
        rowb_set(&RMD, "endtime", yb_datetime_fmt(v->end, b));
        rowb_set(&RMD, "med_type", v->med_type);
        rowb_set(&RMD, "year", "2024");
        rowb_set(&RMD, "adm_dept_name", v->dept);
        rowb_set(&RMD, "dscg_dept_name", v->dept);
        rowb_set(&RMD, "vali_flag", "1");
        if (v->inpatient) {
            snprintf(b, sizeof b, "%d", (int)(yb_datetime_date(v->end) - yb_datetime_date(v->begn)));
            rowb_set(&RMD, "ipt_days", b);
        }
        if (v->diag_in_mdtrt && v->nd) {
            rowb_set(&RMD, "dscg_maindiag_code", v->d[0].code);
            rowb_set(&RMD, "dscg_maindiag_name", v->d[0].name);
        }
        tv_push(&BMD, rowb_text(&RMD));
        for (int k = 0; k < v->nd; k++) {
            DIAGROWS++;
            rowb_clear(&RDG);
            snprintf(b, sizeof b, "D%s%d", v->id, k);
            rowb_set(&RDG, "setl_list_diag_id", b);
            rowb_set(&RDG, "mdtrt_id", v->id);
            rowb_set(&RDG, "psn_no", P.psn);
            rowb_set(&RDG, "diag_type", "1");
            rowb_set(&RDG, "maindiag_flag", v->d[k].main ? "1" : "0");
            rowb_set(&RDG, "diag_code", v->d[k].code);
            rowb_set(&RDG, "diag_name", v->d[k].name);
            rowb_set(&RDG, "vali_flag", "1");
            tv_push(&BDG, rowb_text(&RDG));
        }
        for (int k = 0; k < v->nl; k++) {
            const gline *l = &v->l[k];
            LINES++;
            rowb_clear(&RFEE);
            rowb_set(&RFEE, "bkkp_sn", l->sn);
            rowb_set(&RFEE, "mdtrt_id", v->id);
            rowb_set(&RFEE, "fee_ocur_time", yb_datetime_fmt(l->t, b));
            rowb_set(&RFEE, "fixmedins_code", v->fix);
            rowb_set(&RFEE, "psn_no", P.psn);
            rowb_set(&RFEE, "insu_admdvs", "360100");
            rowb_set(&RFEE, "med_type", v->med_type);
            snprintf(b, sizeof b, "%lld", (long long)l->cnt);
            rowb_set(&RFEE, "cnt", b);
            fmt_money(l->pric, b);
            rowb_set(&RFEE, "pric", b);
            fmt_money(l->cnt * l->pric, b2);
            rowb_set(&RFEE, "det_item_fee_sumamt", b2);
            rowb_set(&RFEE, "hilist_code", l->code);
            rowb_set(&RFEE, "hilist_name", l->name);
            rowb_set(&RFEE, "med_list_codg", l->code);
            rowb_set(&RFEE, "medins_list_codg", l->code);
            rowb_set(&RFEE, "medins_list_name", l->name);
            rowb_set(&RFEE, "med_chrgitm_type", l->type);
            rowb_set(&RFEE, "bilg_dept_name", v->dept);
            if (l->prd_days) {
                snprintf(b, sizeof b, "%d", l->prd_days);
                rowb_set(&RFEE, "prd_days", b);
            }
            rowb_set(&RFEE, "vali_flag", "1");
            tv_push(&BFEE, rowb_text(&RFEE));
        }
    }
    if (PERSONS % BLOCK == 0) flush_block();
}

/* A background person: 1-5 visits of 1-10 filler lines, 16 days or more apart (no readmission),
 * outpatient or inpatient stays of 2-8 days. */
static void background(void) {
    person_new(1 + rn(2), age_brdy(20 + rn(50), rn(365)));
    int nv = 1 + rn(5);
    yb_date d = BASE + rn(60);
    for (int i = 0; i < nv; i++) {
        int inp = rn(5) == 0, stay = inp ? 2 + rn(7) : 0;
        static const char *const lv[] = {"01", "02", "05", "06", "08", "11"};
        char fix[16];
        snprintf(fix, sizeof fix, "H%03d", rn(40));
        gvisit *v = visit_new(inp ? "21" : "11", lv[rn(6)], fix, d, stay);
        int nl = 1 + rn(10);
        for (int k = 0; k < nl; k++) fillers(v, d + (stay ? rn(stay + 1) : 0), 1);
        d += stay + 16 + rn(30);
    }
    emit_person();
}

/* ------------------------------------------------------------------ scenarios */

typedef struct cand {
    char code[2][64], name[2][128];
    int a, b;
    char tgt[4][64];        /* related targets that satisfy incidental related memberships */
    int ntgt;
} cand;

typedef struct scen {
    int ri;
    int (*build)(struct scen *s, int hit);   /* 0 when the variant cannot be built */
    cand pool[POOL];
    int n;
} scen;

static scen SC[MAX_RULES];
static size_t NSC;

/* Rows of rule ri a code (and name) belongs to in a role. */
static int rows_of(int ri, const char *code, const char *name, int role) {
    mem m[256];
    size_t n = members(code, name, m, 256);
    int k = 0;
    for (size_t i = 0; i < n; i++) k += m[i].rule == ri && (m[i].role & role);
    return k;
}

/* For a single line whose code (a material, by name) is a subject of related rules of other
 * kinds' sets, find a target line for each such rule so that it is satisfied. -1 when a
 * membership other than those is found unsafe, else the number of targets. */
static int related_fix(int ri, const char *code, const char *name, char tgt[][64], int max) {
    mem m[256];
    size_t n = members(code, name, m, 256);
    int nt = 0;
    for (size_t i = 0; i < n; i++) {
        if (m[i].rule == ri) continue;
        if (safe_single(m[i].rule, m[i].role)) continue;
        if (!kind_is(m[i].rule, "related") || m[i].role != R_SUBJ || nt >= max) return -1;
        char t[64];
        if (!first_code_alt(rget(&R[m[i].rule], m[i].row, "target"), t, sizeof t, 0)) return -1;
        if (!code_ok(t, "", kind_mask("related"), R_TARGET, 0)) return -1;
        snprintf(tgt[nt++], 64, "%s", t);
    }
    return nt;
}

static void pool_add(scen *s, const cand *c) {
    if (s->n < POOL) s->pool[s->n++] = *c;
}

/* Walk a rule's rows from a spread of starting points so that the pool covers the table. */
#define FOR_ROWS(r, row)                                                                      \
    for (size_t it_ = 0, step_ = (r)->nrows / 97 + 1, row = 0; it_ < (r)->nrows; it_++,       \
                row = (it_ * step_ + it_ / ((r)->nrows / step_ + 1)) % (r)->nrows)

static int leading_int(const char *s) {
    int v = 0, any = 0;
    while (*s >= '0' && *s <= '9' && v < 100000000) v = v * 10 + (*s++ - '0'), any = 1;
    return any ? v : -1;
}

static int64_t price(void) { return 100 * (5 + rn(95)); }
static yb_date day0(void) { return BASE + 20 + rn(200); }

/* Birth date so that the age on day d is `years` whole years (years > 0), or `days` days. */
static yb_date born(yb_date d, int years, int days) {
    if (years <= 0) return d - days;
    int y, m, dd;
    yb_date_ymd(d, &y, &m, &dd);
    yb_date b;
    if (yb_date_make(y - years, m, 1, &b)) die("%s", "bad birth date");
    return b;
}

static gline *one_line(gvisit *v, const cand *c, int k, yb_date d, int minute, int64_t cnt, int64_t pric) {
    return line_add(v, c->code[k], c->name[k], d, minute, cnt, pric);
}

/* ---- per-line kinds: gender, age_band, retire_age, insutype, medtype, hosplv, swap, phantom */

static void pool_per_line(scen *s) {
    const rule *r = &R[s->ri];
    int swap = kind_is(s->ri, "swap") || kind_is(s->ri, "phantom");
    FOR_ROWS(r, row) {
        if (s->n >= POOL) break;
        cand c;
        memset(&c, 0, sizeof c);
        const char *code = rget(r, row, "code"), *val = rget(r, row, "value");
        snprintf(c.name[0], sizeof c.name[0], "%s", rget(r, row, "name"));
        if (!strcmp(code, "C") || !strcmp(code, "c")) {
            if (!swap || !*c.name[0]) continue;
            snprintf(c.code[0], sizeof c.code[0], "C99%017llu", (unsigned long long)row); /* a material code by name */
        } else if (!first_code_alt(code, c.code[0], sizeof c.code[0], 0)) {
            continue;
        }
        if (strchr(c.name[0], '(') || strchr(c.name[0], '|')) c.name[0][0] = '\0';
        if (!*c.name[0] && (c.code[0][0] == 'C' || c.code[0][0] == 'c')) snprintf(c.name[0], sizeof c.name[0], "医用耗材");
        if (kind_is(s->ri, "gender")) c.a = !strcmp(val, "男") ? 1 : !strcmp(val, "女") ? 2 : 0;
        else if (kind_is(s->ri, "age_band"))
            c.a = !strcmp(val, "新生儿") ? 1 : !strcmp(val, "婴幼儿") ? 2 : !strcmp(val, "儿童") ? 3 : !strcmp(val, "成年") ? 4 : 0;
        else if (kind_is(s->ri, "insutype")) c.a = !strcmp(val, "工伤") ? 1 : !strcmp(val, "生育") ? 2 : 0;
        else if (kind_is(s->ri, "medtype")) c.a = !strcmp(val, "住院") ? 1 : !strcmp(val, "门诊") ? 2 : 0;
        else if (kind_is(s->ri, "hosplv")) c.a = !strcmp(val, "一级") ? 1 : !strcmp(val, "二级") ? 2 : !strcmp(val, "三级") ? 3 : 0;
        else c.a = 1;
        if (!c.a) continue;
        if (rows_of(s->ri, c.code[0], c.name[0], R_SUBJ) != 1) continue;
        c.ntgt = related_fix(s->ri, c.code[0], c.name[0], c.tgt, 4);
        if (c.ntgt < 0) continue;
        pool_add(s, &c);
    }
}

static int build_per_line(scen *s, int hit) {
    const rule *r = &R[s->ri];
    const cand *c = &s->pool[rn(s->n)];
    yb_date d = day0();
    int gend = 1 + rn(2), years = 40, days = 0;
    const char *mt = "11", *lv = "01";
    int stay = 0;
    if (kind_is(s->ri, "gender")) gend = hit ? 3 - c->a : c->a;
    else if (kind_is(s->ri, "age_band")) {
        int nb = param_int(r, "newborn_days", 28), inf = param_int(r, "infant_years", 3),
            ch = param_int(r, "child_years", 18);
        switch (c->a) {
        case 1: years = hit ? 2 : 0, days = hit ? 0 : nb / 2; break;
        case 2: years = hit ? inf + 2 : (inf > 1 ? inf - 1 : 0), days = hit ? 0 : 100; break;
        case 3: years = hit ? ch + 20 : (ch > 8 ? ch - 8 : ch / 2 + 1); break;
        default: years = hit ? (ch > 8 ? ch - 8 : 1) : ch + 20; break;
        }
    } else if (kind_is(s->ri, "retire_age")) {
        int lim = gend == 1 ? param_int(r, "retire_age_male", 60) : param_int(r, "retire_age_female", 50);
        years = hit ? lim + 5 : lim - 10;
    } else if (kind_is(s->ri, "insutype")) {
        if (!hit) { /* only a 生育 item can be clean: in a maternity visit */
            int k;
            for (k = 0; k < s->n && s->pool[k].a != 2; k++) {}
            if (k == s->n) return 0;
            c = &s->pool[k];
            static char mmt[8];
            char b[64];
            param(r, "maternity_med_types", b, sizeof b);
            snprintf(mmt, sizeof mmt, "%.*s", (int)strcspn(b, "|"), b[0] ? b : "51");
            mt = mmt;
        }
    } else if (kind_is(s->ri, "medtype")) {
        int inp = c->a == 1 ? !hit : hit;
        mt = inp ? "21" : "11";
        stay = inp ? 5 : 0;
    } else if (kind_is(s->ri, "hosplv")) {
        lv = !hit ? "01" : c->a == 3 ? "05" : c->a == 2 ? "08" : "11";
    } else if (!hit) {
        return 0; /* swap, phantom: every such line is a lead */
    }
    person_new(gend, born(d, years, days));
    char fix[16];
    snprintf(fix, sizeof fix, "S%03d", rn(50));
    gvisit *v = visit_new(mt, lv, fix, d, stay);
    int64_t p = price();
    gline *l = one_line(v, c, 0, d, 9 * 60, 1, p);
    for (int i = 0; i < c->ntgt; i++) line_add(v, c->tgt[i], "关联操作", d, 9 * 60 + 10, 1, price());
    fillers(v, d, rn(3));
    if (hit) truth(s->ri, v, p, l, NULL);
    return 1;
}

/* ---- quantity, frequency, cycle, drug_course, course, total: one code of the rule */

static void pool_one_code(scen *s) {
    const rule *r = &R[s->ri];
    FOR_ROWS(r, row) {
        if (s->n >= POOL) break;
        cand c;
        memset(&c, 0, sizeof c);
        if (!first_code_alt(rget(r, row, "code"), c.code[0], sizeof c.code[0], 0)) continue;
        snprintf(c.name[0], sizeof c.name[0], "%s", rget(r, row, "name"));
        const char *val = rget(r, row, "value");
        if (kind_is(s->ri, "quantity")) c.a = leading_int(val);
        else if (kind_is(s->ri, "frequency")) {
            const char *unit = rget(r, row, "unit");
            c.a = leading_int(*rget(r, row, "limit") ? rget(r, row, "limit") : val);
            if (*unit ? strcmp(unit, "日") && strcmp(unit, "天") && strcmp(unit, "小时") : !strstr(val, "次每日")) c.a = -1;
        } else if (kind_is(s->ri, "cycle")) {
            c.a = leading_int(rget(r, row, "limit"));
            c.b = leading_int(rget(r, row, "days"));
            if (c.b < 2) c.a = -1;
        } else if (kind_is(s->ri, "drug_course")) {
            c.a = leading_int(val);
            if (c.a < 2 || !strstr(val, "天")) c.a = -1;
        } else if (kind_is(s->ri, "course")) {
            const char *x = strstr(val, "不超过");
            c.a = strstr(val, "间隔") || strstr(val, "每周") || !x ? -1 : leading_int(x + strlen("不超过"));
            if (c.a >= param_int(r, "restart_days", 180)) c.a = -1;
        } else if (kind_is(s->ri, "total")) {
            c.a = leading_int(val);
            if (!strstr(val, "元") || c.a < 10 || c.a > 1000000) c.a = -1;
        }
        if (c.a < 1) continue;
        if (!code_ok(c.code[0], c.name[0], bit(s->ri), R_SUBJ, 0)) continue;
        if (rows_of(s->ri, c.code[0], c.name[0], R_SUBJ) != 1) continue;
        pool_add(s, &c);
    }
}

static int build_one_code(scen *s, int hit) {
    const cand *c = &s->pool[rn(s->n)];
    yb_date d = day0();
    person_new(1 + rn(2), born(d, 30 + rn(20), 0));
    char fix[16];
    snprintf(fix, sizeof fix, "S%03d", rn(50));
    int64_t p = price();
    if (kind_is(s->ri, "quantity") || kind_is(s->ri, "frequency")) {
        /* N units allowed per line / per day: N + 1 is one over, worth one price */
        gvisit *v = visit_new("11", "01", fix, d, 0);
        gline *l = one_line(v, c, 0, d, 9 * 60, c->a + (hit ? 1 : 0), p);
        fillers(v, d, rn(3));
        if (hit) truth(s->ri, v, p, l, NULL);
    } else if (kind_is(s->ri, "cycle")) {
        /* K charges on d, one more on d + M - 1 (inside the M days: the whole line) or d + M */
        gvisit *a = visit_new("11", "01", fix, d, 0);
        one_line(a, c, 0, d, 9 * 60, c->a, p);
        yb_date d2 = d + c->b - (hit ? 1 : 0);
        gvisit *b = visit_new("11", "01", fix, d2, 0);
        gline *l = one_line(b, c, 0, d2, 9 * 60, 1, p);
        fillers(b, d2, rn(2));
        if (hit) truth(s->ri, b, p, l, NULL);
    } else if (kind_is(s->ri, "drug_course")) {
        /* N days paid: line 1 covers days 1..N-1, line 2 from day N covers 5 days (hit: 4 of
         * them are beyond day N, pro rata 4/5 of 5 x p = 4p) or 1 day (clean) */
        gvisit *a = visit_new("11", "01", fix, d, 0);
        gline *l1 = one_line(a, c, 0, d, 9 * 60, 1, p);
        l1->prd_days = c->a - 1;
        yb_date d2 = d + c->a - 1;
        gvisit *b = visit_new("11", "01", fix, d2, 0);
        gline *l2 = one_line(b, c, 0, d2, 9 * 60, 5, p);
        l2->prd_days = hit ? 5 : 1;
        if (hit) truth(s->ri, b, 4 * p, l2, NULL);
    } else if (kind_is(s->ri, "course")) {
        /* span S days from the first charge: a charge on day first + S violates, first + S - 1 not */
        gvisit *a = visit_new("11", "01", fix, d, 0);
        one_line(a, c, 0, d, 9 * 60, 1, p);
        yb_date d2 = d + c->a - (hit ? 0 : 1);
        gvisit *b = visit_new("11", "01", fix, d2, 0);
        b->d[0] = a->d[0]; /* the same illness episode */
        gline *l = one_line(b, c, 0, d2, 9 * 60, 1, p);
        if (hit) truth(s->ri, b, p, l, NULL);
    } else if (kind_is(s->ri, "total")) {
        /* cap C a year: C - 1.00 paid, then 3.00 (2.00 over) or 1.00 (exactly C) */
        int64_t cap = (int64_t)c->a * 100;
        yb_date dd = BASE + 10 + rn(100);
        gvisit *a = visit_new("11", "01", fix, dd, 0);
        one_line(a, c, 0, dd, 9 * 60, 1, cap - 100);
        gvisit *b = visit_new("11", "01", fix, dd + 30, 0);
        gline *l = one_line(b, c, 0, dd + 30, 9 * 60, 1, hit ? 300 : 100);
        if (hit) truth(s->ri, b, 200, l, NULL);
    }
    return 1;
}

/* ---- duplicate (main + sub in a window) */

static int window_of(const rule *r, size_t row) {
    char b[64];
    const char *w = rget(r, row, "window");
    if (!*w) w = param(r, "window", b, sizeof b);
    return !strcmp(w, "单日") ? 0 : !strcmp(w, "单次就诊") ? 1 : !strcmp(w, "6小时") ? 2 : !strcmp(w, "同一小时") ? 3 : -1;
}

static void pool_duplicate(scen *s) {
    const rule *r = &R[s->ri];
    FOR_ROWS(r, row) {
        if (s->n >= POOL) break;
        cand c;
        memset(&c, 0, sizeof c);
        if (!first_code_alt(rget(r, row, "main"), c.code[0], sizeof c.code[0], 0)) continue;
        if (!first_code_alt(rget(r, row, "sub"), c.code[1], sizeof c.code[1], 0)) continue;
        if (!strcmp(c.code[0], c.code[1])) continue;
        c.a = window_of(r, row);
        if (c.a < 0) continue;
        if (!code_ok(c.code[0], "", bit(s->ri), R_MAIN | R_SUBJ, 0) || !code_ok(c.code[1], "", bit(s->ri), R_MAIN | R_SUBJ, 0))
            continue;
        /* exactly one row links main -> sub, none sub -> main */
        int fwd = 0, rev = 0;
        for (size_t k = 0; k < r->nrows; k++) {
            fwd += cell_matches(s->ri, rget(r, k, "main"), "", c.code[0], "") &&
                   cell_matches(s->ri, rget(r, k, "sub"), rget(r, k, "sub_name"), c.code[1], "");
            rev += cell_matches(s->ri, rget(r, k, "main"), "", c.code[1], "") &&
                   cell_matches(s->ri, rget(r, k, "sub"), rget(r, k, "sub_name"), c.code[0], "");
        }
        if (fwd != 1 || rev) continue;
        snprintf(c.name[0], sizeof c.name[0], "%s", rget(r, row, "main_name"));
        snprintf(c.name[1], sizeof c.name[1], "%s", strchr(rget(r, row, "sub_name"), '|') ? "" : rget(r, row, "sub_name"));
        pool_add(s, &c);
    }
}

static int build_duplicate(scen *s, int hit) {
    const cand *c = &s->pool[rn(s->n)];
    yb_date d = day0();
    person_new(1 + rn(2), born(d, 30 + rn(20), 0));
    char fix[16];
    snprintf(fix, sizeof fix, "S%03d", rn(50));
    int64_t p = price();
    gvisit *v;
    gline *l = NULL;
    switch (c->a) {
    case 0: /* same day: hit 09:00 and 15:00; clean: the next day (one stay) */
        v = visit_new(hit ? "11" : "21", "01", fix, d, hit ? 0 : 4);
        one_line(v, c, 0, d, 9 * 60, 1, price());
        l = one_line(v, c, 1, d + (hit ? 0 : 1), (hit ? 15 : 9) * 60, 1, p);
        break;
    case 1: /* same visit: hit two days apart in one stay; clean: two outpatient visits */
        if (hit) {
            v = visit_new("21", "01", fix, d, 4);
            one_line(v, c, 0, d, 9 * 60, 1, price());
            l = one_line(v, c, 1, d + 2, 9 * 60, 1, p);
        } else {
            v = visit_new("11", "01", fix, d, 0);
            one_line(v, c, 0, d, 9 * 60, 1, price());
            v = visit_new("11", "01", fix, d + 3, 0);
            l = one_line(v, c, 1, d + 3, 9 * 60, 1, p);
        }
        break;
    case 2: /* within 6 hours: 2 h apart; clean: exactly 6 h apart */
        v = visit_new("11", "01", fix, d, 0);
        one_line(v, c, 0, d, 8 * 60 + 30, 1, price());
        l = one_line(v, c, 1, d, hit ? 10 * 60 + 30 : 14 * 60 + 30, 1, p);
        break;
    default: /* within the hour: 30 min; clean: exactly 60 min */
        v = visit_new("11", "01", fix, d, 0);
        one_line(v, c, 0, d, 9 * 60, 1, price());
        l = one_line(v, c, 1, d, hit ? 9 * 60 + 30 : 10 * 60, 1, p);
        break;
    }
    fillers(v, yb_datetime_date(l->t), rn(3));
    if (hit) truth(s->ri, v, p, l, NULL);
    return 1;
}

/* ---- surcharge_qty / surcharge_main (base B, surcharge S, limit L) */

static void pool_surcharge(scen *s) {
    const rule *r = &R[s->ri];
    uint64_t m = kind_mask("surcharge_qty") | kind_mask("surcharge_main");
    FOR_ROWS(r, row) {
        if (s->n >= POOL) break;
        cand c;
        memset(&c, 0, sizeof c);
        if (!first_code_alt(rget(r, row, "main"), c.code[0], sizeof c.code[0], 0)) continue;
        if (!first_code_alt(rget(r, row, "sub"), c.code[1], sizeof c.code[1], 0)) continue;
        if (!strcmp(c.code[0], c.code[1])) continue;
        c.a = kind_is(s->ri, "surcharge_qty") ? leading_int(rget(r, row, "limit")) : 1;
        if (c.a < 1) continue;
        if (!code_ok(c.code[0], "", m, R_MAIN, 0) || !code_ok(c.code[1], "", m, R_SUBJ, 0)) continue;
        int ok = 1;
        for (size_t k = 0; k < NR; k++)
            if ((m >> k & 1) && rows_of((int)k, c.code[1], "", R_SUBJ) > 1) ok = 0;
        if (!ok) continue;
        snprintf(c.name[0], sizeof c.name[0], "%s", rget(r, row, "main_name"));
        snprintf(c.name[1], sizeof c.name[1], "%s", rget(r, row, "sub_name"));
        pool_add(s, &c);
    }
}

static int build_surcharge(scen *s, int hit) {
    const cand *c = &s->pool[rn(s->n)];
    yb_date d = day0();
    person_new(1 + rn(2), born(d, 30 + rn(20), 0));
    char fix[16];
    snprintf(fix, sizeof fix, "S%03d", rn(50));
    gvisit *v = visit_new("11", "01", fix, d, 0);
    int64_t p = price();
    gline *l;
    if (kind_is(s->ri, "surcharge_qty")) {
        /* base 1 unit, surcharge L + 1 units: one over, worth one price; clean: L units */
        one_line(v, c, 0, d, 9 * 60, 1, price());
        l = one_line(v, c, 1, d, 9 * 60 + 5, c->a + (hit ? 1 : 0), p);
        if (hit) truth(s->ri, v, p, l, NULL);
    } else {
        /* surcharge without its base that day (hit: whole line); clean: with it */
        if (!hit) one_line(v, c, 0, d, 9 * 60, 1, price());
        l = one_line(v, c, 1, d, 9 * 60 + 5, 1, p);
        if (hit) truth(s->ri, v, p, l, NULL);
    }
    fillers(v, d, rn(3));
    return 1;
}

/* ---- related (subject needs a target the same day) */

static void pool_related(scen *s) {
    const rule *r = &R[s->ri];
    uint64_t m = kind_mask("related");
    FOR_ROWS(r, row) {
        if (s->n >= POOL) break;
        cand c;
        memset(&c, 0, sizeof c);
        const char *code = rget(r, row, "code");
        if (!strcmp(code, "C") || !strcmp(code, "c")) {
            /* a material named by the row: a code of class C no pattern names, the first name */
            char b[4096];
            const char *fr[MAX_ALTS];
            if (split_alts(rget(r, row, "name"), b, sizeof b, fr, MAX_ALTS) < 1) continue;
            snprintf(c.code[0], sizeof c.code[0], "C99%017llu", (unsigned long long)row);
            snprintf(c.name[0], sizeof c.name[0], "%s", fr[0]);
        } else {
            if (!first_code_alt(code, c.code[0], sizeof c.code[0], 0)) continue;
            snprintf(c.name[0], sizeof c.name[0], "%s", rget(r, row, "name"));
            if (c.code[0][0] == 'C' || c.code[0][0] == 'c') snprintf(c.name[0], sizeof c.name[0], "医用耗材");
        }
        if (!first_code_alt(rget(r, row, "target"), c.code[1], sizeof c.code[1], 0)) continue;
        /* the subject belongs to this rule only; the target may belong to kinds that one charge
         * cannot trigger (no pair kind links it to the subject, which is in no other rule) */
        if (!code_ok(c.code[0], c.name[0], bit(s->ri), R_SUBJ, 0) || !code_ok(c.code[1], "", m, R_TARGET, 1)) continue;
        pool_add(s, &c);
    }
}

static int build_related(scen *s, int hit) {
    const cand *c = &s->pool[rn(s->n)];
    yb_date d = day0();
    person_new(1 + rn(2), born(d, 30 + rn(20), 0));
    char fix[16];
    snprintf(fix, sizeof fix, "S%03d", rn(50));
    gvisit *v = visit_new("11", "01", fix, d, 0);
    int64_t p = price();
    gline *l = one_line(v, c, 0, d, 9 * 60, 1, p);
    if (!hit) line_add(v, c->code[1], "关联操作", d, 10 * 60, 1, price());
    fillers(v, d, rn(3));
    if (hit) truth(s->ri, v, p, l, NULL);
    return 1;
}

/* ---- split (two parts of one package the same day) */

static void pool_split(scen *s) {
    const rule *r = &R[s->ri];
    FOR_ROWS(r, row) {
        if (s->n >= POOL) break;
        char b[4096];
        const char *alt[MAX_ALTS];
        int na = split_alts(rget(r, row, "parts"), b, sizeof b, alt, MAX_ALTS);
        cand c;
        memset(&c, 0, sizeof c);
        int k = 0;
        for (int i = 0; i < na && k < 2; i++) {
            if (!strcmp(alt[i], "C") || !strcmp(alt[i], "c")) continue;
            full_code(alt[i], 0, c.code[k], sizeof c.code[k]);
            if (k == 1 && !strcmp(c.code[0], c.code[1])) continue;
            k++;
        }
        if (k == 1 && na >= 1) { /* one prefix: two codes of it */
            full_code(c.code[0], 0, c.code[1], sizeof c.code[1]);
            char p[64];
            snprintf(p, sizeof p, "%s", c.code[0]);
            size_t pl = strlen(alt[0]);
            if (strlen(p) <= pl) continue;
            full_code(alt[0], 1, c.code[0], sizeof c.code[0]);
            full_code(alt[0], 2, c.code[1], sizeof c.code[1]);
            k = 2;
        }
        if (k < 2) continue;
        for (int i = 0; i < 2; i++)
            snprintf(c.name[i], sizeof c.name[i], "%s", c.code[i][0] == 'C' || c.code[i][0] == 'c' ? "医用耗材" : "诊疗项目");
        if (!code_ok(c.code[0], c.name[0], bit(s->ri), R_SUBJ, 0) || !code_ok(c.code[1], c.name[1], bit(s->ri), R_SUBJ, 0))
            continue;
        int both = 0;
        for (size_t x = 0; x < r->nrows; x++)
            both += cell_matches(s->ri, rget(r, x, "parts"), rget(r, x, "parts_name"), c.code[0], c.name[0]) &&
                    cell_matches(s->ri, rget(r, x, "parts"), rget(r, x, "parts_name"), c.code[1], c.name[1]);
        if (both != 1) continue;
        pool_add(s, &c);
    }
}

static int build_split(scen *s, int hit) {
    const cand *c = &s->pool[rn(s->n)];
    yb_date d = day0();
    person_new(1 + rn(2), born(d, 30 + rn(20), 0));
    char fix[16];
    snprintf(fix, sizeof fix, "S%03d", rn(50));
    gvisit *v = visit_new(hit ? "11" : "21", "01", fix, d, hit ? 0 : 4);
    int64_t p1 = price(), p2 = price();
    gline *a = one_line(v, c, 0, d, 9 * 60, 1, p1);
    gline *b = one_line(v, c, 1, d + (hit ? 0 : 1), 9 * 60 + 5, 1, p2);
    fillers(v, d, rn(3));
    if (hit) truth(s->ri, v, p1 + p2, a, b);
    return 1;
}

/* ---- primary_secondary (two codes of one group the same day) */

static void pool_primary(scen *s) {
    const rule *r = &R[s->ri];
    FOR_ROWS(r, row) {
        if (s->n >= POOL) break;
        cand c;
        memset(&c, 0, sizeof c);
        if (!first_code_alt(rget(r, row, "code"), c.code[0], sizeof c.code[0], 0)) continue;
        if (!code_ok(c.code[0], "", bit(s->ri), R_SUBJ, 0)) continue;
        const char *g = rget(r, row, "group");
        for (size_t k = row + 1; k < r->nrows; k++) {
            if (strcmp(rget(r, k, "group"), g)) continue;
            if (!first_code_alt(rget(r, k, "code"), c.code[1], sizeof c.code[1], 0)) continue;
            if (strcmp(c.code[0], c.code[1]) && code_ok(c.code[1], "", bit(s->ri), R_SUBJ, 0)) {
                snprintf(c.name[0], sizeof c.name[0], "%s", rget(r, row, "name"));
                snprintf(c.name[1], sizeof c.name[1], "%s", rget(r, k, "name"));
                pool_add(s, &c);
                break;
            }
        }
    }
}

static int build_primary(scen *s, int hit) {
    const rule *r = &R[s->ri];
    const cand *c = &s->pool[rn(s->n)];
    yb_date d = day0();
    person_new(1 + rn(2), born(d, 30 + rn(20), 0));
    char fix[16], rb[32];
    snprintf(fix, sizeof fix, "S%03d", rn(50));
    gvisit *v = visit_new(hit ? "11" : "21", "01", fix, d, hit ? 0 : 4);
    int64_t p2 = 200 * (10 + rn(200)), p1 = p2 + 100 * (1 + rn(100)); /* the second is cheaper */
    one_line(v, c, 0, d, 9 * 60, 1, p1);
    gline *b = one_line(v, c, 1, d + (hit ? 0 : 1), 9 * 60 + 30, 1, p2);
    fillers(v, d, rn(3));
    /* no catalogue price: the secondary's price is its standard, amount x (1 - rate) */
    yb_ratio rate = YB_RATIO_ONE / 2;
    param(r, "rate", rb, sizeof rb);
    if (rb[0] && yb_ratio_parse(rb, strlen(rb), 0, &rate)) die("bad rate of %s", r->id);
    int64_t amt;
    if (yb_round_div((yb_i128)p2 * (YB_RATIO_ONE - rate), YB_RATIO_ONE, &amt)) die("%s", "overflow");
    if (hit) truth(s->ri, v, amt, b, NULL);
    return 1;
}

/* ---- bed_days / dup_institution (groups of per-day items) */

static int group_codes(const rule *r, char out[][64], int max) {
    for (const char *p = r->params; *p;) {
        const char *e = strchr(p, ';');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (!strncmp(p, "group.", 6)) {
            char g[1024];
            snprintf(g, sizeof g, "%.*s", (int)n, p);
            char *eq = strchr(g, '=');
            int k = 0;
            for (char *c = eq ? eq + 1 : NULL; c && *c && k < max;) {
                char *bar = strchr(c, '|');
                if (bar) *bar = '\0';
                uint64_t allow = kind_mask("bed_days") | kind_mask("dup_institution") | kind_mask("frequency") |
                                 kind_mask("duplicate");
                if (code_ok(c, "", allow, R_GROUP | R_SUBJ, 0)) snprintf(out[k++], 64, "%s", c);
                if (!bar) break;
                c = bar + 1;
            }
            if (k >= 2) return k;
        }
        p += n + (e != NULL);
    }
    return 0;
}

static void pool_group(scen *s) {
    char codes[16][64];
    int n = group_codes(&R[s->ri], codes, 16);
    for (int i = 0; i + 1 < n && s->n < POOL; i++) {
        cand c;
        memset(&c, 0, sizeof c);
        snprintf(c.code[0], sizeof c.code[0], "%s", codes[i]);
        snprintf(c.code[1], sizeof c.code[1], "%s", codes[i + 1]);
        snprintf(c.name[0], sizeof c.name[0], "床位费");
        snprintf(c.name[1], sizeof c.name[1], "床位费");
        pool_add(s, &c);
    }
}

static int build_bed_days(scen *s, int hit) {
    const cand *c = &s->pool[rn(s->n)];
    int tol = param_int(&R[s->ri], "tolerance", 1), stay = 3;
    if (tol < 1) return 0;
    yb_date d = day0();
    person_new(1 + rn(2), born(d, 30 + rn(20), 0));
    char fix[16];
    snprintf(fix, sizeof fix, "S%03d", rn(50));
    gvisit *v = visit_new("21", "01", fix, d, stay);
    /* item 1 every day of the stay (stay + 1 units), item 2 on tol days (hit: stay + 1 + tol >
     * stay + tol, the latest line one unit over) or tol - 1 days (clean) */
    int64_t p = price();
    gline *last = NULL;
    for (int k = 0; k <= stay; k++) {
        last = one_line(v, c, 0, d + k, 9 * 60, 1, p);
        snprintf(last->type, sizeof last->type, "01");
    }
    for (int k = 0; k < tol - (hit ? 0 : 1); k++) {
        gline *l = one_line(v, c, 1, d + k, 8 * 60 + 30, 1, price());
        snprintf(l->type, sizeof l->type, "01");
    }
    if (hit) truth(s->ri, v, p, last, NULL);
    return 1;
}

static int build_dup_institution(scen *s, int hit) {
    const cand *c = &s->pool[rn(s->n)];
    yb_date d = day0();
    person_new(1 + rn(2), born(d, 30 + rn(20), 0));
    /* a stay at one hospital charges its bed on day d; a stay at another, begun later, charges
     * a bed on d (hit) or d + 1 (clean) */
    gvisit *a = visit_new("21", "01", "S900", d - 1, 2);
    gline *la = one_line(a, c, 0, d, 9 * 60, 1, price());
    snprintf(la->type, sizeof la->type, "01");
    gvisit *b = visit_new("21", "01", "S901", d, 2);
    int64_t p = price();
    gline *lb = one_line(b, c, 1, d + (hit ? 0 : 1), 12 * 60, 1, p);
    snprintf(lb->type, sizeof lb->type, "01");
    if (hit) truth(s->ri, b, p, lb, NULL);
    return 1;
}

/* ---- readmission, low_admission (visit level) */

static void pool_visit(scen *s) {
    cand c;
    memset(&c, 0, sizeof c);
    pool_add(s, &c);
}

static int build_readmission(scen *s, int hit) {
    int days = param_int(&R[s->ri], "days", 15);
    yb_date d = day0();
    person_new(1 + rn(2), born(d, 50 + rn(20), 0));
    gvisit *a = visit_new("21", "01", "S800", d, 5);
    snprintf(a->d[0].code, sizeof a->d[0].code, "I63.900");
    snprintf(a->d[0].name, sizeof a->d[0].name, "脑梗死");
    fillers(a, d, 1 + rn(3));
    yb_date b0 = d + 5 + days + (hit ? 0 : 1);
    gvisit *b = visit_new("21", "01", "S800", b0, 5);
    snprintf(b->d[0].code, sizeof b->d[0].code, "I63.000");
    snprintf(b->d[0].name, sizeof b->d[0].name, "脑梗死");
    fillers(b, b0, 1 + rn(3));
    if (hit) truth(s->ri, b, 0, NULL, NULL);
    return 1;
}

static int build_low_admission(scen *s, int hit) {
    const rule *r = &R[s->ri];
    int maxd = param_int(r, "max_days", 3);
    char ex[32];
    param(r, "exam_types", ex, sizeof ex);
    char t[4];
    snprintf(t, sizeof t, "%.2s", ex[0] ? ex : "03");
    yb_date d = day0();
    person_new(1 + rn(2), born(d, 30 + rn(30), 0));
    gvisit *v = visit_new("21", "01", "S700", d, hit ? maxd : maxd + 1);
    /* lines of exam type only: a stay of at most max_days is a hit, one day longer is not */
    int n = 2 + rn(3);
    for (int k = 0; k < n; k++) {
        size_t x = (size_t)rn((int)NNEU);
        gline *l = line_add(v, NEU[x], NEUNAME[x], d, 9 * 60 + k, 1, price());
        snprintf(l->type, sizeof l->type, "%s", t);
    }
    if (hit) truth(s->ri, v, 0, NULL, NULL);
    return 1;
}

static void make_scenarios(void) {
    static const struct {
        const char *kind;
        void (*pool)(scen *);
        int (*build)(scen *, int);
    } K[] = {
        {"gender", pool_per_line, build_per_line},         {"age_band", pool_per_line, build_per_line},
        {"retire_age", pool_per_line, build_per_line},     {"insutype", pool_per_line, build_per_line},
        {"medtype", pool_per_line, build_per_line},        {"hosplv", pool_per_line, build_per_line},
        {"swap", pool_per_line, build_per_line},           {"phantom", pool_per_line, build_per_line},
        {"quantity", pool_one_code, build_one_code},       {"frequency", pool_one_code, build_one_code},
        {"cycle", pool_one_code, build_one_code},          {"drug_course", pool_one_code, build_one_code},
        {"course", pool_one_code, build_one_code},         {"total", pool_one_code, build_one_code},
        {"duplicate", pool_duplicate, build_duplicate},    {"surcharge_qty", pool_surcharge, build_surcharge},
        {"surcharge_main", pool_surcharge, build_surcharge}, {"related", pool_related, build_related},
        {"split", pool_split, build_split},                {"primary_secondary", pool_primary, build_primary},
        {"bed_days", pool_group, build_bed_days},          {"dup_institution", pool_group, build_dup_institution},
        {"readmission", pool_visit, build_readmission},    {"low_admission", pool_visit, build_low_admission},
    };
    for (size_t i = 0; i < NR; i++) {
        size_t k;
        for (k = 0; k < sizeof K / sizeof K[0] && strcmp(K[k].kind, R[i].kind); k++) {}
        if (k == sizeof K / sizeof K[0]) {
            fprintf(stderr, "gen_audit: no scenario for rule %s (kind %s): not injected\n", R[i].id, R[i].kind);
            continue;
        }
        scen *s = &SC[NSC];
        memset(s, 0, sizeof *s);
        s->ri = (int)i;
        s->build = K[k].build;
        K[k].pool(s);
        if (!s->n) {
            fprintf(stderr, "gen_audit: no usable rows for rule %s (kind %s): not injected\n", R[i].id, R[i].kind);
            continue;
        }
        NSC++;
    }
}

/* ------------------------------------------------------------------ main */

static void free_all(void) {
    for (size_t i = 0; i < NR; i++) {
        rule *r = &R[i];
        for (size_t k = 0; k < r->nrows; k++) {
            for (size_t j = 0; j < r->nlog; j++) free(r->val[k][j]);
            free(r->val[k]);
        }
        free(r->val);
        for (size_t j = 0; j < r->nlog; j++) free(r->lname[j]);
        free(r->id);
        free(r->kind);
        free(r->params);
    }
    for (size_t i = 0; i < NPAT; i++) free((char *)PAT[i].code);
    for (size_t i = 0; i < NFRAG; i++) free((char *)FRAG[i].frag);
    free(PAT);
    free(FRAG);
    for (size_t i = 0; i < NNEU; i++) free(NEU[i]), free(NEUNAME[i]);
    free(NEU);
    free(NEUNAME);
    for (int i = 0; i < 3; i++) {
        rowb *rb = i == 0 ? &RMD : i == 1 ? &RFEE : &RDG;
        if (rb->n) free(rb->names[0]);
    }
    free(BMD.s);
    free(BFEE.s);
    free(BDG.s);
}

static FILE *open_out(const char *dir, const char *name, const char *header) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) die("cannot write %s", path);
    static char bufs[4][1 << 16];
    static int nb;
    if (nb < 4) setvbuf(f, bufs[nb++], _IOFBF, sizeof bufs[0]);
    fprintf(f, "%s\n", header);
    return f;
}

int main(int argc, char **argv) {
    const char *out = NULL, *rules = "data/rules/nhsa", *catalog = "data/demo/catalog.csv";
    unsigned long long target = 10000, seed = 1;
    int rate = 40;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--lines")) target = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--seed")) seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--rate")) rate = atoi(v);
        else if (!strcmp(a, "--rules")) rules = v;
        else if (!strcmp(a, "--catalog")) catalog = v;
        else die("unknown option %s", a);
    }
    if (!out || (argc - 1) % 2 || rate < 0 || rate > 100) {
        fprintf(stderr, "usage: gen_audit --out DIR [--lines N] [--seed S] [--rate PERCENT] [--rules DIR] [--catalog F]\n");
        return 1;
    }
    if (mkdir(out, 0777) && errno != EEXIST) die("cannot create %s", out);
    if (yb_date_make(2024, 1, 1, &BASE)) die("%s", "date");
    rng_state = seed * 0x2545F4914F6CDD1DULL + 1;
    load_rules(rules);
    load_neutral(catalog);
    make_scenarios();
    rowb_init(&RMD, MD_COLS);
    rowb_init(&RFEE, FEE_COLS);
    rowb_init(&RDG, DIAG_COLS);
    OMD = open_out(out, "mdtrt_d.csv", MD_COLS);
    OFEE = open_out(out, "fee_list_d.csv", FEE_COLS);
    ODG = open_out(out, "setl_list_diag_d.csv", DIAG_COLS);
    TRUTH = open_out(out, "truth.csv", "id,mdtrt_id,psn_no,feedetl_sn,vola_amt");
    unsigned long long k = 0;
    while (LINES < target) {
        if (NSC && rn(100) < rate) {
            scen *s = &SC[k % NSC];
            int hit = (int)((k / NSC) % 2 == 0);
            k++;
            if (!s->build(s, hit)) {
                if (!s->build(s, 1)) continue;
                hit = 1;
            }
            if (!hit) TS[s->ri].clean++;
            emit_person();
        } else {
            background();
        }
    }
    flush_block();
    if (fclose(OMD) || fclose(OFEE) || fclose(ODG) || fclose(TRUTH)) die("%s", "write failed (disk full?)");
    char path[1024];
    snprintf(path, sizeof path, "%s/truth_summary.csv", out);
    FILE *f = fopen(path, "w");
    if (!f) die("cannot write %s", path);
    fprintf(f, "id,kind,hits,amount,clean_cases\n");
    for (size_t i = 0; i < NR; i++) {
        char a[40];
        yb_fen_fmt(TS[i].amount, a);
        fprintf(f, "%s,%s,%zu,%s,%zu\n", R[i].id, R[i].kind, TS[i].hits, a, TS[i].clean);
    }
    fclose(f);
    printf("gen_audit: %zu persons, %zu visits, %zu fee lines, %zu diagnoses; %zu rules injected\n", PERSONS, VISITS,
           LINES, DIAGROWS, NSC);
    free_all();
    return 0;
}
