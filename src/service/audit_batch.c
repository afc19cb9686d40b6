/*
 * audit_batch.c — the audit engine over the extract tables (see include/yibao/audit_batch.h).
 *
 * Three sorted streams of compact records (io/extsort.c), keys starting with the person:
 *   visits  key  H psn_no \1 begntime (fixed width) \1 mdtrt_id   data: vhead, [yb_err], strings
 *   lines   key  H psn_no \1 mdtrt_id \1 bkkp_sn \1 seq           data: lhead, [yb_err], strings
 *           key  H psn_no \1 mdtrt_id                            data: lout (lines left out)
 *   diags   key  H psn_no \1 mdtrt_id \1 seq                      data: dhead, [yb_err], strings
 * Threads: the visits and diagnoses are read and sorted on one thread, the fee file on this one
 * (a large one in two parts, the second on a thread of its own); only the lines some rule needs
 * are sorted (the line filter), the others are validated and counted per visit. Then a merge
 * thread joins the streams per person and hands whole persons over in chunks; this thread
 * indexes each person's records, hands each visit to the engine with its lines and diagnoses
 * borrowed from the chunk, and writes the output. Records are packed: fields after the key are
 * at any alignment and are read with memcpy.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yibao/audit_batch.h"
#include "yibao/csv.h"
#include "yibao/extsort.h"

typedef yb_extsort_rec rec;

#define STR_MAX 512        /* names and department names are cut to this many bytes */
#define OUT_BUF ((size_t)1 << 20)

/* ------------------------------------------------------------------ record payloads */

/* A visit: vhead, [yb_err when bad], then NUL-terminated fixmedins_code, dept, main diagnosis
 * code and name (from mdtrt_d). psn_no and mdtrt_id are in the key. */
typedef struct vhead {
    long line;
    yb_datetime begn, end;
    yb_date brdy;
    int32_t ipt_days;
    uint8_t gend, bad;
    char insutype[8], med_type[12], hosp_lv[4];
} vhead;

/* A fee line: lhead, [yb_err], then NUL-terminated code, name, billing dept, init_feedetl_sn.
 * A record whose data is a lout instead (told apart by its size) is no line but stands for
 * `count` valid lines of the visit that the line filter left out (see lfilter), the first of
 * them on line `first`: they only count for the report of rows without a visit. Its key is
 * H psn_no \1 mdtrt_id, before every line of the visit; read into a pline with h.left_out set.
 * first and count share one 64-bit word (40 and 24 bits): a visit with more left-out lines than
 * LOUT_COUNT_MAX gets more than one lout. */
/* The second part of a fee file read in two parts is numbered from here (see find_cut): above any
 * line of the first part, and within the 42 bits of the sort key's line number. */
#define PART2_LINE 500000000000L
#define LOUT_COUNT_MAX ((1u << 24) - 1)

typedef struct lout {
    uint64_t first_count;     /* first << 24 | count */
} lout;

typedef struct lhead {
    long line;
    yb_datetime t;
    int64_t cnt, pric, sumamt;
    int32_t prd_days;
    uint32_t left_out;
    uint8_t bad;
    char type[8];
} lhead;
_Static_assert(sizeof(lout) < sizeof(lhead), "a lout record is told apart from a line by its size");

/* A diagnosis: dhead, [yb_err], then NUL-terminated code and name. */
typedef struct dhead {
    long line;
    uint8_t main, bad;
} dhead;

/* ------------------------------------------------------------------ column maps */

/* (only int members: yb_csv_only reads a map as an array of column numbers) */
typedef struct vmap {
    int mdtrt_id, psn_no, med_type, begntime;
    int endtime, insutype, gend, brdy, hosp_lv, fixmedins_code, ipt_days, dg_code, dg_name, dept, dept2;
} vmap;

typedef struct lmap {
    int bkkp_sn, mdtrt_id, psn_no, fee_ocur_time, cnt, pric, sumamt, codg, hilist;
    int name, type, prd_days, dept, init_sn;
} lmap;

typedef struct dmap {
    int mdtrt_id, psn_no, code, main, name;
} dmap;

static yb_rc require(const yb_csv *c, const char *const *names, int *const *dst, size_t n, yb_err *err) {
    for (size_t i = 0; i < n; i++) {
        *dst[i] = yb_csv_col(c, names[i]);
        if (*dst[i] < 0) {
            yb_err_set(err, YB_E_INVALID, names[i], NULL, "missing column '%s'", names[i]);
            yb_err_at(err, yb_csv_name(c), 1);
            return YB_E_INVALID;
        }
    }
    return YB_OK;
}

static yb_rc vmap_init(vmap *m, const yb_csv *c, yb_err *err) {
    static const char *const names[] = {"mdtrt_id", "psn_no", "med_type", "begntime"};
    int *const dst[] = {&m->mdtrt_id, &m->psn_no, &m->med_type, &m->begntime};
    m->endtime = yb_csv_col(c, "endtime");
    m->insutype = yb_csv_col(c, "insutype");
    m->gend = yb_csv_col(c, "gend");
    m->brdy = yb_csv_col(c, "brdy");
    m->hosp_lv = yb_csv_col(c, "hosp_lv");
    m->fixmedins_code = yb_csv_col(c, "fixmedins_code");
    m->ipt_days = yb_csv_col(c, "ipt_days");
    m->dg_code = yb_csv_col(c, "dscg_maindiag_code");
    m->dg_name = yb_csv_col(c, "dscg_maindiag_name");
    m->dept = yb_csv_col(c, "dscg_dept_name");
    m->dept2 = yb_csv_col(c, "adm_dept_name");
    return require(c, names, dst, 4, err);
}

static yb_rc lmap_init(lmap *m, const yb_csv *c, yb_err *err) {
    static const char *const names[] = {"bkkp_sn", "mdtrt_id", "psn_no", "fee_ocur_time", "cnt", "pric",
                                        "det_item_fee_sumamt"};
    int *const dst[] = {&m->bkkp_sn, &m->mdtrt_id, &m->psn_no, &m->fee_ocur_time, &m->cnt, &m->pric, &m->sumamt};
    yb_rc rc = require(c, names, dst, 7, err);
    if (rc) return rc;
    m->codg = yb_csv_col(c, "med_list_codg");
    m->hilist = yb_csv_col(c, "hilist_code");
    if (m->codg < 0 && m->hilist < 0) {
        yb_err_set(err, YB_E_INVALID, "med_list_codg", NULL, "missing column 'med_list_codg' (nor is there 'hilist_code')");
        yb_err_at(err, yb_csv_name(c), 1);
        return YB_E_INVALID;
    }
    m->name = yb_csv_col(c, "hilist_name");
    m->type = yb_csv_col(c, "med_chrgitm_type");
    m->prd_days = yb_csv_col(c, "prd_days");
    m->dept = yb_csv_col(c, "bilg_dept_name");
    m->init_sn = yb_csv_col(c, "init_feedetl_sn");
    return YB_OK;
}

static yb_rc dmap_init(dmap *m, const yb_csv *c, yb_err *err) {
    static const char *const names[] = {"mdtrt_id", "psn_no", "diag_code"};
    int *const dst[] = {&m->mdtrt_id, &m->psn_no, &m->code};
    m->main = yb_csv_col(c, "maindiag_flag");
    m->name = yb_csv_col(c, "diag_name");
    return require(c, names, dst, 3, err);
}

/* ------------------------------------------------------------------ field checks */

static yb_rc bad(const yb_csv *c, yb_err *err, yb_rc rc, const char *col, const char *val, const char *msg) {
    yb_err_set(err, rc, col, val, "%s", msg);
    yb_err_at(err, yb_csv_name(c), yb_csv_line(c));
    return rc;
}

/* A field of the current record (fetched with yb_csv_field or yb_csv_fields). */
typedef struct fld {
    const char *s;
    size_t n;
} fld;

static fld get(const yb_csv *c, int col) {
    fld f;
    f.s = yb_csv_field(c, col, &f.n);
    return f;
}

/* A field present when required, and shorter than cap bytes. */
static inline yb_rc fits(const yb_csv *c, fld f, const char *name, size_t cap, int required, yb_err *err) {
    if (!f.n && required) return bad(c, err, YB_E_INVALID, name, f.s, "empty: a value is required");
    if (f.n >= cap) {
        char m[64];
        snprintf(m, sizeof m, "longer than %zu bytes", cap - 1);
        return bad(c, err, YB_E_LIMIT, name, f.s, m);
    }
    return YB_OK;
}

/* Copy a field into dst[cap]. */
enum { OPT = 0, REQ = 1 };
static inline yb_rc text_f(const yb_csv *c, fld f, const char *name, char *dst, size_t cap, int kind, yb_err *err) {
    yb_rc rc = fits(c, f, name, cap, kind == REQ, err);
    if (rc) return rc;
    memcpy(dst, f.s, f.n + 1);
    return YB_OK;
}

static yb_rc text(const yb_csv *c, int col, const char *name, char *dst, size_t cap, int kind, yb_err *err) {
    return text_f(c, get(c, col), name, dst, cap, kind, err);
}

/* An id checked in place (required, shorter than YB_ID_MAX, no control characters), not copied. */
static yb_rc check_id_f(const yb_csv *c, fld f, const char *name, yb_err *err) {
    size_t n = f.n;
    const char *s = f.s;
    yb_rc rc = fits(c, f, name, YB_ID_MAX, 1, err);
    if (rc) return rc;
    /* 8 bytes at a time: a byte below 0x20 or equal to 0x7f sets its high bit in `ctl` */
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t ctl = 0;
    size_t i = 0;
    for (;;) {
        if (i + 8 > n) {
            if (n < 8) break;
            i = n - 8;   /* the last 8 bytes, overlapping what was checked */
        }
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t d = w ^ (ones * 0x7f);
        ctl |= ((w - ones * 0x20) & ~w & high) | ((d - ones) & ~d & high);
        if ((i += 8) >= n) break;
    }
    for (; n < 8 && i < n; i++) ctl |= (unsigned char)s[i] < 0x20 || s[i] == 0x7f;
    if (ctl) return bad(c, err, YB_E_INVALID, name, s, "control character in an id");
    return YB_OK;
}

static yb_rc check_id(const yb_csv *c, int col, const char *name, yb_err *err) {
    return check_id_f(c, get(c, col), name, err);
}

/* yb_datetime_parse, with the day of the last "yyyy-MM-dd HH:mm:ss" a thread parsed kept: rows
 * of one file mostly share their dates, and the day number is most of the work. Same results. */
static int two(const char *p) {
    return p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' ? (p[0] - '0') * 10 + (p[1] - '0') : -1;
}

#define DAYS_KEPT 512
static yb_rc time_parse(const char *s, size_t n, yb_datetime *out) {
    /* days already parsed, by month and day of month (a file's dates mostly fall in a year) */
    static _Thread_local struct {
        char s[10];
        yb_datetime t;   /* 0 and s[0] == 0: empty */
    } days_kept[DAYS_KEPT];
    if (n == 19 && (s[10] == ' ' || s[10] == 'T') && s[13] == ':' && s[16] == ':') {
        unsigned k = ((unsigned)(unsigned char)s[5] * 10u + (unsigned char)s[6]) * 31u +
                     (unsigned)(unsigned char)s[8] * 10u + (unsigned char)s[9];
        k = (k ^ (unsigned)(unsigned char)s[3] * 7u) & (DAYS_KEPT - 1);
        if (days_kept[k].s[0] && !memcmp(s, days_kept[k].s, 10)) {
            int hh = two(s + 11), mi = two(s + 14), ss = two(s + 17);
            if (hh < 0 || mi < 0 || ss < 0 || hh > 23 || mi > 59 || ss > 59) return YB_E_INVALID;
            *out = days_kept[k].t + hh * 3600 + mi * 60 + ss;
            return YB_OK;
        }
        yb_rc rc = yb_datetime_parse(s, n, out);
        if (!rc) {
            memcpy(days_kept[k].s, s, 10);
            days_kept[k].t = (yb_datetime)yb_datetime_date(*out) * 86400;
        }
        return rc;
    }
    return yb_datetime_parse(s, n, out);
}

static yb_rc when_f(const yb_csv *c, fld f, const char *name, int required, yb_datetime *out, yb_err *err) {
    size_t n = f.n;
    const char *s = f.s;
    *out = YB_DATETIME_NONE;
    if (!n && !required) return YB_OK;
    if (!n) return bad(c, err, YB_E_INVALID, name, s, "empty: a time yyyy-MM-dd HH:mm:ss is required");
    if (time_parse(s, n, out)) return bad(c, err, YB_E_INVALID, name, s, "not a time yyyy-MM-dd HH:mm:ss");
    return YB_OK;
}

static yb_rc when(const yb_csv *c, int col, const char *name, int required, yb_datetime *out, yb_err *err) {
    return when_f(c, get(c, col), name, required, out, err);
}

static yb_rc dec_f(const yb_csv *c, fld f, const char *name, int scale, int allow_neg, int64_t *out, yb_err *err) {
    size_t n = f.n;
    const char *s = f.s;
    yb_rc rc = yb_dec_parse(s, n, scale, allow_neg, out);
    if (!rc) return YB_OK;
    char m[64];
    if (rc == YB_E_PRECISION) snprintf(m, sizeof m, "more than %d decimals", scale);
    else if (rc == YB_E_OVERFLOW) snprintf(m, sizeof m, "number too large");
    else if (!n) snprintf(m, sizeof m, "empty: a decimal is required");
    else snprintf(m, sizeof m, "%s", allow_neg ? "not a decimal" : "not a non-negative decimal");
    return bad(c, err, rc == YB_E_PRECISION || rc == YB_E_OVERFLOW ? rc : YB_E_INVALID, name, s, m);
}


/* A whole number of days 0..100000 (decimals allowed and dropped: "7.00" -> 7); "" -> 0. */
static yb_rc days_f(const yb_csv *c, fld f, const char *name, int32_t *out, yb_err *err) {
    size_t n = f.n;
    const char *s = f.s;
    *out = 0;
    if (!n) return YB_OK;
    int64_t q;
    if (yb_dec_parse(s, n, YB_QTY_SCALE, 0, &q) || q / YB_QTY_ONE > 100000)
        return bad(c, err, YB_E_INVALID, name, s, "not a number of days from 0 to 100000");
    *out = (int32_t)(q / YB_QTY_ONE);
    return YB_OK;
}

static yb_rc days(const yb_csv *c, int col, const char *name, int32_t *out, yb_err *err) {
    return days_f(c, get(c, col), name, out, err);
}

/* ------------------------------------------------------------------ small buffers */

/* A row's error: only what yb_err_set and yb_err_at test is cleared (a full clear of the 600
 * bytes per row showed in profiles); err_pack gives a fully defined copy to store. */
static void err_init(yb_err *e) {
    e->rc = YB_OK;
    e->file[0] = '\0';
    e->line = 0;
}

static void err_pack(const yb_err *e, yb_err *out) {
    memset(out, 0, sizeof *out);
    out->rc = e->rc;
    out->line = e->line;
    memcpy(out->file, e->file, strnlen(e->file, sizeof e->file - 1));
    memcpy(out->field, e->field, strnlen(e->field, sizeof e->field - 1));
    memcpy(out->value, e->value, strnlen(e->value, sizeof e->value - 1));
    memcpy(out->msg, e->msg, strnlen(e->msg, sizeof e->msg - 1));
}

/* n as exactly `width` decimal digits (n < 10^width). */
/* n as `width` digits of base 64 ('0' + 0..63: no \1 separator, and text order is number order):
 * the sort keys' times (8 digits, 48 bits) and line numbers (7 digits, 42 bits). */
static void digits64(char *out, unsigned long long n, int width) {
    out[width] = '\0';
    for (int i = width - 1; i >= 0; i--, n >>= 6) out[i] = (char)('0' + (n & 63));
}

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

/* Copy a NUL-terminated string into dst of cap bytes, cut to fit (the readers bounded it already). */
static void scopy(char *dst, size_t cap, const char *src) {
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int buf_put(buf *b, const void *s, size_t n) {
    if (b->n + n > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 1024;
        while (nc < b->n + n) nc *= 2;
        char *np = realloc(b->p, nc);
        if (!np) return 0;
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    return 1;
}

/* Append a field's text cut to max bytes (on a UTF-8 character boundary), and a NUL. */
static int buf_str(buf *b, const char *s, size_t n, size_t max) {
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    return buf_put(b, s, n) && buf_put(b, "", 1);
}

static yb_rc grow(void **p, size_t *cap, size_t need, size_t size, yb_err *err) {
    if (need <= *cap) return YB_OK;
    size_t nc = *cap ? *cap : 16;
    while (nc < need) nc *= 2;
    void *n = realloc(*p, nc * size);
    if (!n) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    *p = n;
    *cap = nc;
    return YB_OK;
}

static int buf_put_err(buf *b, const yb_err *e) {
    yb_err p;
    err_pack(e, &p);
    return buf_put(b, &p, sizeof p);
}

static const char *next_str(const char **d) {
    const char *s = *d;
    *d += strlen(s) + 1;
    return s;
}

/* ------------------------------------------------------------------ the line filter */

/* Most fee lines carry codes no rule names; they cannot change a hit (yb_auditor_line_relevant)
 * and are not sorted. What is kept of them: the visits of which every line is needed
 * (yb_auditor_wants_all_lines: a fixed-size Bloom filter of their (psn_no, mdtrt_id), filled
 * while mdtrt_d is read, before the fee lines; a false positive only keeps more lines), and,
 * so that lines without a visit in mdtrt_d are still reported exactly, a count per visit: a
 * direct-mapped table of (psn_no, mdtrt_id) -> lines, first line, written out as a lout
 * record when its slot is taken by another visit and at the end. Memory is fixed: the filter
 * and one table per reader. */

#define BLOOM_BITS ((size_t)1 << 25)   /* 4 MiB */
#define PSLOTS 8192                    /* left-out counts kept per reader */
#define PKEY_MAX (2 * YB_ID_MAX)

typedef struct pslot {
    uint64_t h;
    long first;
    uint32_t count;                   /* 0 = empty */
    uint16_t pn, mn;                  /* lengths of psn_no and mdtrt_id in key */
    char key[PKEY_MAX];
} pslot;

typedef struct lfilter {
    int on;
    size_t n_sets;
    yb_auditor *aud[YB_AUDIT_BATCH_MAX_SETS];  /* this reader's (the caches are per thread) */
    const uint64_t *bloom;            /* NULL: no visit needs all its lines */
    pslot *slot;
    size_t kept;                      /* lines sorted */
} lfilter;

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t bytes_hash(uint64_t h, const char *s, size_t n) {
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = mix64(h ^ w);
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++) w |= (uint64_t)(unsigned char)s[i] << (8 * i);
    return mix64(h ^ w ^ (uint64_t)n << 56);
}

static uint64_t visit_hash(const char *psn, size_t pn, const char *md, size_t mn) {
    return bytes_hash(bytes_hash(0x9E3779B97F4A7C15ULL, psn, pn), md, mn);
}

/* three probes from one 64-bit hash (double hashing) */
static void bloom_add(uint64_t *b, uint64_t h) {
    uint64_t h2 = (h >> 32 | h << 32) | 1;
    for (int i = 0; i < 3; i++, h += h2) b[(h & (BLOOM_BITS - 1)) >> 6] |= (uint64_t)1 << (h & 63);
}

static int bloom_has(const uint64_t *b, uint64_t h) {
    uint64_t h2 = (h >> 32 | h << 32) | 1;
    for (int i = 0; i < 3; i++, h += h2)
        if (!(b[(h & (BLOOM_BITS - 1)) >> 6] >> (h & 63) & 1)) return 0;
    return 1;
}

/* Write slot p out as a lout record and empty it. */
static yb_rc pslot_flush(pslot *p, yb_extsort *ls, yb_err *err) {
    if (!p->count) return YB_OK;
    lout d = {(uint64_t)p->first << 24 | p->count};
    char psn[YB_ID_MAX + 1], md[YB_ID_MAX + 1];
    memcpy(psn, p->key, p->pn);
    psn[p->pn] = '\0';
    memcpy(md, p->key + p->pn, p->mn);
    md[p->mn] = '\0';
    yb_extsort_key k;
    yb_extsort_key_person(&k, psn);
    yb_extsort_key_add(&k, md);
    p->count = 0;
    return yb_extsort_add(ls, k.b, k.n, &d, (uint32_t)sizeof d, err);
}

/* Count a left-out line of visit (psn, md). */
static yb_rc pslot_count(lfilter *f, yb_extsort *ls, const char *psn, size_t pn, const char *md, size_t mn,
                         long line, yb_err *err) {
    uint64_t h = visit_hash(psn, pn, md, mn);
    pslot *p = &f->slot[h & (PSLOTS - 1)];
    if (p->count && p->h == h && p->pn == pn && p->mn == mn && !memcmp(p->key, psn, pn) &&
        !memcmp(p->key + pn, md, mn) && p->count < LOUT_COUNT_MAX) {
        p->count++;
        if (line < p->first) p->first = line;
        return YB_OK;
    }
    yb_rc rc = pslot_flush(p, ls, err);
    if (rc) return rc;
    p->h = h;
    p->first = line;
    p->count = 1;
    p->pn = (uint16_t)pn;
    p->mn = (uint16_t)mn;
    memcpy(p->key, psn, pn);
    memcpy(p->key + pn, md, mn);
    return YB_OK;
}

static yb_rc pslot_flush_all(lfilter *f, yb_extsort *ls, yb_err *err) {
    yb_rc rc = YB_OK;
    for (size_t i = 0; f->slot && !rc && i < PSLOTS; i++) rc = pslot_flush(&f->slot[i], ls, err);
    return rc;
}

/* Is a valid line with this code and name needed? 1 yes, 0 no, -1 out of memory. */
static int line_needed(lfilter *f, const char *code, const char *name, const char *psn, size_t pn, const char *md,
                       size_t mn) {
    for (size_t s = 0; s < f->n_sets; s++) {
        int r = yb_auditor_line_relevant(f->aud[s], code, name);
        if (r) return r;
    }
    return f->bloom && bloom_has(f->bloom, visit_hash(psn, pn, md, mn));
}

/* ------------------------------------------------------------------ reading the tables */

typedef struct inputs {
    yb_csv *md, *fee, *dg;
    int diags_read;           /* an enabled rule reads diagnoses: dg (if any) is read, and the
                                 visits keep their main diagnosis */
    vmap vm;
    lmap lm;
    dmap dm;
} inputs;

static yb_rc nomem(yb_err *err) { return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory"); }

/* wants: the auditors asked which visits need all their lines (n_wants of them), into bloom */
static yb_rc read_visits(inputs *in, yb_extsort *vs, yb_audit_batch_stats *st, yb_auditor *const *wants,
                         size_t n_wants, uint64_t *bloom, yb_err *err) {
    yb_csv *c = in->md;
    const vmap *m = &in->vm;
    buf b = {0};
    yb_rc rc = YB_OK;
    int r;
    while (!rc && (r = yb_csv_next(c, err)) == 1) {
        st->visits++;
        vhead h;
        memset(&h, 0, sizeof h);
        h.line = yb_csv_line(c);
        h.brdy = YB_DATE_NONE;
        h.end = YB_DATETIME_NONE;
        yb_err e;
        err_init(&e);
        char fix[32];
        fix[0] = '\0';
        yb_rc vr = check_id(c, m->mdtrt_id, "mdtrt_id", &e);
        if (!vr) vr = check_id(c, m->psn_no, "psn_no", &e);
        if (!vr) vr = text(c, m->med_type, "med_type", h.med_type, sizeof h.med_type, OPT, &e);
        if (!vr) vr = when(c, m->begntime, "begntime", 1, &h.begn, &e);
        if (!vr) vr = when(c, m->endtime, "endtime", 0, &h.end, &e);
        if (!vr && h.end != YB_DATETIME_NONE && h.end < h.begn)
            vr = bad(c, &e, YB_E_INVALID, "endtime", yb_csv_field(c, m->endtime, NULL), "endtime before begntime");
        if (!vr) vr = text(c, m->insutype, "insutype", h.insutype, sizeof h.insutype, OPT, &e);
        if (!vr) vr = text(c, m->hosp_lv, "hosp_lv", h.hosp_lv, sizeof h.hosp_lv, OPT, &e);
        if (!vr) vr = text(c, m->fixmedins_code, "fixmedins_code", fix, sizeof fix, OPT, &e);
        if (!vr) {
            size_t n;
            const char *s = yb_csv_field(c, m->gend, &n);
            h.gend = n == 1 && s[0] == '1' ? 1 : n == 1 && s[0] == '2' ? 2 : 0;
            s = yb_csv_field(c, m->brdy, &n);
            yb_datetime t;
            if (n && yb_datetime_parse(s, n, &t)) vr = bad(c, &e, YB_E_INVALID, "brdy", s, "not a date yyyy-MM-dd");
            else if (n) h.brdy = yb_datetime_date(t);
        }
        if (!vr) vr = days(c, m->ipt_days, "ipt_days", &h.ipt_days, &e);
        if (!vr) {
            size_t n;
            yb_csv_field(c, m->dg_code, &n);
            if (n >= YB_AUDIT_DIAG_MAX)
                vr = bad(c, &e, YB_E_LIMIT, "dscg_maindiag_code", yb_csv_field(c, m->dg_code, NULL),
                         "longer than 23 bytes");
        }
        h.bad = vr != YB_OK;
        if (h.bad) h.begn = 0;
        if (bloom && !h.bad) {
            yb_audit_visit av;
            memset(&av, 0, sizeof av);
            memcpy(av.visit.med_type, h.med_type, sizeof av.visit.med_type);
            av.visit.begntime = h.begn;
            av.visit.endtime = h.end;
            av.ipt_days = h.ipt_days;
            int want = 0;
            for (size_t s = 0; s < n_wants && !want; s++) want = yb_auditor_wants_all_lines(wants[s], &av);
            if (want) {
                size_t pn, mn;
                const char *psn = yb_csv_field(c, m->psn_no, &pn), *md = yb_csv_field(c, m->mdtrt_id, &mn);
                bloom_add(bloom, visit_hash(psn, pn, md, mn));
            }
        }
        b.n = 0;
        if (!buf_put(&b, &h, sizeof h) || (h.bad && !buf_put_err(&b, &e))) {
            rc = nomem(err);
            break;
        }
        size_t n, n2;
        const char *dept = yb_csv_field(c, m->dept, &n);
        if (!n) dept = yb_csv_field(c, m->dept2, &n);
        const char *dg = in->diags_read ? yb_csv_field(c, m->dg_code, &n2) : "";
        size_t n3 = 0;
        const char *dgn = in->diags_read ? yb_csv_field(c, m->dg_name, &n3) : "";
        if (!in->diags_read) n2 = 0;
        if (!buf_str(&b, fix, strlen(fix), 31) || !buf_str(&b, dept, n, STR_MAX) ||
            !buf_str(&b, dg, n2, YB_AUDIT_DIAG_MAX - 1) || !buf_str(&b, dgn, n3, STR_MAX)) {
            rc = nomem(err);
            break;
        }
        /* key: H psn_no \1 begntime (fixed width: text order is time order) \1 mdtrt_id */
        yb_extsort_key k;
        yb_extsort_key_person(&k, yb_csv_field(c, m->psn_no, NULL));
        char t[24];
        digits64(t, (unsigned long long)(h.begn + 999999999999LL), 8); /* times from year 1 are > -10^12 */
        yb_extsort_key_add(&k, t);
        yb_extsort_key_add(&k, yb_csv_field(c, m->mdtrt_id, NULL));
        rc = yb_extsort_add(vs, k.b, k.n, b.p, (uint32_t)b.n, err);
    }
    free(b.p);
    if (!rc && r < 0) rc = err->rc ? err->rc : YB_E_INVALID;
    return rc;
}

static yb_rc read_lines(inputs *in, yb_extsort *ls, lfilter *f, yb_audit_batch_stats *st, yb_err *err) {
    yb_csv *c = in->fee;
    const lmap *m = &in->lm;
    buf b = {0};
    yb_rc rc = YB_OK;
    int r;
    enum { NF = sizeof(lmap) / sizeof(int) };
    const char *fp[NF];
    size_t fl[NF];
#define LF(member) ((fld){fp[offsetof(lmap, member) / sizeof(int)], fl[offsetof(lmap, member) / sizeof(int)]})
    while (!rc && (r = yb_csv_next(c, err)) == 1) {
        st->lines++;
        yb_csv_fields(c, (const int *)(const void *)m, NF, fp, fl);   /* every column read, at once */
        lhead h;
        memset(&h, 0, sizeof h);
        h.line = yb_csv_line(c);
        yb_err e;
        err_init(&e);
        char code[YB_CODE_MAX], init[YB_ID_MAX];
        code[0] = init[0] = '\0';
        const fld fmd = LF(mdtrt_id), fpsn = LF(psn_no), fsn = LF(bkkp_sn);
        yb_rc vr = check_id_f(c, fmd, "mdtrt_id", &e);
        if (!vr) vr = check_id_f(c, fpsn, "psn_no", &e);
        if (!vr) vr = check_id_f(c, fsn, "bkkp_sn", &e);
        if (!vr) {
            int use_codg = LF(codg).n || m->hilist < 0;
            vr = text_f(c, use_codg ? LF(codg) : LF(hilist), use_codg ? "med_list_codg" : "hilist_code", code,
                        sizeof code, REQ, &e);
        }
        if (!vr) vr = when_f(c, LF(fee_ocur_time), "fee_ocur_time", 0, &h.t, &e);
        if (!vr) vr = dec_f(c, LF(cnt), "cnt", YB_QTY_SCALE, 1, &h.cnt, &e);
        if (!vr) vr = dec_f(c, LF(pric), "pric", YB_PRICE_SCALE, 0, &h.pric, &e);
        if (!vr) vr = dec_f(c, LF(sumamt), "det_item_fee_sumamt", YB_FEN_SCALE, 1, &h.sumamt, &e);
        if (!vr) vr = text_f(c, LF(type), "med_chrgitm_type", h.type, sizeof h.type, OPT, &e);
        if (!vr) vr = days_f(c, LF(prd_days), "prd_days", &h.prd_days, &e);
        if (!vr) vr = text_f(c, LF(init_sn), "init_feedetl_sn", init, sizeof init, OPT, &e);
        h.bad = vr != YB_OK;
        b.n = 0;
        const fld fname = LF(name);
        const char *name = fname.s;
        size_t n1 = fname.n;
        if (f->on && !h.bad) {
            size_t pn = fpsn.n, mn = fmd.n;
            const char *psn = fpsn.s, *md = fmd.s;
            int need = line_needed(f, code, name, psn, pn, md, mn);
            if (need < 0) {
                rc = nomem(err);
                break;
            }
            if (!need) {
                rc = pslot_count(f, ls, psn, pn, md, mn, h.line, err);
                continue;
            }
        }
        f->kept++;
        const fld fdept = LF(dept);
        if (!buf_put(&b, &h, sizeof h) || (h.bad && !buf_put_err(&b, &e)) ||
            !buf_str(&b, code, strlen(code), YB_CODE_MAX - 1) || !buf_str(&b, name, n1, STR_MAX) ||
            !buf_str(&b, fdept.s, fdept.n, STR_MAX) || !buf_str(&b, init, strlen(init), YB_ID_MAX - 1)) {
            rc = nomem(err);
            break;
        }
        /* key: H psn_no \1 mdtrt_id \1 bkkp_sn \1 input order */
        yb_extsort_key k;
        yb_extsort_key_person(&k, fpsn.s);
        yb_extsort_key_add(&k, fmd.s);
        yb_extsort_key_add(&k, fsn.s);
        char sq[24];
        digits64(sq, (unsigned long long)h.line, 7); /* input order, across the parts of a split file */
        yb_extsort_key_add(&k, sq);
        rc = yb_extsort_add(ls, k.b, k.n, b.p, (uint32_t)b.n, err);
    }
    free(b.p);
    if (!rc && r < 0) rc = err->rc ? err->rc : YB_E_INVALID;
    if (!rc && f->on) rc = pslot_flush_all(f, ls, err);
    return rc;
#undef LF
}

static yb_rc read_diags(inputs *in, yb_extsort *ds, yb_audit_batch_stats *st, yb_err *err) {
    yb_csv *c = in->dg;
    const dmap *m = &in->dm;
    buf b = {0};
    yb_rc rc = YB_OK;
    int r;
    while (!rc && (r = yb_csv_next(c, err)) == 1) {
        st->diags++;
        dhead h;
        memset(&h, 0, sizeof h);
        h.line = yb_csv_line(c);
        yb_err e;
        err_init(&e);
        char code[YB_AUDIT_DIAG_MAX];
        code[0] = '\0';
        yb_rc vr = check_id(c, m->mdtrt_id, "mdtrt_id", &e);
        if (!vr) vr = check_id(c, m->psn_no, "psn_no", &e);
        if (!vr) vr = text(c, m->code, "diag_code", code, sizeof code, REQ, &e);
        size_t n;
        const char *f = yb_csv_field(c, m->main, &n);
        h.main = n == 1 && f[0] == '1';
        h.bad = vr != YB_OK;
        b.n = 0;
        const char *name = yb_csv_field(c, m->name, &n);
        if (!buf_put(&b, &h, sizeof h) || (h.bad && !buf_put_err(&b, &e)) ||
            !buf_str(&b, code, strlen(code), YB_AUDIT_DIAG_MAX - 1) || !buf_str(&b, name, n, STR_MAX)) {
            rc = nomem(err);
            break;
        }
        yb_extsort_key k;
        yb_extsort_key_person(&k, yb_csv_field(c, m->psn_no, NULL));
        yb_extsort_key_add(&k, yb_csv_field(c, m->mdtrt_id, NULL));
        char sq[24];
        digits64(sq, (unsigned long long)h.line, 7); /* input order, across the parts of a split file */
        yb_extsort_key_add(&k, sq);
        rc = yb_extsort_add(ds, k.b, k.n, b.p, (uint32_t)b.n, err);
    }
    free(b.p);
    if (!rc && r < 0) rc = err->rc ? err->rc : YB_E_INVALID;
    return rc;
}

/* ------------------------------------------------------------------ per person */

typedef struct group {   /* rows of one mdtrt_id of the current person: [first, first + n) */
    const char *mdtrt;
    size_t first, n;
    int claimed;
} group;

typedef struct pvisit {
    const rec *r;
    const char *mdtrt, *psn;
    vhead h;
    const yb_err *err;   /* packed, read with memcpy; NULL when the row parsed */
    const char *fix, *dept, *dg_code, *dg_name;
    int dup;             /* the mdtrt_id appears more than once for the person */
} pvisit;

typedef struct pline {
    const char *mdtrt;
    lhead h;
    const yb_err *err;
    const char *sn, *code, *name, *dept, *init;
} pline;

typedef struct pdiag {
    const char *mdtrt;
    dhead h;
    const yb_err *err;
    const char *code, *name;
} pdiag;

typedef struct rule_map {  /* rule info pointer -> index in the set's manifest order */
    const yb_audit_rule_info **key;
    size_t *idx;
    size_t cap;
} rule_map;

typedef struct job {
    const yb_audit_batch_opts *o;
    yb_audit_batch_stats *st;
    yb_auditor *aud[YB_AUDIT_BATCH_MAX_SETS];
    yb_audit_history *hist[YB_AUDIT_BATCH_MAX_SETS];
    rule_map rmap[YB_AUDIT_BATCH_MAX_SETS];
    size_t *b_of_a;          /* compare: index in set 1 of each rule of set 0, SIZE_MAX when none */
    FILE *out, *rejects;
    size_t jr;               /* rows written */
    size_t person_no, visit_no;  /* 1-based sequence numbers of the current person and visit */
    /* the person's records, in a chunk of the merge (borrowed) */
    char *pa;
    const size_t *voff, *loff, *doff;
    size_t nv, nl, nd;
    pvisit *pv;
    size_t pvcap;
    pline *pl;
    size_t plcap;
    pdiag *pd;
    size_t pdcap;
    group *lg, *dgp;
    size_t nlg, lgcap, ndg, dgcap;
    const pvisit **byid;
    size_t byidcap;
    /* one visit for the engine */
    yb_audit_line *al;
    size_t alcap;
    yb_audit_diag *ad;
    size_t adcap;
    /* compare */
    yb_audit_hits hs[YB_AUDIT_BATCH_MAX_SETS];
    buf sn, vl, inv;         /* the reference texts of an output row */
    buf keys;                /* compare: the keys of a visit's hits */
    long part2_line;         /* the true line of the second part's first line (0: one part) */
    yb_err *err;
} job;

/* A line number of the fee file as read (the second part numbered from PART2_LINE) made true. */
static long fix_line(const job *j, long line) {
    return j->part2_line && line >= PART2_LINE ? line - PART2_LINE + j->part2_line : line;
}

static size_t ptr_hash(const void *p) {
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static yb_rc rmap_init(rule_map *m, const yb_audit_ruleset *rs) {
    size_t n = yb_audit_ruleset_count(rs), cap = 16;
    while (cap < n * 2) cap *= 2;
    m->key = calloc(cap, sizeof *m->key);
    m->idx = calloc(cap, sizeof *m->idx);
    m->cap = cap;
    if (!m->key || !m->idx) return YB_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        const yb_audit_rule_info *r = yb_audit_ruleset_rule(rs, i);
        size_t j = ptr_hash(r) & (cap - 1);
        while (m->key[j]) j = (j + 1) & (cap - 1);
        m->key[j] = r;
        m->idx[j] = i;
    }
    return YB_OK;
}

static size_t rmap_find(const rule_map *m, const yb_audit_rule_info *r) {
    size_t j = ptr_hash(r) & (m->cap - 1);
    while (m->key[j]) {
        if (m->key[j] == r) return m->idx[j];
        j = (j + 1) & (m->cap - 1);
    }
    return SIZE_MAX;
}

static void reject(job *j, const char *file, long line, const char *mdtrt, const char *psn, const yb_err *e) {
    j->st->rejected++;
    if (j->rejects) {
        char ln[24];
        snprintf(ln, sizeof ln, "%ld", line);
        const char *row[] = {file, ln, mdtrt, psn, e->field, e->value, yb_rc_str(e->rc), e->msg};
        yb_csv_put_row(j->rejects, row, 8);
    }
    if (j->o->on_rejected) {
        yb_reject r = {file, line, mdtrt, psn, e};
        j->o->on_rejected(j->o->ctx, &r);
    }
}

/* ------------------------------------------------------------------ the merge, on a thread of its own */

/* The merge-join runs on a thread of its own: it reads the three sorted streams (their runs
 * from disk) and copies each person's records, in order, into chunks of about CHUNK_BYTES; the
 * auditing thread takes the chunks in the same order, so the output is what one thread would
 * write. NCHUNK chunks circulate. */
#define CHUNK_BYTES ((size_t)1 << 20)
#define NCHUNK 4

typedef struct pchunk {
    char *pa;                 /* records, each at an 8-byte boundary */
    size_t used, cap;
    size_t *off;              /* per person: its visits', lines' and diagnoses' offsets in pa */
    size_t noff, offcap;
    size_t *cnt;              /* per person: 3 counts (visits, lines, diagnoses) */
    size_t ncnt, cntcap;
} pchunk;

typedef struct merger {
    yb_extsort *vs, *ls, *ds;
    pchunk ch[NCHUNK];
    size_t published, consumed;
    int done, stop;
    yb_rc rc;
    yb_err err;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} merger;

static yb_rc chunk_put(pchunk *c, const rec *r, yb_err *err) {
    size_t need = (sizeof *r + r->len + 7) & ~(size_t)7;
    if (c->used + need > c->cap) {
        size_t nc = c->cap ? c->cap * 2 : CHUNK_BYTES * 2;
        while (nc < c->used + need) nc *= 2;
        char *np = realloc(c->pa, nc);
        if (!np) return nomem(err);
        c->pa = np;
        c->cap = nc;
    }
    yb_rc rc = grow((void **)&c->off, &c->offcap, c->noff + 1, sizeof *c->off, err);
    if (rc) return rc;
    memcpy(c->pa + c->used, r, sizeof *r + r->len);
    c->off[c->noff++] = c->used;
    c->used += need;
    return YB_OK;
}

/* Copy the records of the person `who` from a stream into the chunk; their number into *n. */
static yb_rc take(pchunk *c, yb_extsort *s, const rec *who, size_t *n, yb_err *err) {
    const rec *r;
    yb_rc rc;
    *n = 0;
    while (s && (r = yb_extsort_peek(s)) && yb_extsort_person_is(r, who, who->keylen)) {
        if ((rc = chunk_put(c, r, err))) return rc;
        (*n)++;
        if ((rc = yb_extsort_next(s, err))) return rc;
    }
    return YB_OK;
}

/* Fill one chunk with whole persons; *eof when the streams are done. */
static yb_rc fill_chunk(merger *m, pchunk *c, rec **who, size_t *whocap, int *eof) {
    c->used = c->noff = c->ncnt = 0;
    yb_rc rc = YB_OK;
    while (!rc && c->used < CHUNK_BYTES) {
        const rec *h[3] = {yb_extsort_peek(m->vs), yb_extsort_peek(m->ls), m->ds ? yb_extsort_peek(m->ds) : NULL};
        const rec *pick = NULL;
        for (int i = 0; i < 3; i++)
            if (h[i] && (!pick || yb_extsort_person_cmp(h[i], pick) < 0)) pick = h[i];
        if (!pick) {
            *eof = 1;
            break;
        }
        size_t pn = yb_extsort_person_len(pick);
        if (sizeof(rec) + pn > *whocap) {
            rec *nw = realloc(*who, sizeof(rec) + pn);
            if (!nw) return nomem(&m->err);
            *who = nw;
            *whocap = sizeof(rec) + pn;
        }
        (*who)->len = (*who)->keylen = (uint32_t)pn;
        memcpy((*who)->b, pick->b, pn);
        if ((rc = grow((void **)&c->cnt, &c->cntcap, c->ncnt + 3, sizeof *c->cnt, &m->err))) return rc;
        size_t *k = c->cnt + c->ncnt;
        c->ncnt += 3;
        rc = take(c, m->vs, *who, &k[0], &m->err);
        if (!rc) rc = take(c, m->ls, *who, &k[1], &m->err);
        if (!rc) rc = take(c, m->ds, *who, &k[2], &m->err);
    }
    return rc;
}

static void *merge_thread(void *arg) {
    merger *m = arg;
    rec *who = NULL;
    size_t whocap = 0;
    int eof = 0;
    yb_rc rc = YB_OK;
    while (!eof && !rc) {
        pthread_mutex_lock(&m->mu);
        while (!m->stop && m->published - m->consumed == NCHUNK) pthread_cond_wait(&m->cv, &m->mu);
        int stop = m->stop;
        pthread_mutex_unlock(&m->mu);
        if (stop) break;
        rc = fill_chunk(m, &m->ch[m->published % NCHUNK], &who, &whocap, &eof);
        pthread_mutex_lock(&m->mu);
        if (!rc) m->published++;
        pthread_cond_broadcast(&m->cv);
        pthread_mutex_unlock(&m->mu);
    }
    free(who);
    pthread_mutex_lock(&m->mu);
    m->rc = rc;
    m->done = 1;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

/* The next full chunk, NULL when the merge is done (or failed: m->rc). */
static pchunk *next_chunk(merger *m) {
    pthread_mutex_lock(&m->mu);
    while (m->consumed == m->published && !m->done) pthread_cond_wait(&m->cv, &m->mu);
    pchunk *c = m->consumed < m->published ? &m->ch[m->consumed % NCHUNK] : NULL;
    pthread_mutex_unlock(&m->mu);
    return c;
}

static void chunk_done(merger *m) {
    pthread_mutex_lock(&m->mu);
    m->consumed++;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

/* NUL-terminate key field i of an arena record in place, where the \1 after it was (or, for the
 * last field, on the first data byte: read the data header first). The fields after i can no
 * longer be found, so take a record's fields from the last to the first. */
static const char *key_str(const rec *r, int i) {
    size_t n;
    const char *f = yb_extsort_key_field(r->b, r->keylen, i, &n);
    ((char *)f)[n] = '\0';
    return f;
}

static int group_cmp(const void *x, const void *y) {
    return strcmp(((const group *)x)->mdtrt, ((const group *)y)->mdtrt);
}

static int group_key_cmp(const void *k, const void *e) { return strcmp(k, ((const group *)e)->mdtrt); }

static int byid_cmp(const void *x, const void *y) {
    const pvisit *a = *(const pvisit *const *)x, *b = *(const pvisit *const *)y;
    return strcmp(a->mdtrt, b->mdtrt);
}

/* Group rows that arrive sorted by mdtrt_id (lines: then bkkp_sn) by their mdtrt_id. */
static yb_rc group_rows(job *j, const char *const *ids, size_t n, group **g, size_t *ng, size_t *cap) {
    *ng = 0;
    for (size_t i = 0; i < n; i++) {
        if (!*ng || strcmp((*g)[*ng - 1].mdtrt, ids[i])) {
            yb_rc rc = grow((void **)g, cap, *ng + 1, sizeof **g, j->err);
            if (rc) return rc;
            (*g)[(*ng)++] = (group){ids[i], i, 0, 0};
        }
        (*g)[*ng - 1].n++;
    }
    /* key order is byte order of the key, which is strcmp order for these NUL-free texts, but
     * sort again to be sure the bsearch below agrees */
    if (*ng > 16) {
        qsort(*g, *ng, sizeof **g, group_cmp);
    } else {   /* a person's few visits: insertion sort, no library call */
        for (size_t i = 1; i < *ng; i++) {
            group x = (*g)[i];
            size_t k = i;
            for (; k > 0 && strcmp((*g)[k - 1].mdtrt, x.mdtrt) > 0; k--) (*g)[k] = (*g)[k - 1];
            (*g)[k] = x;
        }
    }
    return YB_OK;
}

static yb_rc index_person(job *j) {
    yb_rc rc;
    if ((rc = grow((void **)&j->pv, &j->pvcap, j->nv, sizeof *j->pv, j->err))) return rc;
    if ((rc = grow((void **)&j->pl, &j->plcap, j->nl, sizeof *j->pl, j->err))) return rc;
    if ((rc = grow((void **)&j->pd, &j->pdcap, j->nd, sizeof *j->pd, j->err))) return rc;
    if ((rc = grow((void **)&j->byid, &j->byidcap, j->nv, sizeof *j->byid, j->err))) return rc;
    for (size_t i = 0; i < j->nv; i++) {
        pvisit *v = &j->pv[i];
        const rec *r = (const rec *)(const void *)(j->pa + j->voff[i]);
        v->r = r;
        const char *d = r->b + r->keylen;
        memcpy(&v->h, d, sizeof v->h);
        d += sizeof v->h;
        v->err = NULL;
        if (v->h.bad) {
            v->err = (const yb_err *)(const void *)d;
            d += sizeof(yb_err);
        }
        v->fix = next_str(&d);
        v->dept = next_str(&d);
        v->dg_code = next_str(&d);
        v->dg_name = next_str(&d);
        v->mdtrt = key_str(r, 2); /* fields from the last: key_str ends a field where its \1 was */
        v->psn = key_str(r, 0);
        v->dup = 0;
        j->byid[i] = v;
    }
    if (j->nv > 1) {
        if (j->nv > 16) {
            qsort(j->byid, j->nv, sizeof *j->byid, byid_cmp);
        } else {
            for (size_t i = 1; i < j->nv; i++) {
                const pvisit *x = j->byid[i];
                size_t k = i;
                for (; k > 0 && strcmp(j->byid[k - 1]->mdtrt, x->mdtrt) > 0; k--) j->byid[k] = j->byid[k - 1];
                j->byid[k] = x;
            }
        }
        for (size_t i = 1; i < j->nv; i++)
            if (!strcmp(j->byid[i - 1]->mdtrt, j->byid[i]->mdtrt))
                ((pvisit *)j->byid[i - 1])->dup = ((pvisit *)j->byid[i])->dup = 1;
    }
    /* lines */
    const char **ids = NULL;
    size_t idcap = 0, need = j->nl > j->nd ? j->nl : j->nd;
    if ((rc = grow((void **)&ids, &idcap, need ? need : 1, sizeof *ids, j->err))) return rc;
    for (size_t i = 0; i < j->nl; i++) {
        pline *l = &j->pl[i];
        const rec *r = (const rec *)(const void *)(j->pa + j->loff[i]);
        const char *d = r->b + r->keylen;
        if (r->len - r->keylen == sizeof(lout)) {   /* lines left out, counted */
            lout o;
            memcpy(&o, d, sizeof o);
            memset(&l->h, 0, sizeof l->h);
            l->h.line = fix_line(j, (long)(o.first_count >> 24));
            l->h.left_out = (uint32_t)(o.first_count & LOUT_COUNT_MAX);
            l->err = NULL;
            l->code = l->name = l->dept = l->init = l->sn = "";
            l->mdtrt = key_str(r, 1);   /* (the last key field: after the data was read) */
            ids[i] = l->mdtrt;
            continue;
        }
        memcpy(&l->h, d, sizeof l->h);
        l->h.line = fix_line(j, l->h.line);
        d += sizeof l->h;
        l->err = NULL;
        if (l->h.bad) {
            l->err = (const yb_err *)(const void *)d;
            d += sizeof(yb_err);
        }
        l->code = next_str(&d);
        l->name = next_str(&d);
        l->dept = next_str(&d);
        l->init = next_str(&d);
        l->sn = key_str(r, 2);
        l->mdtrt = key_str(r, 1);
        ids[i] = l->mdtrt;
    }
    rc = group_rows(j, ids, j->nl, &j->lg, &j->nlg, &j->lgcap);
    for (size_t i = 0; !rc && i < j->nd; i++) {
        pdiag *g = &j->pd[i];
        const rec *r = (const rec *)(const void *)(j->pa + j->doff[i]);
        const char *d = r->b + r->keylen;
        memcpy(&g->h, d, sizeof g->h);
        d += sizeof g->h;
        g->err = NULL;
        if (g->h.bad) {
            g->err = (const yb_err *)(const void *)d;
            d += sizeof(yb_err);
        }
        g->code = next_str(&d);
        g->name = next_str(&d);
        g->mdtrt = key_str(r, 1);
        ids[i] = g->mdtrt;
    }
    if (!rc) rc = group_rows(j, ids, j->nd, &j->dgp, &j->ndg, &j->dgcap);
    free(ids);
    return rc;
}

/* ------------------------------------------------------------------ output */

static void qty_text(yb_qty q, char *b) {
    yb_qty_fmt(q, b);
    char *dot = strchr(b, '.');
    if (dot) {
        char *e = b + strlen(b) - 1;
        while (e > dot && *e == '0') *e-- = '\0';
        if (e == dot) *e = '\0';
    }
}

/* The violating lines as "sn|sn", "sn:units:amount|...", the involved as "mdtrt:sn|..." into the
 * three buffers (each NUL-terminated). */
static int ref_texts(const yb_audit_hit *h, const yb_audit_ref *refs, buf *sn, buf *vl, buf *inv) {
    sn->n = vl->n = inv->n = 0;
    for (size_t i = 0; i < h->n_refs; i++) {
        const yb_audit_ref *r = &refs[i];
        if (r->item_type == 1) {
            char q[40], a[40];
            qty_text(r->vola_qty, q);
            yb_fen_fmt(r->vola_amt, a);
            if ((sn->n && !buf_put(sn, "|", 1)) || !buf_put(sn, r->feedetl_sn, strlen(r->feedetl_sn))) return 0;
            if ((vl->n && !buf_put(vl, "|", 1)) || !buf_put(vl, r->feedetl_sn, strlen(r->feedetl_sn)) ||
                !buf_put(vl, ":", 1) || !buf_put(vl, q, strlen(q)) || !buf_put(vl, ":", 1) ||
                !buf_put(vl, a, strlen(a)))
                return 0;
        } else {
            if ((inv->n && !buf_put(inv, "|", 1)) || !buf_put(inv, r->mdtrt_id, strlen(r->mdtrt_id)) ||
                !buf_put(inv, ":", 1) || !buf_put(inv, r->feedetl_sn, strlen(r->feedetl_sn)))
                return 0;
        }
    }
    return buf_put(sn, "", 1) && buf_put(vl, "", 1) && buf_put(inv, "", 1);
}

static const char *const out_header[] = {"jr_id", "rule_id", "id", "rule_name", "vola_cont", "vola_amt",
                                         "vola_amt_stas", "sev_deg", "vola_evid", "vola_bhvr_type", "effect",
                                         "mdtrt_id", "psn_no", "feedetl_sn", "vola_lines", "involved"};
#define OUT_COLS (sizeof out_header / sizeof out_header[0])

/* One row of the output: [change,] the hit's fields. */
static yb_rc write_hit(job *j, const char *change, const yb_audit_hit *h, const yb_audit_ref *refs) {
    if (!j->out) return YB_OK;
    if (!ref_texts(h, refs, &j->sn, &j->vl, &j->inv)) return nomem(j->err);
    char jr[32], amt[40], stas[8], sev[8];
    snprintf(jr, sizeof jr, "J%zu", ++j->jr);
    yb_fen_fmt(h->vola_amt, amt);
    snprintf(stas, sizeof stas, "%d", h->vola_amt_stas);
    snprintf(sev, sizeof sev, "%d", h->sev_deg);
    const char *row[OUT_COLS + 1];
    size_t n = 0;
    if (change) row[n++] = change;
    const char *f[OUT_COLS] = {jr, h->rule_id, h->rule->id, h->rule_name, h->vola_cont, amt, stas, sev,
                               h->vola_evid, h->vola_bhvr_type, yb_audit_effect_name(h->effect), h->mdtrt_id,
                               h->psn_no, j->sn.p, j->vl.p, j->inv.p};
    for (size_t i = 0; i < OUT_COLS; i++) row[n++] = f[i];
    yb_csv_put_row(j->out, row, n);
    if (ferror(j->out)) return yb_err_set(j->err, YB_E_IO, NULL, NULL, "write failed (disk full?)");
    return YB_OK;
}

static void count_hit(job *j, size_t set, const yb_audit_hit *h) {
    yb_audit_batch_stats *st = j->st;
    st->hits[set]++;
    st->amount[set] += h->vola_amt;
    size_t i = rmap_find(&j->rmap[set], h->rule);
    if (i == SIZE_MAX) return;
    yb_audit_rule_sum *s = &st->rules[set][i];
    s->hits++;
    s->amount += h->vola_amt;
    if (s->last_visit != j->visit_no) {
        s->last_visit = j->visit_no;
        s->visits++;
    }
    if (s->last_person != j->person_no) {
        s->last_person = j->person_no;
        s->persons++;
    }
}

typedef struct hit_ctx {
    job *j;
    size_t set;
    int failed;   /* the callback's own failure (fatal), as opposed to the engine's */
} hit_ctx;

static yb_rc on_hit(void *ctx, const yb_audit_hit *h) {
    hit_ctx *c = ctx;
    job *j = c->j;
    count_hit(j, c->set, h);
    yb_rc rc = YB_OK;
    if (j->o->n_sets > 1) rc = yb_audit_hits_add(&j->hs[c->set], h);
    else rc = write_hit(j, NULL, h, h->refs);
    if (rc == YB_E_NOMEM) yb_err_set(j->err, rc, NULL, NULL, "out of memory");
    if (!rc && j->o->on_hit) rc = j->o->on_hit(j->o->ctx, c->set, h);
    if (rc) c->failed = 1;
    return rc;
}

/* ------------------------------------------------------------------ compare */

typedef struct kent {
    const char *k;
    size_t set, i;
} kent;

static int kent_cmp(const void *x, const void *y) {
    const kent *a = x, *b = y;
    int c = strcmp(a->k, b->k);
    if (c) return c;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* The identity of a hit: rule id, visit, and the violating lines with their units (else the
 * involved lines). */
static int hit_key(buf *b, const yb_audit_hit *h, const yb_audit_ref *refs) {
    if (!buf_put(b, h->rule->id, strlen(h->rule->id)) || !buf_put(b, "\1", 1) ||
        !buf_put(b, h->mdtrt_id, strlen(h->mdtrt_id)))
        return 0;
    size_t nv = 0;
    for (size_t i = 0; i < h->n_refs; i++) nv += refs[i].item_type == 1;
    for (size_t i = 0; i < h->n_refs; i++) {
        const yb_audit_ref *r = &refs[i];
        if (nv && r->item_type != 1) continue;
        char q[40];
        qty_text(r->vola_qty, q);
        if (!buf_put(b, "\1", 1) || !buf_put(b, r->mdtrt_id, strlen(r->mdtrt_id)) || !buf_put(b, ":", 1) ||
            !buf_put(b, r->feedetl_sn, strlen(r->feedetl_sn)) || !buf_put(b, ":", 1) || !buf_put(b, q, strlen(q)))
            return 0;
    }
    return buf_put(b, "", 1);
}

static yb_rc compare_visit(job *j) {
    size_t n = j->hs[0].n + j->hs[1].n;
    if (!n) return YB_OK;
    kent *ks = malloc(n * sizeof *ks);
    size_t *off = malloc(n * sizeof *off);
    if (!ks || !off) {
        free(ks);
        free(off);
        return nomem(j->err);
    }
    j->keys.n = 0;
    size_t k = 0;
    for (size_t s = 0; s < 2; s++)
        for (size_t i = 0; i < j->hs[s].n; i++) {
            off[k] = j->keys.n;
            ks[k++] = (kent){NULL, s, i};
            if (!hit_key(&j->keys, &j->hs[s].hit[i], yb_audit_hits_refs(&j->hs[s], i))) {
                free(ks);
                free(off);
                return nomem(j->err);
            }
        }
    for (size_t i = 0; i < n; i++) ks[i].k = j->keys.p + off[i];
    free(off);
    /* the two sets' keys in two sorted runs, merged */
    size_t na = j->hs[0].n;
    qsort(ks, na, sizeof *ks, kent_cmp);
    qsort(ks + na, n - na, sizeof *ks, kent_cmp);
    yb_rc rc = YB_OK;
    size_t a = 0, b = na;
    yb_audit_batch_stats *st = j->st;
    while (!rc && (a < na || b < n)) {
        int c = a >= na ? 1 : b >= n ? -1 : strcmp(ks[a].k, ks[b].k);
        if (c < 0) { /* lost */
            const yb_audit_hit *h = &j->hs[0].hit[ks[a].i];
            size_t ia = rmap_find(&j->rmap[0], h->rule);
            size_t ib = ia == SIZE_MAX ? SIZE_MAX : j->b_of_a[ia];
            yb_audit_rule_sum *s = ib != SIZE_MAX ? &st->rules[1][ib] : ia != SIZE_MAX ? &st->rules[0][ia] : NULL;
            if (s) {
                s->lost++;
                s->lost_amt += h->vola_amt;
            }
            rc = write_hit(j, "lost", h, yb_audit_hits_refs(&j->hs[0], ks[a].i));
            a++;
        } else if (c > 0) { /* gained */
            const yb_audit_hit *h = &j->hs[1].hit[ks[b].i];
            size_t ib = rmap_find(&j->rmap[1], h->rule);
            if (ib != SIZE_MAX) {
                st->rules[1][ib].gained++;
                st->rules[1][ib].gained_amt += h->vola_amt;
            }
            rc = write_hit(j, "gained", h, yb_audit_hits_refs(&j->hs[1], ks[b].i));
            b++;
        } else {
            const yb_audit_hit *ha = &j->hs[0].hit[ks[a].i], *hb = &j->hs[1].hit[ks[b].i];
            if (ha->vola_amt != hb->vola_amt) {
                size_t ib = rmap_find(&j->rmap[1], hb->rule);
                if (ib != SIZE_MAX) {
                    yb_audit_rule_sum *s = &st->rules[1][ib];
                    s->changed++;
                    if (hb->vola_amt > ha->vola_amt) s->gained_amt += hb->vola_amt - ha->vola_amt;
                    else s->lost_amt += ha->vola_amt - hb->vola_amt;
                }
                rc = write_hit(j, "changed", hb, yb_audit_hits_refs(&j->hs[1], ks[b].i));
            }
            a++;
            b++;
        }
    }
    free(ks);
    return rc;
}

/* ------------------------------------------------------------------ auditing a person */

static void visit_reject(job *j, const pvisit *v, const char *file, long line, const yb_err *packed) {
    yb_err e;
    memcpy(&e, packed, sizeof e);
    reject(j, file, line, v->mdtrt, v->psn, &e);
}

static yb_rc audit_visit(job *j, pvisit *v) {
    const yb_audit_batch_opts *o = j->o;
    group *lg = j->nlg ? bsearch(v->mdtrt, j->lg, j->nlg, sizeof *j->lg, group_key_cmp) : NULL;
    group *dg = j->ndg ? bsearch(v->mdtrt, j->dgp, j->ndg, sizeof *j->dgp, group_key_cmp) : NULL;
    if (lg) lg->claimed = 1;
    if (dg) dg->claimed = 1;
    if (v->err) {
        visit_reject(j, v, o->mdtrt_path, v->h.line, v->err);
        return YB_OK;
    }
    if (v->dup) {
        yb_err e;
        yb_err_clear(&e);
        yb_err_set(&e, YB_E_DUPLICATE, "mdtrt_id", v->mdtrt, "the visit appears more than once in mdtrt_d for the person");
        reject(j, o->mdtrt_path, v->h.line, v->mdtrt, v->psn, &e);
        return YB_OK;
    }
    size_t nl = lg ? lg->n : 0, nd = dg ? dg->n : 0;
    for (size_t i = 0; i < nl; i++) {
        const pline *l = &j->pl[lg->first + i];
        if (l->err) {
            visit_reject(j, v, o->fee_path, l->h.line, l->err);
            return YB_OK;
        }
    }
    for (size_t i = 0; i < nd; i++) {
        const pdiag *g = &j->pd[dg->first + i];
        if (g->err) {
            visit_reject(j, v, o->diag_path, g->h.line, g->err);
            return YB_OK;
        }
    }
    yb_rc rc;
    if ((rc = grow((void **)&j->al, &j->alcap, nl ? nl : 1, sizeof *j->al, j->err))) return rc;
    if ((rc = grow((void **)&j->ad, &j->adcap, nd ? nd : 1, sizeof *j->ad, j->err))) return rc;
    size_t na = 0;
    for (size_t i = 0; i < nl; i++) {
        const pline *l = &j->pl[lg->first + i];
        if (l->h.left_out) continue;
        yb_audit_line *a = &j->al[na++];
        memset(a, 0, sizeof *a);
        scopy(a->line.feedetl_sn, sizeof a->line.feedetl_sn, l->sn);
        scopy(a->line.med_list_codg, sizeof a->line.med_list_codg, l->code);
        a->line.fee_ocur_time = l->h.t;
        a->line.cnt = l->h.cnt;
        a->line.pric = l->h.pric;
        a->line.sumamt = l->h.sumamt;
        a->name = *l->name ? l->name : NULL;
        a->dept = *l->dept ? l->dept : NULL;
        memcpy(a->med_chrgitm_type, l->h.type, sizeof a->med_chrgitm_type);
        scopy(a->init_feedetl_sn, sizeof a->init_feedetl_sn, l->init);
        a->prd_days = l->h.prd_days;
    }
    size_t ndiag = 0;
    for (size_t i = 0; i < nd; i++) {
        const pdiag *g = &j->pd[dg->first + i];
        yb_audit_diag *d = &j->ad[ndiag++];
        scopy(d->code, sizeof d->code, g->code);
        d->main = g->h.main;
        d->name = *g->name ? g->name : NULL;
    }
    if (!ndiag && *v->dg_code) {
        yb_audit_diag *d = &j->ad[ndiag++];
        scopy(d->code, sizeof d->code, v->dg_code);
        d->main = 1;
        d->name = *v->dg_name ? v->dg_name : NULL;
    }
    yb_audit_visit av;
    memset(&av, 0, sizeof av);
    scopy(av.visit.mdtrt_id, sizeof av.visit.mdtrt_id, v->mdtrt);
    memcpy(av.visit.med_type, v->h.med_type, sizeof av.visit.med_type);
    memcpy(av.visit.hosp_lv, v->h.hosp_lv, sizeof av.visit.hosp_lv);
    scopy(av.visit.fixmedins_code, sizeof av.visit.fixmedins_code, v->fix);
    av.visit.begntime = v->h.begn;
    av.visit.endtime = v->h.end;
    scopy(av.person.psn_no, sizeof av.person.psn_no, v->psn);
    memcpy(av.person.insutype, v->h.insutype, sizeof av.person.insutype);
    av.person.gend = v->h.gend;
    av.person.brdy = v->h.brdy;
    av.diags = ndiag ? j->ad : NULL;
    av.n_diags = ndiag;
    av.ipt_days = v->h.ipt_days;
    av.dept = *v->dept ? v->dept : NULL;
    av.lines = j->al;
    av.n_lines = na;
    j->visit_no++;
    for (size_t s = 0; s < o->n_sets; s++) yb_audit_hits_clear(&j->hs[s]);
    for (size_t s = 0; s < o->n_sets; s++) {
        hit_ctx hc = {j, s, 0};
        yb_err e;
        err_init(&e);   /* (a whole yb_err cleared per visit was a tenth of the audit) */
        rc = yb_audit_visit_run(j->aud[s], j->hist[s], &av, on_hit, &hc, &e);
        if (rc && !e.rc) yb_err_clear(&e);
        if (rc && (hc.failed || rc == YB_E_NOMEM)) {
            if (!j->err->rc) *j->err = e;
            return rc;
        }
        if (rc) { /* an amount or count of this visit the engine cannot handle: the visit is rejected */
            if (!e.rc) yb_err_set(&e, rc, "mdtrt_id", v->mdtrt, "the audit of the visit failed");
            reject(j, o->mdtrt_path, v->h.line, v->mdtrt, v->psn, &e);
            return YB_OK;
        }
    }
    j->st->audited++;
    return o->n_sets > 1 ? compare_visit(j) : YB_OK;
}

static void orphans(job *j, group *g, size_t ng, int lines) {
    for (size_t k = 0; k < ng; k++) {
        if (g[k].claimed) continue;
        long first = -1;
        const char *psn = "";
        size_t rows = 0;   /* a lout record stands for that many lines */
        for (size_t i = g[k].first; i < g[k].first + g[k].n; i++) {
            long ln = lines ? j->pl[i].h.line : j->pd[i].h.line;
            if (first < 0 || ln < first) first = ln;
            rows += lines && j->pl[i].h.left_out ? j->pl[i].h.left_out : 1;
        }
        const rec *r = (const rec *)(const void *)(j->pa + (lines ? j->loff : j->doff)[g[k].first]);
        psn = key_str(r, 0);
        yb_err e;
        yb_err_clear(&e);
        yb_err_set(&e, YB_E_NOTFOUND, "mdtrt_id", g[k].mdtrt, "%zu %s of a visit that is not in mdtrt_d for this person",
                   rows, lines ? "fee line(s)" : "diagnosis row(s)");
        if (lines) j->st->orphan_lines += rows;
        else j->st->orphan_diags += rows;
        reject(j, lines ? j->o->fee_path : j->o->diag_path, first, g[k].mdtrt, psn, &e);
    }
}

/* The person of chunk c whose counts are cnt[0..2] and whose offsets start at off. */
static yb_rc audit_person(job *j, pchunk *c, const size_t *cnt, const size_t *off) {
    j->pa = c->pa;
    j->nv = cnt[0];
    j->nl = cnt[1];
    j->nd = cnt[2];
    j->voff = off;
    j->loff = off + j->nv;
    j->doff = off + j->nv + j->nl;
    yb_rc rc = index_person(j);
    for (size_t i = 0; !rc && i < j->nv; i++) rc = audit_visit(j, &j->pv[i]);
    if (!rc) {
        orphans(j, j->lg, j->nlg, 1);
        orphans(j, j->dgp, j->ndg, 0);
    }
    for (size_t s = 0; s < j->o->n_sets; s++) yb_audit_history_reset(j->hist[s]);
    return rc;
}

/* ------------------------------------------------------------------ driver */

static FILE *open_tmp(const char *final, char *tmp, size_t cap, yb_err *err) {
    snprintf(tmp, cap, "%s.tmp%ld", final, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        yb_err_set(err, YB_E_IO, NULL, NULL, "cannot write: %s", strerror(errno));
        yb_err_at(err, final, 0);
        tmp[0] = '\0';
    }
    return f;
}

void yb_audit_batch_stats_release(yb_audit_batch_stats *st) {
    if (!st) return;
    for (size_t s = 0; s < YB_AUDIT_BATCH_MAX_SETS; s++) {
        free(st->rules[s]);
        st->rules[s] = NULL;
        st->n_rules[s] = 0;
    }
}

static yb_rc setup_sets(job *j, const yb_audit_batch_opts *o, yb_audit_batch_stats *st, yb_err *err) {
    for (size_t s = 0; s < o->n_sets; s++) {
        size_t n = yb_audit_ruleset_count(o->sets[s]);
        st->rules[s] = calloc(n ? n : 1, sizeof *st->rules[s]);
        st->n_rules[s] = n;
        j->hist[s] = yb_audit_history_new();
        if (!st->rules[s] || !j->hist[s] || yb_auditor_new(o->sets[s], &j->aud[s]) ||
            rmap_init(&j->rmap[s], o->sets[s]))
            return nomem(err);
        yb_rc rc = yb_auditor_select(j->aud[s], o->rule_ids, err);
        if (rc) return rc;
    }
    if (o->n_sets > 1) {
        size_t n = st->n_rules[0];
        j->b_of_a = malloc((n ? n : 1) * sizeof *j->b_of_a);
        if (!j->b_of_a) return nomem(err);
        for (size_t i = 0; i < n; i++) {
            const yb_audit_rule_info *b = yb_audit_ruleset_find(o->sets[1], yb_audit_ruleset_rule(o->sets[0], i)->id);
            j->b_of_a[i] = b ? rmap_find(&j->rmap[1], b) : SIZE_MAX;
        }
    }
    return YB_OK;
}

/* Where to cut the fee file for two readers: at the first line start after the middle, when the
 * file is large enough (min_bytes); 0 when it is not to be cut. Nothing else is read here: the
 * second part is numbered from PART2_LINE (its true line numbers are known when the first part is
 * read, see fix_line), and a quoted field across the cut shows as the first part ending inside a
 * quote (yb_csv_ended_in_quote), when the file is read again as one part. */
static size_t find_cut(const char *path, size_t min_bytes) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return 0;
    struct stat sb;
    size_t c = 0;
    if (!fstat(fd, &sb) && S_ISREG(sb.st_mode) && (size_t)sb.st_size >= min_bytes && (size_t)sb.st_size >= 4096) {
        size_t size = (size_t)sb.st_size, mid = size / 2;
        char b[4096];
        ssize_t got;
        for (size_t at = mid; !c && (got = pread(fd, b, sizeof b, (off_t)at)) > 0; at += (size_t)got) {
            const char *nl = memchr(b, '\n', (size_t)got);
            if (nl) c = at + (size_t)(nl - b) + 1;
        }
        if (c >= size) c = 0;
    }
    close(fd);
    return c;
}

typedef struct part_read {
    inputs in;
    yb_extsort *ls;
    lfilter f;
    yb_audit_batch_stats st;
    yb_rc rc;
    yb_err err;
} part_read;

static void *part_reader(void *arg) {
    part_read *p = arg;
    p->rc = read_lines(&p->in, p->ls, &p->f, &p->st, &p->err);
    return NULL;
}

typedef struct side_read {
    inputs *in;
    yb_extsort *vs, *ds;
    yb_auditor *const *wants;
    size_t n_wants;
    uint64_t *bloom;
    int diags;                /* read the diagnoses too */
    yb_audit_batch_stats *st;
    yb_rc rc;
    yb_err err;
} side_read;

static void *side_reader(void *arg) {
    side_read *s = arg;
    s->rc = read_visits(s->in, s->vs, s->st, s->wants, s->n_wants, s->bloom, &s->err);
    if (!s->rc) s->rc = yb_extsort_finish(s->vs, &s->err);   /* here, while the fee lines are read */
    if (!s->rc && s->diags && s->in->dg) s->rc = read_diags(s->in, s->ds, s->st, &s->err);
    if (!s->rc && s->diags && s->ds) s->rc = yb_extsort_finish(s->ds, &s->err);
    return NULL;
}

static void filter_free(lfilter *f, int own_auditors) {
    if (own_auditors)
        for (size_t s = 0; s < YB_AUDIT_BATCH_MAX_SETS; s++) yb_auditor_free(f->aud[s]);
    free(f->slot);
    memset(f, 0, sizeof *f);
}

/* A reader's filter: the job's auditors (aud) or, with own, new ones with the same selection. */
static yb_rc filter_init(lfilter *f, const job *j, int own, const uint64_t *bloom, yb_err *err) {
    memset(f, 0, sizeof *f);
    f->on = !j->o->keep_all_lines;
    f->n_sets = j->o->n_sets;
    f->bloom = bloom;
    if (!f->on) return YB_OK;
    if (!(f->slot = calloc(PSLOTS, sizeof *f->slot))) return nomem(err);
    for (size_t s = 0; s < f->n_sets; s++) {
        if (!own) {
            f->aud[s] = j->aud[s];
            continue;
        }
        if (yb_auditor_new(j->o->sets[s], &f->aud[s])) return nomem(err);
        yb_rc rc = yb_auditor_select(f->aud[s], j->o->rule_ids, err);
        if (rc) return rc;
    }
    return YB_OK;
}

yb_rc yb_audit_batch_run(const yb_audit_batch_opts *o, yb_audit_batch_stats *st, yb_err *err) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(st, 0, sizeof *st);
    if (!o->mdtrt_path || !o->fee_path)
        return yb_err_set(err, YB_E_USAGE, NULL, NULL, "mdtrt_d and fee_list_d paths are required");
    if (o->n_sets < 1 || o->n_sets > YB_AUDIT_BATCH_MAX_SETS || !o->sets[0] || (o->n_sets > 1 && !o->sets[1]))
        return yb_err_set(err, YB_E_USAGE, NULL, NULL, "one or two rule sets are required");
    job j;
    memset(&j, 0, sizeof j);
    j.o = o;
    j.st = st;
    j.err = err;
    inputs in;
    memset(&in, 0, sizeof in);
    yb_extsort *vs = NULL, *ls = NULL, *ds = NULL;
    yb_extsort_stats sst = {0, 0, 0}, sst2 = {0, 0, 0}, sst3 = {0, 0, 0}; /* lines; visits and diagnoses; lines' 2nd part */
    part_read pr;
    memset(&pr, 0, sizeof pr);
    yb_err_clear(&pr.err);
    char tout[600] = "", trej[600] = "", dir[512] = "";
    char *obuf = NULL;

    yb_rc rc = setup_sets(&j, o, st, err);
    /* 1. every input's header, before anything is written */
    if (!rc) rc = yb_csv_open(o->mdtrt_path, &in.md, err);
    if (!rc) rc = vmap_init(&in.vm, in.md, err);
    if (!rc) rc = yb_csv_open(o->fee_path, &in.fee, err);
    if (!rc) rc = lmap_init(&in.lm, in.fee, err);
    if (!rc && o->diag_path) rc = yb_csv_open(o->diag_path, &in.dg, err);
    if (!rc && in.dg) rc = dmap_init(&in.dm, in.dg, err);
    /* the readers skip over the columns no map names (the maps are all column numbers) */
    if (!rc) {
        yb_csv_only(in.md, (const int *)(const void *)&in.vm, sizeof in.vm / sizeof(int));
        yb_csv_only(in.fee, (const int *)(const void *)&in.lm, sizeof in.lm / sizeof(int));
        if (in.dg) yb_csv_only(in.dg, (const int *)(const void *)&in.dm, sizeof in.dm / sizeof(int));
    }

    /* 2. outputs under temporary names, the sorters */
    if (!rc && o->out_path && !(j.out = open_tmp(o->out_path, tout, sizeof tout, err))) rc = YB_E_IO;
    if (!rc && o->rejects_path && !(j.rejects = open_tmp(o->rejects_path, trej, sizeof trej, err))) rc = YB_E_IO;
    if (!rc && j.out) {
        obuf = malloc(OUT_BUF);
        if (obuf) setvbuf(j.out, obuf, _IOFBF, OUT_BUF);
        if (o->n_sets > 1) {
            const char *h[OUT_COLS + 1] = {"change"};
            for (size_t i = 0; i < OUT_COLS; i++) h[i + 1] = out_header[i];
            yb_csv_put_row(j.out, h, OUT_COLS + 1);
        } else {
            yb_csv_put_row(j.out, out_header, OUT_COLS);
        }
    }
    if (!rc && j.rejects) {
        static const char *const h[] = {"file", "line", "mdtrt_id", "psn_no", "field", "value", "rc", "message"};
        yb_csv_put_row(j.rejects, h, 8);
    }
    if (!rc) {
        const char *tmpdir = o->tmpdir ? o->tmpdir : getenv("TMPDIR");
        if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
        snprintf(dir, sizeof dir, "%s/yibao-audit-XXXXXX", tmpdir);
        if (!mkdtemp(dir)) {
            dir[0] = '\0';
            rc = yb_err_set(err, YB_E_IO, "tmpdir", tmpdir, "cannot create a temporary directory: %s", strerror(errno));
        }
    }
    /* run memory: visits 3/8, lines 1/2 (halved between the parts; the line filter keeps few of
     * them, so most of what a table needs goes to the visits), diagnoses 1/8 */
    size_t mem = o->run_bytes ? o->run_bytes : (size_t)256 << 20;
    /* the diagnoses only when a rule reads them (their file was opened: its columns are checked) */
    for (size_t s = 0; s < o->n_sets; s++) in.diags_read |= yb_auditor_reads_diags(j.aud[s]);
    if (!in.diags_read && in.dg) {
        yb_csv_close(in.dg);
        in.dg = NULL;
        st->diags_unread = 1;
    }
    if (!rc) rc = yb_extsort_new(in.dg ? mem / 8 * 3 : mem / 2, dir, &sst2, &vs, err);
    if (!rc && in.dg) rc = yb_extsort_new(mem / 8, dir, &sst2, &ds, err);
    /* the Bloom filter of visits that need all their lines, when a rule may want them */
    uint64_t *bloom = NULL;
    int want_all = 0;
    for (size_t s = 0; s < o->n_sets; s++) want_all |= yb_auditor_wants_all_lines(j.aud[s], NULL);
    if (!rc && want_all && !o->keep_all_lines && !(bloom = calloc(BLOOM_BITS / 64, sizeof *bloom))) rc = nomem(err);

    /* 3. read each table once, sort: the visits and diagnoses on a thread of their own (separate
     * files, sorters and counters), started first; the fee lines here, a large file in two parts
     * (the second on a thread of its own, see find_cut). When the filter needs the visits first
     * (bloom), the visits are read before the fee lines, the diagnoses here meanwhile. A visit
     * table's error comes first. */
    side_read sj = {&in, vs, ds, j.aud, o->n_sets, bloom, !bloom, st, YB_OK, {0}};
    yb_err_clear(&sj.err);
    pthread_t th;
    int threaded = 0;
    if (!rc) threaded = pthread_create(&th, NULL, side_reader, &sj) == 0;
    if (!rc && !threaded) side_reader(&sj);

    size_t cut = 0;
    if (!rc && strcmp(o->fee_path, "-"))
        cut = find_cut(o->fee_path, o->split_min_bytes ? o->split_min_bytes : (size_t)32 << 20);
    if (!rc && cut && yb_csv_set_end(in.fee, cut)) cut = 0;
    if (!rc && cut) {
        pr.in = in;
        pr.in.fee = NULL;
        rc = yb_csv_open_part(in.fee, o->fee_path, cut, SIZE_MAX, PART2_LINE, &pr.in.fee, err);
    }
    if (!rc) rc = yb_extsort_new(cut ? mem / 4 : mem / 2, dir, &sst, &ls, err);
    if (!rc && cut) rc = yb_extsort_new(mem / 4, dir, &sst3, &pr.ls, err);
    /* the line filter: this thread's with the job's auditors, the part reader's with its own */
    lfilter mf;
    memset(&mf, 0, sizeof mf);
    if (!rc) rc = filter_init(&mf, &j, 0, bloom, err);
    if (!rc && cut) rc = filter_init(&pr.f, &j, 1, bloom, err);

    if (!rc || threaded) {
        pthread_t pt;
        int part_threaded = 0;
        if (!rc && bloom) {
            if (in.dg) rc = read_diags(&in, ds, st, err);
            if (!rc && ds) rc = yb_extsort_finish(ds, err);
        }
        if (bloom && threaded) {
            pthread_join(th, NULL);
            threaded = 0;
        }
        if (!rc && !sj.rc) {
            if (cut) part_threaded = pthread_create(&pt, NULL, part_reader, &pr) == 0;
            rc = read_lines(&in, ls, &mf, st, err);
            if (cut && !part_threaded) part_reader(&pr);
        }
        if (part_threaded) pthread_join(pt, NULL);
        if (threaded) pthread_join(th, NULL);
        if (cut && rc && !sj.rc && yb_csv_ended_in_quote(in.fee)) {
            /* a quoted field spans the cut: what both parts read is dropped, the file is read
             * again as one part */
            yb_extsort_free(ls);
            yb_extsort_free(pr.ls);
            ls = pr.ls = NULL;
            filter_free(&mf, 0);
            filter_free(&pr.f, 1);
            memset(&mf, 0, sizeof mf);
            memset(&pr.f, 0, sizeof pr.f);
            memset(&pr.st, 0, sizeof pr.st);
            pr.rc = YB_OK;
            yb_csv_close(in.fee);
            in.fee = NULL;
            cut = 0;
            st->lines = 0;
            yb_err_clear(err);
            rc = yb_csv_open(o->fee_path, &in.fee, err);
            if (!rc) yb_csv_only(in.fee, (const int *)(const void *)&in.lm, sizeof in.lm / sizeof(int));
            if (!rc) rc = yb_extsort_new(mem / 2, dir, &sst, &ls, err);
            if (!rc) rc = filter_init(&mf, &j, 0, bloom, err);
            if (!rc) rc = read_lines(&in, ls, &mf, st, err);
        }
        if (cut) j.part2_line = yb_csv_next_line(in.fee);
        st->lines += pr.st.lines;
        st->lines_kept = mf.kept + pr.f.kept;
        /* the first error in the order a single reader meets them: visits, then the fee lines */
        if (sj.rc) {
            rc = sj.rc;
            if (err) *err = sj.err;
        } else if (!rc && pr.rc) {
            rc = pr.rc;
            if (err) {
                *err = pr.err;
                err->line = fix_line(&j, err->line);
            }
        }
        if (!rc && cut) rc = yb_extsort_absorb(ls, pr.ls, err);
        st->fee_parts = cut ? 2 : 1;
    }
    filter_free(&mf, 0);
    filter_free(&pr.f, 1);
    free(bloom);
    yb_csv_close(pr.in.fee);
    yb_extsort_free(pr.ls);
    yb_csv_close(in.md);
    yb_csv_close(in.fee);
    yb_csv_close(in.dg);
    if (!rc) rc = yb_extsort_finish(ls, err);   /* the visits and diagnoses were finished by their readers */

    struct timespec tr;
    clock_gettime(CLOCK_MONOTONIC, &tr);
    st->read_s = (double)(tr.tv_sec - t0.tv_sec) + (double)(tr.tv_nsec - t0.tv_nsec) / 1e9;

    /* 4. merge-join by person (on a thread of its own), audit here */
    if (!rc) {
        merger m;
        memset(&m, 0, sizeof m);
        m.vs = vs;
        m.ls = ls;
        m.ds = ds;
        yb_err_clear(&m.err);
        pthread_mutex_init(&m.mu, NULL);
        pthread_cond_init(&m.cv, NULL);
        pthread_t mt;
        int mthreaded = pthread_create(&mt, NULL, merge_thread, &m) == 0;
        if (!mthreaded) rc = nomem(err);   /* no thread: nothing has been read yet */
        while (!rc && mthreaded) {
            pchunk *c = next_chunk(&m);
            if (!c) break;
            const size_t *off = c->off;
            for (size_t k = 0; !rc && k < c->ncnt; k += 3) {
                st->persons++;
                j.person_no++;
                rc = audit_person(&j, c, c->cnt + k, off);
                off += c->cnt[k] + c->cnt[k + 1] + c->cnt[k + 2];
            }
            chunk_done(&m);
        }
        if (mthreaded) {
            pthread_mutex_lock(&m.mu);
            m.stop = 1;
            pthread_cond_broadcast(&m.cv);
            pthread_mutex_unlock(&m.mu);
            pthread_join(mt, NULL);
        }
        if (!rc && m.rc) {
            rc = m.rc;
            if (err) *err = m.err;
        }
        for (int i = 0; i < NCHUNK; i++) {
            free(m.ch[i].pa);
            free(m.ch[i].off);
            free(m.ch[i].cnt);
        }
        pthread_mutex_destroy(&m.mu);
        pthread_cond_destroy(&m.cv);
    }

    /* 5. outputs into place, or away */
    st->runs = sst.runs + sst2.runs + sst3.runs;
    st->peak_run_files = sst.peak_files + sst2.peak_files + sst3.peak_files; /* an upper bound: they run side by side */
    FILE *fs[2] = {j.out, j.rejects};
    const char *tmps[2] = {tout, trej}, *finals[2] = {o->out_path, o->rejects_path};
    for (int i = 0; i < 2; i++) {
        if (!fs[i]) continue;
        if ((fflush(fs[i]) || ferror(fs[i]) || fclose(fs[i])) && !rc)
            rc = yb_err_set(err, YB_E_IO, NULL, NULL, "write failed (disk full?)");
    }
    free(obuf);
    for (int i = 0; i < 2 && !rc; i++)
        if (fs[i] && rename(tmps[i], finals[i])) {
            rc = yb_err_set(err, YB_E_IO, NULL, NULL, "cannot rename the output into place: %s", strerror(errno));
            yb_err_at(err, finals[i], 0);
        }
    if (rc)
        for (int i = 0; i < 2; i++)
            if (tmps[i][0]) unlink(tmps[i]);
    yb_extsort_free(vs);
    yb_extsort_free(ls);
    yb_extsort_free(ds);
    if (dir[0]) rmdir(dir);
    for (size_t s = 0; s < YB_AUDIT_BATCH_MAX_SETS; s++) {
        yb_auditor_free(j.aud[s]);
        yb_audit_history_free(j.hist[s]);
        free(j.rmap[s].key);
        free(j.rmap[s].idx);
        yb_audit_hits_free(&j.hs[s]);
    }
    free(j.b_of_a);
    free(j.pv);
    free(j.pl);
    free(j.pd);
    free(j.lg);
    free(j.dgp);
    free(j.byid);
    free(j.al);
    free(j.ad);
    free(j.sn.p);
    free(j.vl.p);
    free(j.inv.p);
    free(j.keys.p);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    st->elapsed_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return rc;
}
