/*
 * batch.c — batch settlement of extract tables (see include/yibao/batch.h).
 *
 * Four sorted streams of compact records, each an external sort:
 *   visits    key  H psn_no \1 settle-time \1 mdtrt_id          data: parsed person + visit, pass-through
 *   lines     key  H psn_no \1 mdtrt_id \1 bkkp_sn \1 seq       data: parsed line (numbers + code)
 *   balances  key  H psn_no \1 insutype                         data: balance
 *   ids       key  mdtrt_id                                     data: source line (to find repeated visits)
 * H is 8 bytes of a hash of psn_no, big-endian, so that nearly every comparison of the sort is
 * decided by one 64-bit compare (psn_no values share long prefixes) while the records of a person
 * stay together and in order. The first three streams are merge-joined by (H, psn_no).
 *
 * Sorting is io/extsort.c (include/yibao/extsort.h): runs of at most a share of run_bytes in memory,
 * spilled to unlinked temporary files and merged 64 ways when a table does not fit.
 *
 * Records are packed: fields after the key are at any alignment and are read with memcpy.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "yibao/batch.h"
#include "yibao/csv.h"
#include "yibao/extract.h"
#include "yibao/extsort.h"
#include "service/batch_audit.h"

/* Records and sorters are those of io/extsort.c; keys start with the person (H psn_no). */
typedef yb_extsort_rec rec;

/* ------------------------------------------------------------------ record payloads */

/* A visit: vhead, then either the yb_err of its row (bad) or the person and visit packed (see
 * pack_visit), then NUL-terminated strings: mdtrt_id and psn_no as read (for reports),
 * fixmedins_name, and the pass-through values. */
typedef struct vhead {
    long line;
    uint32_t npass;
    uint32_t bad;
} vhead;

/* A fee line: lhead, [yb_err when bad], then med_list_codg NUL-terminated (bkkp_sn is in the key). */
typedef struct lhead {
    long line;
    yb_datetime t;
    int64_t cnt, pric, sumamt;
    uint32_t bad;
} lhead;

/* A balance: bhead, [yb_err when bad]. */
typedef struct bhead {
    long line;
    yb_fen balc;
    uint32_t bad;
} bhead;

/* The person and visit of a parsed row, packed: the numbers, then the strings NUL-terminated (the
 * structs are mostly unused bytes of fixed arrays: packed, a visit record is about a third the
 * size, and the sort writes and reads that much less). */
typedef struct vnums {
    yb_datetime begntime, endtime;
    yb_date brdy;
    int8_t cvlserv_flag, gend, acct_used_flag;
} vnums;

#define VSTRINGS(p, v)                                                                                        \
    {(p)->psn_no, (p)->insutype, (p)->psn_type, (p)->sp_psn_type, (p)->insu_admdvs, (v)->mdtrt_id, (v)->med_type, \
     (v)->hosp_lv, (v)->fixmedins_code, (v)->mdtrtarea_admvs, (v)->rloc_type}
#define NVSTRINGS 11

/* Bytes pack_visit writes at most. */
#define PACKED_MAX (sizeof(vnums) + sizeof(yb_person) + sizeof(yb_visit))

static size_t pack_visit(char *dst, const yb_person *p, const yb_visit *v) {
    vnums n = {v->begntime, v->endtime, p->brdy, (int8_t)p->cvlserv_flag, (int8_t)p->gend, (int8_t)v->acct_used_flag};
    memcpy(dst, &n, sizeof n);
    size_t o = sizeof n;
    const char *str[NVSTRINGS] = VSTRINGS(p, v);
    for (int i = 0; i < NVSTRINGS; i++) {
        size_t k = strlen(str[i]) + 1;
        memcpy(dst + o, str[i], k);
        o += k;
    }
    return o;
}

/* The inverse; returns the bytes read. */
static size_t unpack_visit(const char *src, yb_person *p, yb_visit *v) {
    memset(p, 0, sizeof *p);
    memset(v, 0, sizeof *v);
    vnums n;
    memcpy(&n, src, sizeof n);
    v->begntime = n.begntime;
    v->endtime = n.endtime;
    p->brdy = n.brdy;
    p->cvlserv_flag = n.cvlserv_flag;
    p->gend = n.gend;
    v->acct_used_flag = n.acct_used_flag;
    size_t o = sizeof n;
    char *str[NVSTRINGS] = VSTRINGS(p, v);
    const size_t cap[NVSTRINGS] = {sizeof p->psn_no,      sizeof p->insutype,       sizeof p->psn_type,
                                   sizeof p->sp_psn_type, sizeof p->insu_admdvs,    sizeof v->mdtrt_id,
                                   sizeof v->med_type,    sizeof v->hosp_lv,        sizeof v->fixmedins_code,
                                   sizeof v->mdtrtarea_admvs, sizeof v->rloc_type};
    for (int i = 0; i < NVSTRINGS; i++) {
        size_t k = strlen(src + o);
        memcpy(str[i], src + o, k < cap[i] ? k : cap[i] - 1); /* always fits: packed from such a field */
        o += k + 1;
    }
    return o;
}

/* ------------------------------------------------------------------ the batch */

typedef struct acc_slot {
    char insutype[8];
    int year;
    yb_accum acc;
} acc_slot;

typedef struct bal_slot {
    char insutype[8];
    yb_fen balc;
    long line;
    int state;          /* 0 = ok, 1 = bad value (err), 2 = given twice */
    yb_err err;
} bal_slot;

typedef struct pline {  /* one fee line of the current person */
    yb_line l;
    long src_line;
    const char *mdtrt;  /* into the person arena, NUL-terminated there */
    const char *err;    /* its packed yb_err in the person arena (read with memcpy); NULL when it parsed */
} pline;

typedef struct group {  /* the lines of one mdtrt_id of the current person: lines[first, first + n) */
    const char *mdtrt;
    size_t first, n;
    int claimed;
} group;

typedef struct dup_id {
    char *id;
    size_t count;
} dup_id;

typedef struct batch {
    const yb_refdata *rd;
    const yb_batch_opts *o;
    yb_batch_stats *st;
    FILE *out, *detail, *rejects;
    yb_setl_writer *w;
    /* per person */
    char *pa;           /* arena of the person's records; reset per person */
    size_t pa_used, pa_cap;
    size_t *voff, nv, vcap;   /* visit records in pa */
    size_t *loff, nl, lcap;   /* line records in pa */
    pline *lines;
    size_t linecap;
    group *groups;
    size_t ngroups, groupcap;
    acc_slot *acc;
    size_t nacc, acccap;
    bal_slot *bal;
    size_t nbal, balcap;
    yb_line *vlines;
    yb_line_split *splits;
    size_t vlcap;
    const char **pass;
    yb__batch_audit *audit;   /* with rules */
    size_t *orig;             /* settlement line -> input line (with rules) */
    /* mdtrt_ids that appear more than once in mdtrt_d, sorted */
    dup_id *dups;
    size_t ndups;
} batch;

static void reject(batch *b, const char *file, long line, const char *mdtrt, const char *psn, const yb_err *e) {
    b->st->rejected++;
    if (b->rejects) {
        char ln[24];
        snprintf(ln, sizeof ln, "%ld", line);
        const char *row[] = {file, ln, mdtrt, psn, e->field, e->value, yb_rc_str(e->rc), e->msg};
        yb_csv_put_row(b->rejects, row, 8);
    }
    if (b->o->on_rejected) {
        yb_reject r = {file, line, mdtrt, psn, e};
        b->o->on_rejected(b->o->ctx, &r);
    }
}

static yb_accum *acc_for(batch *b, const char *insutype, int year) {
    for (size_t i = 0; i < b->nacc; i++)
        if (b->acc[i].year == year && !strcmp(b->acc[i].insutype, insutype)) return &b->acc[i].acc;
    if (b->nacc == b->acccap) {
        size_t nc = b->acccap ? b->acccap * 2 : 8;
        acc_slot *n = realloc(b->acc, nc * sizeof *n);
        if (!n) return NULL;
        b->acc = n;
        b->acccap = nc;
    }
    acc_slot *s = &b->acc[b->nacc++];
    memset(s, 0, sizeof *s);
    snprintf(s->insutype, sizeof s->insutype, "%s", insutype);
    s->year = year;
    return &s->acc;
}

static bal_slot *bal_for(batch *b, const char *insutype) {
    for (size_t i = 0; i < b->nbal; i++)
        if (!strcmp(b->bal[i].insutype, insutype)) return &b->bal[i];
    return NULL;
}

static int dup_cmp(const void *k, const void *e) { return strcmp(k, ((const dup_id *)e)->id); }

static int dup_sort_cmp(const void *x, const void *y) {
    return strcmp(((const dup_id *)x)->id, ((const dup_id *)y)->id);
}

static int group_cmp(const void *x, const void *y) {
    return strcmp(((const group *)x)->mdtrt, ((const group *)y)->mdtrt);
}

static int group_key_cmp(const void *k, const void *e) { return strcmp(k, ((const group *)e)->mdtrt); }

/* Copy a record (key and data) into the person arena; its offset, or SIZE_MAX when out of memory. */
static size_t pa_put(batch *b, const rec *r) {
    size_t need = (sizeof *r + r->len + 7) & ~(size_t)7;
    if (b->pa_used + need > b->pa_cap) {
        size_t nc = b->pa_cap ? b->pa_cap * 2 : (size_t)1 << 16;
        while (nc < b->pa_used + need) nc *= 2;
        char *np = realloc(b->pa, nc);
        if (!np) return SIZE_MAX;
        b->pa = np;
        b->pa_cap = nc;
    }
    size_t at = b->pa_used;
    memcpy(b->pa + at, r, sizeof *r + r->len);
    b->pa_used += need;
    return at;
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

/* Decode the person's line records (in key order: by mdtrt_id, bkkp_sn, input order) and group them. */
static yb_rc index_lines(batch *b, yb_err *err) {
    yb_rc rc = grow((void **)&b->lines, &b->linecap, b->nl, sizeof *b->lines, err);
    if (rc) return rc;
    b->ngroups = 0;
    for (size_t i = 0; i < b->nl; i++) {
        rec *r = (rec *)(void *)(b->pa + b->loff[i]);
        pline *pl = &b->lines[i];
        memset(pl, 0, sizeof *pl);
        lhead h;
        const char *d = r->b + r->keylen;
        memcpy(&h, d, sizeof h);
        d += sizeof h;
        pl->src_line = h.line;
        if (h.bad) {
            pl->err = d;
            d += sizeof(yb_err);
        }
        pl->l.fee_ocur_time = h.t;
        pl->l.cnt = h.cnt;
        pl->l.pric = h.pric;
        pl->l.sumamt = h.sumamt;
        size_t cl = strnlen(d, sizeof pl->l.med_list_codg - 1);
        memcpy(pl->l.med_list_codg, d, cl); /* pl was zeroed: terminated */
        size_t n;
        const char *sn = yb_extsort_key_field(r->b, r->keylen, 2, &n);
        if (n >= sizeof pl->l.feedetl_sn) n = sizeof pl->l.feedetl_sn - 1;
        memcpy(pl->l.feedetl_sn, sn, n);
        pl->l.feedetl_sn[n] = '\0';
        /* the mdtrt_id: NUL-terminate it in place (the \1 after it is no longer needed) */
        const char *m = yb_extsort_key_field(r->b, r->keylen, 1, &n);
        ((char *)m)[n] = '\0';
        pl->mdtrt = m;
        if (!b->ngroups || strcmp(b->groups[b->ngroups - 1].mdtrt, m)) {
            rc = grow((void **)&b->groups, &b->groupcap, b->ngroups + 1, sizeof *b->groups, err);
            if (rc) return rc;
            b->groups[b->ngroups++] = (group){m, i, 0, 0};
        }
        b->groups[b->ngroups - 1].n++;
    }
    if (b->ngroups > 1) qsort(b->groups, b->ngroups, sizeof *b->groups, group_cmp);
    return YB_OK;
}

static void line_reject(batch *b, const pline *pl, const char *mdtrt, const char *psn, const yb_err *e) {
    yb_err packed;
    if (!e) { /* the line's own parse error */
        memcpy(&packed, pl->err, sizeof packed);
        e = &packed;
    }
    reject(b, b->o->fee_path, pl->src_line, mdtrt, psn, e);
}

/* Settle the current person: visits in pa at voff[0..nv) (in settlement order), lines indexed. */
static yb_rc settle_person(batch *b, yb_err *fatal) {
    yb_rc rc = index_lines(b, fatal);
    if (rc) return rc;
    if (b->audit) yb__batch_audit_person(b->audit);
    for (size_t i = 0; i < b->nv; i++) {
        const rec *r = (const rec *)(const void *)(b->pa + b->voff[i]);
        const char *d = r->b + r->keylen;
        vhead h;
        memcpy(&h, d, sizeof h);
        d += sizeof h;
        yb_err verr;
        yb_person p;
        yb_visit v;
        if (h.bad) {
            memcpy(&verr, d, sizeof verr);
            d += sizeof(yb_err);
        } else {
            d += unpack_visit(d, &p, &v);
        }
        const char *mdtrt = d;
        d += strlen(d) + 1;
        const char *psn = d;
        d += strlen(d) + 1;
        const char *fixname = d;
        d += strlen(d) + 1;
        for (uint32_t k = 0; k < h.npass; k++) {
            b->pass[k] = d;
            d += strlen(d) + 1;
        }
        /* claim this visit's lines whatever happens to it */
        group *g = b->ngroups ? bsearch(mdtrt, b->groups, b->ngroups, sizeof *b->groups, group_key_cmp) : NULL;
        if (g) g->claimed = 1;
        yb_err e;
        yb_err_clear(&e);
        if (h.bad) {
            reject(b, b->o->mdtrt_path, h.line, mdtrt, psn, &verr);
            continue;
        }
        dup_id *dup = b->ndups ? bsearch(mdtrt, b->dups, b->ndups, sizeof *b->dups, dup_cmp) : NULL;
        if (dup) {
            yb_err_set(&e, YB_E_DUPLICATE, "mdtrt_id", mdtrt, "the visit appears %zu times in mdtrt_d", dup->count);
            reject(b, b->o->mdtrt_path, h.line, mdtrt, psn, &e);
            continue;
        }
        if (!g) {
            yb_err_set(&e, YB_E_INVALID, "mdtrt_id", mdtrt, "the visit has no fee lines in fee_list_d");
            reject(b, b->o->mdtrt_path, h.line, mdtrt, psn, &e);
            continue;
        }
        const pline *bad = NULL;
        for (size_t k = g->first; k < g->first + g->n && !bad; k++)
            if (b->lines[k].err) bad = &b->lines[k];
        if (bad) {
            line_reject(b, bad, mdtrt, psn, NULL);
            continue;
        }
        bal_slot *bs = bal_for(b, p.insutype);
        if (bs && bs->state) {
            if (bs->state == 2)
                yb_err_set(&e, YB_E_DUPLICATE, "balc", NULL, "two balances of insutype %s for the person", p.insutype);
            reject(b, b->o->acct_path, bs->line, mdtrt, psn, bs->state == 1 ? &bs->err : &e);
            continue;
        }
        const yb_policy *pol = yb_refdata_policy(b->rd, p.insu_admdvs, yb_settle_date(&v));
        if (!pol) {
            char db[12];
            yb_err_set(&e, YB_E_POLICY, "insu_admdvs", p.insu_admdvs, "no policy of this area is in force on %s",
                       yb_date_fmt(yb_settle_date(&v), db));
            reject(b, b->o->mdtrt_path, h.line, mdtrt, psn, &e);
            continue;
        }
        size_t nsl = g->n, cap = b->audit ? 2 * g->n : g->n; /* denied parts may split lines */
        rc = grow((void **)&b->vlines, &b->vlcap, cap, sizeof *b->vlines, fatal);
        if (rc) return rc;
        void *ns = realloc(b->splits, b->vlcap * sizeof *b->splits);
        if (!ns) return yb_err_set(fatal, YB_E_NOMEM, NULL, NULL, "out of memory");
        b->splits = ns;
        if (b->audit && !(ns = realloc(b->orig, b->vlcap * sizeof *b->orig)))
            return yb_err_set(fatal, YB_E_NOMEM, NULL, NULL, "out of memory");
        if (b->audit) b->orig = ns;
        for (size_t k = 0; k < g->n; k++) b->vlines[k] = b->lines[g->first + k].l;
        if (b->audit && (rc = yb__batch_audit_visit(b->audit, &p, &v, b->vlines, &nsl, b->orig, &e))) {
            if (rc == YB_E_NOMEM) return yb_err_set(fatal, rc, NULL, NULL, "out of memory");
            reject(b, b->o->mdtrt_path, h.line, mdtrt, psn, &e);
            continue;
        }
        yb_accum *acc = acc_for(b, p.insutype, yb_settle_year(&v));
        if (!acc) return yb_err_set(fatal, YB_E_NOMEM, NULL, NULL, "out of memory");
        yb_settle_in in = {pol, b->rd->catalog, &p, &v, b->vlines, nsl, acc, bs ? bs->balc : 0, NULL};
        yb_settlement s;
        if (yb_settle_calc(&in, &s, b->splits, &e)) {
            /* "feedetail[i].field" names a line: report it at its place in fee_list_d */
            int li;
            if (sscanf(e.field, "feedetail[%d]", &li) == 1 && li >= 0 && (size_t)li < nsl) {
                const char *dot = strchr(e.field, '.');
                if (dot) memmove(e.field, dot + 1, strlen(dot));
                if (!strcmp(e.field, "feedetl_sn")) strcpy(e.field, "bkkp_sn");
                line_reject(b, &b->lines[g->first + (b->audit ? b->orig[li] : (size_t)li)], mdtrt, psn, &e);
            } else {
                reject(b, b->o->mdtrt_path, h.line, mdtrt, psn, &e);
            }
            continue;
        }
        for (int k = 0; k < s.deltas.n; k++)
            if (yb_accum_add(acc, s.deltas.it[k].key, s.deltas.it[k].v))
                return yb_err_set(fatal, YB_E_LIMIT, "accumulators", s.deltas.it[k].key,
                                  "more than %d accumulators for one person", YB_ACC_MAX);
        if (bs) bs->balc = s.balc;
        char setl_id[YB_ID_MAX + 2];
        snprintf(setl_id, sizeof setl_id, "S%s", mdtrt);
        if ((rc = yb_setl_write(b->w, setl_id, &p, &v, &s, b->pass))) {
            yb_err_set(fatal, rc, NULL, NULL, "%s", rc == YB_E_NOMEM ? "out of memory" : "write failed (disk full?)");
            if (rc == YB_E_IO) yb_err_at(fatal, b->o->out_path, 0);
            return rc;
        }
        if (b->detail) yb_setldetail_write(b->detail, mdtrt, setl_id, psn, &s);
        b->st->settled++;
        if (b->o->on_settled) b->o->on_settled(b->o->ctx, &p, &v, fixname, &s);
    }
    /* lines that no visit of the person claimed: once per mdtrt_id, at its first line */
    for (size_t k = 0; k < b->ngroups; k++) {
        const group *g = &b->groups[k];
        if (g->claimed) continue;
        yb_err e;
        yb_err_clear(&e);
        yb_err_set(&e, YB_E_NOTFOUND, "mdtrt_id", g->mdtrt,
                   "%zu fee line(s) of a visit that is not in mdtrt_d for this person", g->n);
        b->st->orphan_lines += g->n;
        size_t first = g->first; /* the first in input order among the group */
        for (size_t j = g->first; j < g->first + g->n; j++)
            if (b->lines[j].src_line < b->lines[first].src_line) first = j;
        size_t n;
        const rec *r = (const rec *)(const void *)(b->pa + b->loff[first]);
        const char *psn = yb_extsort_key_field(r->b, r->keylen, 0, &n);
        char pbuf[YB_ID_MAX + 1];
        snprintf(pbuf, sizeof pbuf, "%.*s", (int)n, psn);
        line_reject(b, &b->lines[first], g->mdtrt, pbuf, &e);
    }
    return YB_OK;
}

/* ------------------------------------------------------------------ reading inputs */

/* v as `width` decimal digits with leading zeros (so that text order is number order); buf holds
 * width + 1 bytes. (Keys are made for every row: snprintf was a visible share of the time.) */
static const char *fixed_digits(char *buf, uint64_t v, int width) {
    buf[width] = '\0';
    for (int i = width - 1; i >= 0; i--) {
        buf[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return buf;
}

typedef struct inputs {
    yb_csv *md, *fee, *bal;
    yb_mdtrt_map mm;
    yb_fee_map fm;
    yb_balc_map bm;
} inputs;

/* Append s (NUL-terminated, cut to max bytes) to buf at *o. */
static yb_rc put_str(char **buf, size_t *cap, size_t *o, const char *s, size_t n, yb_err *err) {
    if (*o + n + 1 > *cap) {
        size_t nc = *cap ? *cap * 2 : 4096;
        while (nc < *o + n + 1) nc *= 2;
        char *nb = realloc(*buf, nc);
        if (!nb) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        *buf = nb;
        *cap = nc;
    }
    memcpy(*buf + *o, s, n);
    (*buf)[*o + n] = '\0';
    *o += n + 1;
    return YB_OK;
}

static yb_rc read_visits(batch *b, inputs *in, yb_extsort *vs, yb_extsort *ids, yb_err *err) {
    yb_csv *c = in->md;
    char *buf = NULL;
    size_t cap = 0;
    yb_rc rc = YB_OK;
    int r;
    size_t npass = yb_setl_writer_npass(b->w);
    while (!rc && (r = yb_csv_next(c, err)) == 1) {
        b->st->visits++;
        yb_person p;
        yb_visit v;
        yb_err e;
        yb_err_clear(&e);
        vhead h = {yb_csv_line(c), (uint32_t)npass, 0};
        h.bad = yb_mdtrt_read(&in->mm, c, &p, &v, &e) != YB_OK;
        size_t fixed = sizeof h + (h.bad ? sizeof e : PACKED_MAX);
        if (cap < fixed) {
            char *nb = realloc(buf, fixed * 2);
            if (!nb) {
                rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
                break;
            }
            buf = nb;
            cap = fixed * 2;
        }
        size_t o = 0;
        memcpy(buf + o, &h, sizeof h), o += sizeof h;
        if (h.bad) memcpy(buf + o, &e, sizeof e), o += sizeof e;
        else o += pack_visit(buf + o, &p, &v);
        size_t n;
        const char *mdtrt = yb_csv_field(c, in->mm.mdtrt_id, &n);
        rc = put_str(&buf, &cap, &o, mdtrt, n < YB_ID_MAX ? n : YB_ID_MAX, err);
        const char *psn = yb_csv_field(c, in->mm.psn_no, &n);
        if (!rc) rc = put_str(&buf, &cap, &o, psn, n < YB_ID_MAX ? n : YB_ID_MAX, err);
        const char *fixname = yb_csv_field(c, in->mm.fixmedins_name, &n);
        if (!rc) rc = put_str(&buf, &cap, &o, fixname, n, err);
        for (size_t k = 0; !rc && k < npass; k++) {
            const char *f = yb_csv_field(c, yb_setl_writer_pass(b->w, k), &n);
            rc = put_str(&buf, &cap, &o, f, n, err);
        }
        if (rc) break;
        /* key: H psn_no \1 settle time (fixed width, so text order is time order) \1 mdtrt_id */
        yb_extsort_key k;
        yb_extsort_key_person(&k, psn);
        char t[24];
        yb_datetime when = h.bad ? 0 : v.endtime != YB_DATETIME_NONE ? v.endtime : v.begntime;
        yb_extsort_key_add(&k, fixed_digits(t, (uint64_t)(when + 999999999999LL), 20)); /* times from year 1 are > -10^12 */
        yb_extsort_key_add(&k, mdtrt);
        rc = yb_extsort_add(vs, k.b, k.n, buf, (uint32_t)o, err);
        if (!rc && *mdtrt) {
            long line = h.line;
            rc = yb_extsort_add(ids, mdtrt, (uint32_t)strnlen(mdtrt, 64), &line, sizeof line, err);
        }
    }
    free(buf);
    if (!rc && r < 0) rc = err->rc ? err->rc : YB_E_INVALID;
    return rc;
}

static yb_rc read_lines(batch *b, inputs *in, yb_extsort *ls, yb_err *err) {
    yb_csv *c = in->fee;
    yb_rc rc = YB_OK;
    int r;
    unsigned long long seq = 0;
    char buf[sizeof(lhead) + sizeof(yb_err) + YB_CODE_MAX + 1];
    while (!rc && (r = yb_csv_next(c, err)) == 1) {
        b->st->lines++;
        yb_line l;
        yb_err e;
        yb_err_clear(&e);
        const char *mdtrt = "", *psn = "";
        lhead h;
        memset(&h, 0, sizeof h);
        h.line = yb_csv_line(c);
        h.bad = yb_fee_read(&in->fm, c, &l, &mdtrt, &psn, &e) != YB_OK;
        h.t = l.fee_ocur_time;
        h.cnt = l.cnt;
        h.pric = l.pric;
        h.sumamt = l.sumamt;
        size_t o = 0;
        memcpy(buf, &h, sizeof h), o += sizeof h;
        if (h.bad) memcpy(buf + o, &e, sizeof e), o += sizeof e;
        size_t n = strnlen(l.med_list_codg, YB_CODE_MAX - 1);
        memcpy(buf + o, l.med_list_codg, n);
        buf[o + n] = '\0';
        o += n + 1;
        /* key: H psn_no \1 mdtrt_id \1 bkkp_sn \1 input order */
        yb_extsort_key k;
        yb_extsort_key_person(&k, psn);
        yb_extsort_key_add(&k, mdtrt);
        yb_extsort_key_add(&k, h.bad && !l.feedetl_sn[0] ? yb_csv_field(c, in->fm.bkkp_sn, NULL) : l.feedetl_sn);
        char sq[24];
        yb_extsort_key_add(&k, fixed_digits(sq, seq++, 12));
        rc = yb_extsort_add(ls, k.b, k.n, buf, (uint32_t)o, err);
    }
    if (!rc && r < 0) rc = err->rc ? err->rc : YB_E_INVALID;
    return rc;
}

static yb_rc read_balances(batch *b, inputs *in, yb_extsort *bs, yb_err *err) {
    (void)b;
    yb_csv *c = in->bal;
    yb_rc rc = YB_OK;
    int r;
    char buf[sizeof(bhead) + sizeof(yb_err)];
    while (!rc && (r = yb_csv_next(c, err)) == 1) {
        const char *psn, *it;
        yb_err e;
        yb_err_clear(&e);
        bhead h;
        memset(&h, 0, sizeof h);
        h.line = yb_csv_line(c);
        h.bad = yb_balc_read(&in->bm, c, &psn, &it, &h.balc, &e) != YB_OK;
        size_t o = 0;
        memcpy(buf, &h, sizeof h), o += sizeof h;
        if (h.bad) memcpy(buf + o, &e, sizeof e), o += sizeof e;
        yb_extsort_key k;
        yb_extsort_key_person(&k, psn);
        yb_extsort_key_add(&k, it);
        rc = yb_extsort_add(bs, k.b, k.n, buf, (uint32_t)o, err);
    }
    if (!rc && r < 0) rc = err->rc ? err->rc : YB_E_INVALID;
    return rc;
}

/* Collect the mdtrt_ids that appear more than once (the ids stream is sorted by mdtrt_id). */
static yb_rc find_dups(batch *b, yb_extsort *ids, yb_err *err) {
    size_t cap = 0;
    const rec *r;
    char prev[72] = "";
    size_t count = 0;
    int have = 0;
    for (;;) {
        r = yb_extsort_peek(ids);
        char cur[72] = "";
        if (r) snprintf(cur, sizeof cur, "%.*s", (int)r->keylen, r->b);
        if (have && (!r || strcmp(cur, prev))) {
            if (count > 1) {
                yb_rc rc = grow((void **)&b->dups, &cap, b->ndups + 1, sizeof *b->dups, err);
                if (rc) return rc;
                char *id = strdup(prev);
                if (!id) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
                b->dups[b->ndups++] = (dup_id){id, count};
            }
            count = 0;
        }
        if (!r) break;
        memcpy(prev, cur, sizeof prev);
        have = 1;
        count++;
        yb_rc rc = yb_extsort_next(ids, err);
        if (rc) return rc;
    }
    /* the ids sort compares bytes, the look-up uses strcmp: sort again by strcmp to be sure */
    if (b->ndups > 1) qsort(b->dups, b->ndups, sizeof *b->dups, dup_sort_cmp);
    return YB_OK;
}

/* ------------------------------------------------------------------ driver */

/* Take the records of one person from the three streams into the batch; `who` is a copy of the
 * person key (H psn_no). */
static yb_rc collect_person(batch *b, yb_extsort *vs, yb_extsort *ls, yb_extsort *bs, const rec *who, yb_err *err) {
    b->pa_used = 0;
    b->nv = b->nl = b->nbal = b->nacc = 0;
    const rec *r;
    yb_rc rc;
    while ((r = yb_extsort_peek(vs)) && !yb_extsort_person_cmp(r, who)) {
        if ((rc = grow((void **)&b->voff, &b->vcap, b->nv + 1, sizeof *b->voff, err))) return rc;
        size_t at = pa_put(b, r);
        if (at == SIZE_MAX) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        b->voff[b->nv++] = at;
        if ((rc = yb_extsort_next(vs, err))) return rc;
    }
    while ((r = yb_extsort_peek(ls)) && !yb_extsort_person_cmp(r, who)) {
        if ((rc = grow((void **)&b->loff, &b->lcap, b->nl + 1, sizeof *b->loff, err))) return rc;
        size_t at = pa_put(b, r);
        if (at == SIZE_MAX) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        b->loff[b->nl++] = at;
        if ((rc = yb_extsort_next(ls, err))) return rc;
    }
    /* balances: skip those of persons without visits or lines, take this person's */
    while ((r = yb_extsort_peek(bs)) && yb_extsort_person_cmp(r, who) <= 0) {
        if (!yb_extsort_person_cmp(r, who)) {
            bhead h;
            memcpy(&h, r->b + r->keylen, sizeof h);
            size_t n;
            const char *it = yb_extsort_key_field(r->b, r->keylen, 1, &n);
            char insutype[8];
            snprintf(insutype, sizeof insutype, "%.*s", (int)n, it);
            bal_slot *sl = bal_for(b, insutype);
            if (sl) {
                if (!sl->state) sl->state = 2; /* given twice: which one is right is unknown */
            } else {
                if ((rc = grow((void **)&b->bal, &b->balcap, b->nbal + 1, sizeof *b->bal, err))) return rc;
                sl = &b->bal[b->nbal++];
                memset(sl, 0, sizeof *sl);
                memcpy(sl->insutype, insutype, sizeof insutype);
                sl->balc = h.balc;
                sl->line = h.line;
                if (h.bad) {
                    sl->state = 1;
                    memcpy(&sl->err, r->b + r->keylen + sizeof h, sizeof sl->err);
                }
            }
        }
        if ((rc = yb_extsort_next(bs, err))) return rc;
    }
    return YB_OK;
}

/* An output under a temporary name beside it (renamed into place at the end), or — when the path
 * exists and is not a regular file (/dev/stdout, a pipe) — the path itself, with tmp left "". */
static FILE *open_tmp(const char *final, char *tmp, size_t cap, yb_err *err) {
    struct stat sb;
    if (!stat(final, &sb) && !S_ISREG(sb.st_mode)) {
        tmp[0] = '\0';
        FILE *f = fopen(final, "w");
        if (!f) {
            yb_err_set(err, YB_E_IO, NULL, NULL, "cannot write: %s", strerror(errno));
            yb_err_at(err, final, 0);
        }
        return f;
    }
    snprintf(tmp, cap, "%s.tmp%ld", final, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        yb_err_set(err, YB_E_IO, NULL, NULL, "cannot write: %s", strerror(errno));
        yb_err_at(err, final, 0);
        tmp[0] = '\0';
    }
    return f;
}

static yb_rc open_input(const char *path, yb_csv **c, yb_err *err) { return path ? yb_csv_open(path, c, err) : YB_OK; }

yb_rc yb_batch_settle(const yb_refdata *rd, const yb_batch_opts *o, yb_batch_stats *st, yb_err *err) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(st, 0, sizeof *st);
    batch b;
    memset(&b, 0, sizeof b);
    b.rd = rd;
    b.o = o;
    b.st = st;
    inputs in;
    memset(&in, 0, sizeof in);
    yb_extsort *vs = NULL, *ls = NULL, *bs = NULL, *ids = NULL;
    char tout[600] = "", tdet[600] = "", trej[600] = "", dir[512] = "";
    yb_extsort_stats sst = {0, 0, 0}; /* open run files, their peak, runs made */
    const char *hdr[YB_CSV_MAX_FIELDS];

    /* 1. every input's header, before anything is written */
    if (!o->mdtrt_path || !o->fee_path || !o->out_path)
        return yb_err_set(err, YB_E_USAGE, NULL, NULL, "mdtrt_d, fee_list_d and setl_d paths are required");
    yb_rc rc = open_input(o->mdtrt_path, &in.md, err);
    if (!rc) rc = yb_mdtrt_map_init(&in.mm, in.md, err);
    if (!rc) rc = open_input(o->fee_path, &in.fee, err);
    if (!rc) rc = yb_fee_map_init(&in.fm, in.fee, err);
    if (!rc) rc = open_input(o->acct_path, &in.bal, err);
    if (!rc && in.bal) rc = yb_balc_map_init(&in.bm, in.bal, err);

    /* 2. outputs under temporary names, the sorters */
    if (!rc && !(b.out = open_tmp(o->out_path, tout, sizeof tout, err))) rc = YB_E_IO;
    if (!rc && o->detail_path && !(b.detail = open_tmp(o->detail_path, tdet, sizeof tdet, err))) rc = YB_E_IO;
    if (!rc && o->rejects_path && !(b.rejects = open_tmp(o->rejects_path, trej, sizeof trej, err))) rc = YB_E_IO;
    if (!rc) {
        size_t nh = yb_csv_ncols(in.md);
        for (size_t i = 0; i < nh; i++) hdr[i] = yb_csv_header(in.md, i);
        b.w = yb_setl_writer_new(b.out, hdr, nh);
        b.pass = calloc(yb_setl_d_ncolumns, sizeof *b.pass);
        if (!b.w || !b.pass) rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    }
    if (!rc) {
        yb_setl_write_header(b.w);
        if (b.detail) yb_setldetail_write_header(b.detail);
        if (b.rejects) {
            static const char *const h[] = {"file", "line", "mdtrt_id", "psn_no", "field", "value", "rc", "message"};
            yb_csv_put_row(b.rejects, h, 8);
        }
        const char *tmpdir = o->tmpdir ? o->tmpdir : getenv("TMPDIR");
        if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
        snprintf(dir, sizeof dir, "%s/yibao-batch-XXXXXX", tmpdir);
        if (!mkdtemp(dir)) {
            dir[0] = '\0';
            rc = yb_err_set(err, YB_E_IO, "tmpdir", tmpdir, "cannot create a temporary directory: %s", strerror(errno));
        }
    }
    /* run memory: visits 3/8, lines 1/2, balances and ids 1/16 each */
    size_t mem = o->run_bytes ? o->run_bytes : (size_t)64 << 20;
    if (!rc && o->rules && !(b.audit = yb__batch_audit_new(o->rules)))
        rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    if (!rc) rc = yb_extsort_new(mem / 8 * 3, dir, &sst, &vs, err);
    if (!rc) rc = yb_extsort_new(mem / 2, dir, &sst, &ls, err);
    if (!rc) rc = yb_extsort_new(in.bal ? mem / 16 : 4096, dir, &sst, &bs, err);
    if (!rc) rc = yb_extsort_new(mem / 16, dir, &sst, &ids, err);

    /* 3. read each table once, sort */
    if (!rc) rc = read_visits(&b, &in, vs, ids, err);
    if (!rc) rc = read_lines(&b, &in, ls, err);
    if (!rc && in.bal) rc = read_balances(&b, &in, bs, err);
    yb_csv_close(in.md);
    yb_csv_close(in.fee);
    yb_csv_close(in.bal);
    if (!rc) rc = yb_extsort_finish(ids, err);
    if (!rc) rc = find_dups(&b, ids, err);
    yb_extsort_free(ids);
    ids = NULL;
    if (!rc) rc = yb_extsort_finish(vs, err);
    if (!rc) rc = yb_extsort_finish(ls, err);
    if (!rc) rc = yb_extsort_finish(bs, err);

    /* 4. merge-join by person, settle */
    rec *who = NULL;
    size_t whocap = 0;
    while (!rc) {
        const rec *hv = yb_extsort_peek(vs), *hl = yb_extsort_peek(ls);
        if (!hv && !hl) break;
        const rec *pick = !hv ? hl : !hl ? hv : yb_extsort_person_cmp(hv, hl) <= 0 ? hv : hl;
        size_t pn = yb_extsort_person_len(pick);
        if (sizeof(rec) + pn > whocap) {
            rec *nw = realloc(who, sizeof(rec) + pn);
            if (!nw) {
                rc = yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
                break;
            }
            who = nw;
            whocap = sizeof(rec) + pn;
        }
        who->len = who->keylen = (uint32_t)pn;
        memcpy(who->b, pick->b, pn);
        st->persons++;
        rc = collect_person(&b, vs, ls, bs, who, err);
        if (!rc) rc = settle_person(&b, err);
    }
    free(who);

    /* 5. outputs into place, or away */
    st->runs = sst.runs;
    st->peak_run_files = sst.peak_files;
    if (b.audit) {
        const yb__batch_audit_stats *as = yb__batch_audit_stats_of(b.audit);
        st->audit_hits = as->hits;
        st->audit_deny_hits = as->deny_hits;
        st->audit_review_visits = as->review_visits;
        st->denied_lines = as->denied_lines;
        st->denied_amt = as->denied_amt;
    }
    /* setl_d is renamed last: when it is there, so are the others */
    FILE *fs[3] = {b.detail, b.rejects, b.out};
    const char *tmps[3] = {tdet, trej, tout}, *finals[3] = {o->detail_path, o->rejects_path, o->out_path};
    for (int i = 0; i < 3; i++) {
        if (!fs[i]) continue;
        int bad = fflush(fs[i]) || ferror(fs[i]);
        if ((fclose(fs[i]) || bad) && !rc) {
            rc = yb_err_set(err, YB_E_IO, NULL, NULL, "write failed (disk full?)");
            yb_err_at(err, finals[i], 0);
        }
    }
    for (int i = 0; i < 3 && !rc; i++)
        if (fs[i] && tmps[i][0] && rename(tmps[i], finals[i])) {
            rc = yb_err_set(err, YB_E_IO, NULL, NULL, "cannot rename the output into place: %s", strerror(errno));
            yb_err_at(err, finals[i], 0);
        }
    if (rc)
        for (int i = 0; i < 3; i++)
            if (tmps[i][0]) unlink(tmps[i]);
    yb_extsort_free(vs);
    yb_extsort_free(ls);
    yb_extsort_free(bs);
    yb_extsort_free(ids);
    if (dir[0]) rmdir(dir);
    yb_setl_writer_free(b.w);
    free(b.pass);
    free(b.pa);
    free(b.voff);
    free(b.loff);
    free(b.lines);
    free(b.groups);
    free(b.acc);
    free(b.bal);
    free(b.vlines);
    free(b.splits);
    free(b.orig);
    yb__batch_audit_free(b.audit);
    for (size_t i = 0; i < b.ndups; i++) free(b.dups[i].id);
    free(b.dups);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    st->elapsed_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return rc;
}
