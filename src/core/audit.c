/*
 * audit.c — running a rule set over visits: the auditor (per-thread caches and scratch), the
 * per-person history, hit building and delivery, deny marking.
 *
 * Promises: one hash lookup per line for its rule memberships (a cache per auditor when the set
 * matches by code prefix or material name); no allocation per line once the scratch arrays have
 * grown; grouping by sorting only the lines that some rule concerns; every amount exact in fen.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit_eng.h"

/* ------------------------------------------------------------------ growth */

/* ------------------------------------------------------------------ history */

yb_audit_history *yb_audit_history_new(void) {
    yb_audit_history *h = calloc(1, sizeof *h);
    if (h) h->gen = 1;
    return h;
}

void yb_audit_history_reset(yb_audit_history *h) {
    if (!h) return;
    h->n_slot = 0;
    h->n_ev = 0;
    h->n_vis = 0;
    if (++h->gen == 0) {   /* generation wrapped: clear the stamps for real */
        if (h->tab) memset(h->tab, 0, h->tcap * sizeof *h->tab);
        h->gen = 1;
    }
}

static void hist_release(yb_audit_history *h) {
    free(h->slot);
    free(h->tab);
    free(h->ev);
    free(h->vis);
}

void yb_audit_history_free(yb_audit_history *h) {
    if (!h) return;
    hist_release(h);
    free(h);
}

size_t yb_audit_history_bytes(const yb_audit_history *h) {
    if (!h) return 0;
    return h->cap_slot * sizeof *h->slot + h->tcap * sizeof *h->tab + h->cap_ev * sizeof *h->ev +
           h->cap_vis * sizeof *h->vis;
}

static uint64_t slot_hash(uint64_t k1, uint64_t k2) {
    uint64_t x = k1 * 0x9E3779B97F4A7C15ULL ^ (k2 + 0x632BE59BD9B4E019ULL) * 0xC2B2AE3D27D4EB4FULL;
    x ^= x >> 31;
    return x;
}

static int hist_rehash(yb_audit_history *h, size_t ncap) {
    h_tab *t = calloc(ncap, sizeof *t);
    if (!t) return 0;
    for (size_t i = 0; i < h->n_slot; i++) {
        size_t j = slot_hash(h->slot[i].k1, h->slot[i].k2) & (ncap - 1);
        while (t[j].gen == h->gen) j = (j + 1) & (ncap - 1);
        t[j].gen = h->gen;
        t[j].idx = (uint32_t)i;
    }
    free(h->tab);
    h->tab = t;
    h->tcap = ncap;
    return 1;
}

h_slot *yb__hist_slot(yb_audit_history *h, uint64_t k1, uint64_t k2) {
    if ((h->n_slot + 1) * 2 > h->tcap && !hist_rehash(h, h->tcap ? h->tcap * 2 : 64)) return NULL;
    size_t mask = h->tcap - 1;
    size_t j = slot_hash(k1, k2) & mask;
    while (h->tab[j].gen == h->gen) {
        h_slot *s = &h->slot[h->tab[j].idx];
        if (s->k1 == k1 && s->k2 == k2) return s;
        j = (j + 1) & mask;
    }
    if (!yb__grow((void **)&h->slot, &h->cap_slot, h->n_slot + 1, sizeof *h->slot)) return NULL;
    h_slot *s = &h->slot[h->n_slot];
    memset(s, 0, sizeof *s);
    s->k1 = k1;
    s->k2 = k2;
    s->last = -1;
    s->monotonic = 1;
    s->last_date = YB_DATE_NONE;
    s->first = s->last_paid = s->last_seen = YB_DATE_NONE;
    s->start = s->cov_end = s->nth = YB_DATE_NONE;
    h->tab[j].gen = h->gen;
    h->tab[j].idx = (uint32_t)h->n_slot++;
    return s;
}

yb_rc yb__hist_event(yb_audit_history *h, size_t si, uint32_t visit, uint32_t line, yb_date date,
                     yb_datetime t, yb_qty qty, yb_fen amt, const char *sn) {
    if (h->n_ev >= INT32_MAX) return YB_E_LIMIT;
    if (!yb__grow((void **)&h->ev, &h->cap_ev, h->n_ev + 1, sizeof *h->ev)) return YB_E_NOMEM;
    h_slot *s = &h->slot[si];
    h_ev *e = &h->ev[h->n_ev];
    e->prev = s->last;
    e->visit = visit;
    e->line = line;
    e->date = date;
    e->t = t;
    e->qty = qty;
    e->amt = amt;
    size_t n = strlen(sn);
    if (n >= sizeof e->sn) n = sizeof e->sn - 1;
    memcpy(e->sn, sn, n);
    e->sn[n] = '\0';
    if (s->last_date != YB_DATE_NONE && date < s->last_date) s->monotonic = 0;
    if (s->last_date == YB_DATE_NONE || date > s->last_date) s->last_date = date;
    s->last = (int32_t)h->n_ev++;
    return YB_OK;
}

/* ------------------------------------------------------------------ auditor */

yb_rc yb_auditor_new(const yb_audit_ruleset *rs, yb_auditor **out) {
    *out = NULL;
    yb_auditor *a = calloc(1, sizeof *a);
    if (!a) return YB_E_NOMEM;
    a->rs = rs;
    size_t n = rs->n_rules ? rs->n_rules : 1;
    a->enabled = malloc(n);
    a->last_line = calloc(n, sizeof *a->last_line);
    a->visit_rules = calloc(n, sizeof *a->visit_rules);
    if (!a->enabled || !a->last_line || !a->visit_rules) {
        yb_auditor_free(a);
        return YB_E_NOMEM;
    }
    a->scratch.gen = 1;
    if (yb_auditor_select(a, NULL, NULL) != YB_OK) {
        yb_auditor_free(a);
        return YB_E_NOMEM;
    }
    *out = a;
    return YB_OK;
}

static void cache_release(au_cache *c) {
    free(c->e);
    free(c->slot);
    free(c->mem);
    yb__arena_free(&c->arena);
    memset(c, 0, sizeof *c);
}

void yb_auditor_free(yb_auditor *a) {
    if (!a) return;
    free(a->enabled);
    free(a->last_line);
    free(a->visit_rules);
    cache_release(&a->codes);
    cache_release(&a->names);
    free(a->eff);
    free(a->effamt);
    free(a->t);
    free(a->date);
    free(a->skip);
    free(a->vq);
    free(a->va);
    free(a->stamp);
    free(a->snslot);
    free(a->ents);
    free(a->tmp);
    free(a->sub);
    free(a->q64);
    free(a->match);
    free(a->idx);
    free(a->refs);
    hist_release(&a->scratch);
    free(a);
}

static int visit_kind(yb_audit_kind k) {
    return k == YB_AK_READMISSION || k == YB_AK_LOW_ADMISSION || k == YB_AK_BED_DAYS;
}

yb_rc yb_auditor_select(yb_auditor *a, const char *ids, yb_err *err) {
    const yb_audit_ruleset *rs = a->rs;
    if (!ids || !*ids) {
        memset(a->enabled, 1, rs->n_rules ? rs->n_rules : 1);
    } else {
        memset(a->enabled, 0, rs->n_rules ? rs->n_rules : 1);
        const char *p = ids;
        while (*p) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            while (len && *p == ' ') p++, len--;
            while (len && p[len - 1] == ' ') len--;
            int any = 0;
            for (size_t i = 0; i < rs->n_rules; i++) {
                const yb_audit_rule_info *ri = &rs->rules[i].info;
                if ((strlen(ri->id) == len && !memcmp(ri->id, p, len)) ||
                    (strlen(ri->rule_id) == len && !memcmp(ri->rule_id, p, len))) {
                    a->enabled[i] = 1;
                    any = 1;
                }
            }
            if (!any && len) {
                char buf[64];
                snprintf(buf, sizeof buf, "%.*s", (int)(len < 60 ? len : 60), p);
                return yb_err_set(err, YB_E_NOTFOUND, "rule_ids", buf, "no rule with this id in the rule set");
            }
            if (!e) break;
            p = e + 1;
        }
    }
    a->n_visit_rules = 0;
    for (size_t i = 0; i < rs->n_rules; i++)
        if (a->enabled[i] && visit_kind(rs->rules[i].info.kind)) a->visit_rules[a->n_visit_rules++] = (uint32_t)i;
    return YB_OK;
}

/* ------------------------------------------------------------------ membership lookup */

#define CACHE_MAX (1u << 20)   /* distinct codes (or names) cached per auditor before a reset */

static void cache_clear(au_cache *c) {
    if (c->slot) memset(c->slot, 0, c->cap * sizeof *c->slot);
    c->n = 0;
    c->n_mem = 0;
    yb__arena_free(&c->arena);
}

/* Equal keys of n bytes, compared 8 bytes at a time (codes are 11..23 bytes). */
static inline int key_eq(const char *a, const char *b, size_t n) {
    for (; n >= 8; a += 8, b += 8, n -= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y) return 0;
    }
    while (n--)
        if (*a++ != *b++) return 0;
    return 1;
}

static const au_centry *cache_find(const au_cache *c, const char *s, size_t n, uint64_t h) {
    if (!c->cap) return NULL;
    size_t mask = c->cap - 1;
    uint64_t fp = h >> 32;
    for (size_t j = h & mask;; j = (j + 1) & mask) {
        uint64_t v = c->slot[j];
        if (!v) return NULL;
        if (v >> 32 != fp) continue;   /* most misses end here without touching the entry */
        const au_centry *e = &c->e[(uint32_t)v - 1];
        if (e->len == n && key_eq(n < AU_KEY_INLINE ? e->k : e->s, s, n)) return e;
    }
}

static void slot_set(au_cache *c, uint64_t h, uint32_t idx1) {
    size_t j = h & (c->cap - 1);
    while (c->slot[j]) j = (j + 1) & (c->cap - 1);
    c->slot[j] = (h >> 32) << 32 | idx1;
}

/* Insert s with the memberships in c->mem[off, n_mem). */
static const au_centry *cache_put(au_cache *c, const char *s, size_t n, uint64_t h, size_t off) {
    if ((c->n + 1) * 2 > c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 1024;
        uint64_t *sl = calloc(ncap, sizeof *sl);
        if (!sl) return NULL;
        free(c->slot);
        c->slot = sl;
        c->cap = ncap;
        for (size_t i = 0; i < c->n; i++) slot_set(c, c->e[i].hash, (uint32_t)i + 1);
    }
    size_t ecap = c->cap / 2;
    au_centry *ne = realloc(c->e, ecap * sizeof *ne);
    if (!ne) return NULL;
    c->e = ne;
    au_centry *e = &c->e[c->n];
    if (n < AU_KEY_INLINE) {
        memcpy(e->k, s, n);
        e->k[n] = '\0';
        e->s = NULL;   /* not a pointer to k: the entries move when they grow */
    } else if (!(e->s = yb__arena_strndup(&c->arena, s, n))) {
        return NULL;
    }
    e->len = (uint32_t)n;
    e->hash = h;
    e->off = (uint32_t)off;
    e->n = (uint32_t)(c->n_mem - off);
    slot_set(c, h, (uint32_t)++c->n);
    return e;
}

static int cache_push(au_cache *c, const ar_mem *m, size_t n) {
    if (!n) return 1;
    if (!yb__grow((void **)&c->mem, &c->cap_mem, c->n_mem + n, sizeof *c->mem)) return 0;
    memcpy(c->mem + c->n_mem, m, n * sizeof *m);
    c->n_mem += n;
    return 1;
}

/* Memberships of a code: exact entry, plus every prefix entry (cached when the set has any). */
static yb_rc code_mems(yb_auditor *a, const char *code, const ar_mem **mems, size_t *n) {
    const yb_audit_ruleset *rs = a->rs;
    size_t len = strnlen(code, YB_CODE_MAX);
    uint64_t h = yb__hash(code, len);
    if (!rs->prefix.n) {
        const ar_code *c = yb__index_find(&rs->exact, code, len, h);
        *mems = c ? rs->mems + c->mem_off : NULL;
        *n = c ? c->n_mem : 0;
        return YB_OK;
    }
    au_cache *cc = &a->codes;
    const au_centry *e = cache_find(cc, code, len, h);
    if (!e) {
        if (cc->n >= CACHE_MAX) cache_clear(cc);
        size_t off = cc->n_mem;
        const ar_code *c = yb__index_find(&rs->exact, code, len, h);
        if (c && !cache_push(cc, rs->mems + c->mem_off, c->n_mem)) return YB_E_NOMEM;
        for (size_t k = 0; k < rs->prefix.n_lens; k++) {
            size_t L = rs->prefix.lens[k];
            if (L > len) break;
            const ar_code *p = yb__index_find(&rs->prefix, code, L, yb__hash(code, L));
            if (p && !cache_push(cc, rs->mems + p->mem_off, p->n_mem)) return YB_E_NOMEM;
        }
        e = cache_put(cc, code, len, h, off);
        if (!e) return YB_E_NOMEM;
    }
    *mems = e->n ? cc->mem + e->off : NULL;
    *n = e->n;
    return YB_OK;
}

/* Memberships of a material line by its name (rules on the bare class C). */
#define NAME_KEY_MAX 512
static yb_rc name_mems(yb_auditor *a, const char *name, const ar_mem **mems, size_t *n) {
    const yb_audit_ruleset *rs = a->rs;
    size_t len = strnlen(name, NAME_KEY_MAX);
    uint64_t h = yb__hash(name, len);
    au_cache *nc = &a->names;
    const au_centry *e = cache_find(nc, name, len, h);
    if (!e) {
        if (nc->n >= CACHE_MAX) cache_clear(nc);
        size_t off = nc->n_mem;
        char key[NAME_KEY_MAX + 1];
        memcpy(key, name, len);
        key[len] = '\0';
        for (size_t i = 0; i < rs->n_names; i++)
            if (strstr(key, rs->names[i].frag) && !cache_push(nc, &rs->names[i].mem, 1)) return YB_E_NOMEM;
        e = cache_put(nc, name, len, h, off);
        if (!e) return YB_E_NOMEM;
    }
    *mems = e->n ? nc->mem + e->off : NULL;
    *n = e->n;
    return YB_OK;
}

/* ------------------------------------------------------------------ line filter */

static int any_enabled(const yb_auditor *a, const ar_mem *m, size_t n) {
    for (size_t k = 0; k < n; k++)
        if (a->enabled[m[k].rule]) return 1;
    return 0;
}

int yb_auditor_line_relevant(yb_auditor *a, const char *code, const char *name) {
    const ar_mem *m;
    size_t n;
    if (code_mems(a, code, &m, &n)) return -1;
    if (any_enabled(a, m, n)) return 1;
    if (a->rs->n_names && (code[0] == 'C' || code[0] == 'c') && name && *name) {
        if (name_mems(a, name, &m, &n)) return -1;
        if (any_enabled(a, m, n)) return 1;
    }
    return 0;
}

int yb_auditor_wants_all_lines(const yb_auditor *a, const yb_audit_visit *v) {
    const yb_audit_ruleset *rs = a->rs;
    for (size_t k = 0; k < a->n_visit_rules; k++) {
        const ar_rule *r = &rs->rules[a->visit_rules[k]];
        if (r->info.kind != YB_AK_LOW_ADMISSION) continue;
        if (!v) return 1;
        /* the conditions v_low_admission checks before it reads the lines */
        if (!yb__is_inpatient(r, v->visit.med_type) || v->visit.begntime == YB_DATETIME_NONE) continue;
        if (yb_datetime_date(v->visit.begntime) < r->info.effective) continue;
        int los = yb__stay_days(v);
        if (los >= 0 && los <= r->max_days) return 1;
    }
    return 0;
}

int yb_auditor_reads_diags(const yb_auditor *a) {
    const yb_audit_ruleset *rs = a->rs;
    for (size_t i = 0; i < rs->n_rules; i++) {
        if (!a->enabled[i]) continue;
        const ar_rule *r = &rs->rules[i];
        switch (r->info.kind) {
        case YB_AK_INDICATION:
        case YB_AK_READMISSION:
            return 1;
        case YB_AK_COURSE:   /* g_course keys a course by the main diagnosis on these rows */
            for (size_t k = 0; k < r->n_rows; k++)
                if (r->rows[k].c & AR_COURSE_EPISODE) return 1;
            break;
        default:
            break;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ helpers for kinds */

int yb__is_inpatient(const ar_rule *r, const char *mt) {
    const char *p = r->inpatient_prefix;
    while (p && *p) {
        const char *e = strchr(p, '|');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len && !strncmp(mt, p, len)) return 1;
        if (!e) break;
        p = e + 1;
    }
    return yb__list_has(r->inpatient_med_types, mt);
}

int yb__stay_days(const yb_audit_visit *v) {
    if (v->visit.begntime != YB_DATETIME_NONE && v->visit.endtime != YB_DATETIME_NONE) {
        int d = (int)(yb_datetime_date(v->visit.endtime) - yb_datetime_date(v->visit.begntime));
        return d >= 0 ? d : -1;
    }
    return v->ipt_days > 0 ? v->ipt_days : -1;
}

const char *yb__main_diag(const yb_audit_visit *v) {
    for (size_t i = 0; i < v->n_diags; i++)
        if (v->diags[i].main) return v->diags[i].code;
    return v->n_diags ? v->diags[0].code : "";
}

int64_t yb__period(yb_date d, int period) {
    int y, m, dd;
    switch (period) {
    case AR_WEEK:
        /* 1970-01-01 was a Thursday; weeks start on Monday (1969-12-29 = day -3) */
        return (d + 3) >= 0 ? (d + 3) / 7 : -((-(d + 3) + 6) / 7);
    case AR_MONTH:
        yb_date_ymd(d, &y, &m, &dd);
        return (int64_t)y * 12 + m;
    case AR_YEAR:
        return yb_date_year(d);
    default:
        return d;
    }
}

yb_rc yb__part_amt(yb_auditor *a, size_t i, yb_qty q, yb_fen *out) {
    if (q == a->eff[i]) {
        *out = a->effamt[i];
        return YB_OK;
    }
    return yb_fen_of_qty_price(q, a->v->lines[i].line.pric, out);
}

const char *yb__qfmt(yb_qty q, char *buf) {
    yb_qty_fmt(q, buf);
    char *dot = strchr(buf, '.');
    if (dot) {
        char *e = buf + strlen(buf) - 1;
        while (e > dot && *e == '0') *e-- = '\0';
        if (e == dot) *e = '\0';
    }
    return buf;
}

const char *yb__show_name(const yb_auditor *a, const ar_row *row, size_t i) {
    if (row && row->name && *row->name) return row->name;
    const yb_audit_line *l = &a->v->lines[i];
    if (l->name && *l->name) return l->name;
    return l->line.med_list_codg;
}

/* ------------------------------------------------------------------ hits */

void yb__hit_reset(yb_auditor *a) {
    a->n_refs = 0;
    a->n_involved = 0;
    a->hit.vola_cont[0] = '\0';
    a->hit.vola_evid[0] = '\0';
}

/* src cut to cap - 1 bytes (as snprintf "%s" would), NUL-terminated */
static void copy_cut(char *dst, size_t cap, const char *src) {
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Copy an id into a YB_ID_MAX buffer (truncating). */
static void copy_id(char *dst, const char *src) { copy_cut(dst, YB_ID_MAX, src); }

static yb_rc push_ref(yb_auditor *a, const char *mdtrt, const char *sn, size_t line, int type, yb_qty q, yb_fen amt) {
    if (type == 2) {
        if (a->n_involved >= YB__INVOLVED_MAX) return YB_OK;
        a->n_involved++;
    }
    if (!yb__grow((void **)&a->refs, &a->cap_refs, a->n_refs + 1, sizeof *a->refs)) return YB_E_NOMEM;
    yb_audit_ref *r = &a->refs[a->n_refs++];
    copy_id(r->mdtrt_id, mdtrt);
    copy_id(r->feedetl_sn, sn);
    r->item_type = type;
    r->line = line;
    r->vola_qty = type == 1 ? q : 0;
    r->vola_amt = type == 1 ? amt : 0;
    return YB_OK;
}

yb_rc yb__ref_line(yb_auditor *a, size_t i, int type, yb_qty q, yb_fen amt) {
    return push_ref(a, a->v->visit.mdtrt_id, a->v->lines[i].line.feedetl_sn, i, type, q, amt);
}

yb_rc yb__ref_event(yb_auditor *a, const h_ev *e, int type) {
    const yb_audit_history *h = a->h;
    size_t line = e->visit == a->cur ? e->line : SIZE_MAX;
    return push_ref(a, h->vis[e->visit].mdtrt_id, e->sn, line, type, 0, 0);
}

/* snprintf into buf, never leaving half a UTF-8 character when truncated. */
static void vfmt_utf8(char *buf, size_t cap, const char *fmt, va_list ap) {
    int n = vsnprintf(buf, cap, fmt, ap);
    if (n >= 0 && (size_t)n >= cap) {
        size_t e = cap - 1;
        while (e > 0 && ((unsigned char)buf[e] & 0xC0) == 0x80) e--;
        /* buf[e] is a lead byte (or ASCII): drop it when its sequence was cut */
        unsigned char c = (unsigned char)buf[e];
        size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (e + need > cap - 1) buf[e] = '\0';
    }
}

void yb__cont(yb_auditor *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfmt_utf8(a->hit.vola_cont, sizeof a->hit.vola_cont, fmt, ap);
    va_end(ap);
}

void yb__evid(yb_auditor *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfmt_utf8(a->hit.vola_evid, sizeof a->hit.vola_evid, fmt, ap);
    va_end(ap);
}

yb_rc yb__emit(yb_auditor *a, const ar_rule *r, int stas, int sev) {
    yb_audit_hit *hit = &a->hit;
    hit->rule = &r->info;
    hit->rule_id = r->info.rule_id;
    hit->rule_name = r->info.name;
    hit->sev_deg = sev ? sev : r->info.sev_deg;
    hit->vola_bhvr_type = r->info.vola_bhvr_type;
    hit->effect = r->info.effect;
    hit->vola_amt_stas = stas;
    copy_id(hit->mdtrt_id, a->v->visit.mdtrt_id);
    copy_id(hit->psn_no, a->v->person.psn_no);
    /* violating refs first, in the order they were added, then involved */
    size_t nv = 0;
    for (size_t i = 0; i < a->n_refs; i++)
        if (a->refs[i].item_type == 1) nv++;
    if (nv && nv < a->n_refs) {
        /* stable partition */
        yb_audit_ref tmp;
        for (size_t i = 0, w = 0; i < a->n_refs; i++) {
            if (a->refs[i].item_type != 1) continue;
            if (i != w) {
                tmp = a->refs[i];
                memmove(&a->refs[w + 1], &a->refs[w], (i - w) * sizeof *a->refs);
                a->refs[w] = tmp;
            }
            w++;
        }
    }
    yb_fen sum = 0;
    for (size_t i = 0; i < nv; i++)
        if (yb_add(sum, a->refs[i].vola_amt, &sum) != YB_OK)
            return yb_err_set(a->err, YB_E_OVERFLOW, "vola_amt", NULL, "violating amount overflows");
    hit->vola_amt = sum;
    hit->refs = a->refs;
    hit->n_refs = a->n_refs;
    hit->ref_off = 0;
    yb_rc rc = a->fn ? a->fn(a->ctx, hit) : YB_OK;
    yb__hit_reset(a);
    return rc;
}

/* ------------------------------------------------------------------ sorting entries */

static int ent_cmp(const yb_auditor *a, const au_ent *x, const au_ent *y, int by_row) {
    if (!by_row) {
        if (x->rule != y->rule) return x->rule < y->rule ? -1 : 1;
        if (x->key != y->key) return x->key < y->key ? -1 : 1;
    } else if (x->row != y->row) {
        return x->row < y->row ? -1 : 1;
    }
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    if (x->line != y->line) {
        int c = strcmp(a->v->lines[x->line].line.feedetl_sn, a->v->lines[y->line].line.feedetl_sn);
        if (c) return c;
        return x->line < y->line ? -1 : 1;
    }
    if (x->role != y->role) return x->role < y->role ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

yb_rc yb__sort_ents(yb_auditor *a, au_ent *e, size_t n, int by_row) {
    if (n < 2) return YB_OK;
    /* insertion sort for short runs, then bottom-up merges through a->tmp */
    const size_t RUN = 16;
    for (size_t s = 0; s < n; s += RUN) {
        size_t end = s + RUN < n ? s + RUN : n;
        for (size_t i = s + 1; i < end; i++) {
            au_ent x = e[i];
            size_t j = i;
            while (j > s && ent_cmp(a, &x, &e[j - 1], by_row) < 0) {
                e[j] = e[j - 1];
                j--;
            }
            e[j] = x;
        }
    }
    if (n <= RUN) return YB_OK;
    if (!yb__grow((void **)&a->tmp, &a->cap_tmp, n, sizeof *a->tmp)) return YB_E_NOMEM;
    au_ent *src = e, *dst = a->tmp;
    for (size_t w = RUN; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) dst[k++] = ent_cmp(a, &src[j], &src[i], by_row) < 0 ? src[j++] : src[i++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        au_ent *t = src;
        src = dst;
        dst = t;
    }
    if (src != e) memcpy(e, src, n * sizeof *e);
    return YB_OK;
}

/* ------------------------------------------------------------------ the run */

static yb_rc prepare_lines(yb_auditor *a, const yb_audit_visit *v) {
    size_t n = v->n_lines;
    if (n > (size_t)INT32_MAX) return yb_err_set(a->err, YB_E_LIMIT, "feedetail", NULL, "more than 2^31 lines in one visit");
    if (n > a->cap_lines) {
        size_t cap = a->cap_lines ? a->cap_lines : 64;
        while (cap < n) cap *= 2;
#define RE(p) do { void *q_ = realloc((p), cap * sizeof *(p)); if (!q_) return YB_E_NOMEM; (p) = q_; } while (0)
        RE(a->eff);
        RE(a->effamt);
        RE(a->t);
        RE(a->date);
        RE(a->skip);
        RE(a->vq);
        RE(a->va);
        RE(a->stamp);
#undef RE
        memset(a->stamp, 0, cap * sizeof *a->stamp);
        a->stamp_gen = 0;
        a->cap_lines = cap;
    }
    int links = 0;
    for (size_t i = 0; i < n; i++) {
        const yb_audit_line *l = &v->lines[i];
        a->eff[i] = l->line.cnt;
        a->effamt[i] = l->line.sumamt;
        yb_datetime t = l->line.fee_ocur_time != YB_DATETIME_NONE ? l->line.fee_ocur_time : v->visit.begntime;
        a->t[i] = t;
        a->skip[i] = t == YB_DATETIME_NONE;
        a->date[i] = t == YB_DATETIME_NONE ? YB_DATE_NONE : yb_datetime_date(t);
        if (l->init_feedetl_sn[0] && l->line.cnt < 0) links = 1;
    }
    if (links) {
        /* feedetl_sn -> line, to net each linked refund into the line it reverses */
        size_t cap = 16;
        while (cap < n * 2) cap *= 2;
        if (cap > a->cap_sn) {
            uint32_t *s = realloc(a->snslot, cap * sizeof *s);
            if (!s) return YB_E_NOMEM;
            a->snslot = s;
            a->cap_sn = cap;
        }
        memset(a->snslot, 0, cap * sizeof *a->snslot);
        /* keyed by (feedetl_sn, code): a refund nets only into a line of its own code, so
         * whether a line is netted never depends on lines of codes no rule concerns (the batch
         * reader leaves those out) */
        for (size_t i = 0; i < n; i++) {
            const yb_line *li = &v->lines[i].line;
            if (li->cnt < 0 || !li->feedetl_sn[0]) continue;
            size_t j = yb__hash(li->feedetl_sn, strlen(li->feedetl_sn)) & (cap - 1);
            while (a->snslot[j]) {
                const yb_line *o = &v->lines[a->snslot[j] - 1].line;
                if (!strcmp(o->feedetl_sn, li->feedetl_sn) && !strcmp(o->med_list_codg, li->med_list_codg)) break;
                j = (j + 1) & (cap - 1);
            }
            if (!a->snslot[j]) a->snslot[j] = (uint32_t)i + 1;
        }
        for (size_t i = 0; i < n; i++) {
            const yb_audit_line *l = &v->lines[i];
            if (!l->init_feedetl_sn[0] || l->line.cnt >= 0) continue;
            const char *sn = l->init_feedetl_sn;
            size_t j = yb__hash(sn, strlen(sn)) & (cap - 1);
            while (a->snslot[j]) {
                const yb_line *o = &v->lines[a->snslot[j] - 1].line;
                if (!strcmp(o->feedetl_sn, sn) && !strcmp(o->med_list_codg, l->line.med_list_codg)) break;
                j = (j + 1) & (cap - 1);
            }
            if (!a->snslot[j]) continue;   /* not in this visit (or another code): an unlinked refund */
            size_t o = a->snslot[j] - 1;
            if (yb_add(a->eff[o], a->eff[i], &a->eff[o]) || yb_add(a->effamt[o], a->effamt[i], &a->effamt[o]))
                return yb_err_set(a->err, YB_E_OVERFLOW, "cnt", sn, "refund netting overflows");
            a->eff[i] = 0;
            a->effamt[i] = 0;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!a->eff[i]) a->skip[i] = 1;
    return YB_OK;
}

static uint32_t ent_key(const ar_rule *r, const ar_mem *m) {
    const ar_row *row = &r->rows[m->row];
    switch (r->info.kind) {
    case YB_AK_DUPLICATE:
    case YB_AK_SURCHARGE_QTY:
    case YB_AK_SURCHARGE_MAIN:
        return m->role == AR_ROLE_MAIN ? m->row : row->key2;
    case YB_AK_DRUG_COURSE:
    case YB_AK_PRIMARY_SECONDARY:
        return row->key2;
    default:
        return m->row;
    }
}

static int line_kind(yb_audit_kind k) {
    switch (k) {
    case YB_AK_GENDER: case YB_AK_AGE_BAND: case YB_AK_RETIRE_AGE: case YB_AK_INSUTYPE:
    case YB_AK_MEDTYPE: case YB_AK_HOSPLV: case YB_AK_SPECIALTY: case YB_AK_INDICATION:
    case YB_AK_QUANTITY: case YB_AK_SWAP: case YB_AK_PHANTOM:
        return 1;
    default:
        return 0;
    }
}

static yb_rc visit_mems(yb_auditor *a, size_t i, const ar_mem *m, size_t nm, size_t first) {
    const yb_audit_ruleset *rs = a->rs;
    for (size_t k = 0; k < nm; k++) {
        if (!a->enabled[m[k].rule]) continue;
        const ar_rule *r = &rs->rules[m[k].rule];
        if (a->date[i] < r->info.effective) continue;
        if (line_kind(r->info.kind)) {
            if (a->eff[i] <= 0 || a->last_line[r->idx] == i + 1) continue;
            a->last_line[r->idx] = (uint32_t)(i + 1);
            if (r->info.kind == YB_AK_SPECIALTY || r->info.kind == YB_AK_INDICATION) {
                /* rows of one rule for this line are alternatives: one accepting row clears it */
                int ok = 0;
                for (size_t j = 0; j < nm && !ok; j++)
                    ok = m[j].rule == m[k].rule && yb__line_satisfies(a, r, &r->rows[m[j].row], i);
                if (ok) continue;
            }
            yb_rc rc = yb__kind_line(a, r, &r->rows[m[k].row], i);
            if (rc) return rc;
            continue;
        }
        if (visit_kind(r->info.kind) && r->info.kind != YB_AK_BED_DAYS) continue;
        /* a line reached twice for the same rule row (two prefixes, code and name) counts once */
        int dup = 0;
        for (size_t j = first; j < a->n_ents && !dup; j++)
            dup = a->ents[j].rule == m[k].rule && a->ents[j].row == m[k].row && a->ents[j].role == m[k].role;
        if (dup) continue;
        if (!yb__grow((void **)&a->ents, &a->cap_ents, a->n_ents + 1, sizeof *a->ents)) return YB_E_NOMEM;
        a->ents[a->n_ents++] = (au_ent){m[k].rule, ent_key(r, &m[k]), a->t[i], (uint32_t)i, m[k].row, m[k].role};
    }
    return YB_OK;
}

yb_rc yb_audit_visit_run(yb_auditor *a, yb_audit_history *h, const yb_audit_visit *v, yb_audit_hit_fn fn,
                         void *ctx, yb_err *err) {
    const yb_audit_ruleset *rs = a->rs;
    a->v = v;
    a->fn = fn;
    a->ctx = ctx;
    a->err = err;
    a->n_ents = 0;
    yb__hit_reset(a);
    if (!h) {
        yb_audit_history_reset(&a->scratch);
        h = &a->scratch;
    }
    a->h = h;
    yb_rc rc = prepare_lines(a, v);
    if (rc) return rc == YB_E_NOMEM ? yb_err_set(err, rc, NULL, NULL, "out of memory") : rc;

    /* the visit's record in the history */
    if (!yb__grow((void **)&h->vis, &h->cap_vis, h->n_vis + 1, sizeof *h->vis))
        return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    h_visit *hv = &h->vis[h->n_vis];
    memset(hv, 0, sizeof *hv);
    copy_id(hv->mdtrt_id, v->visit.mdtrt_id);
    copy_cut(hv->fixmedins, sizeof hv->fixmedins, v->visit.fixmedins_code);
    copy_cut(hv->med_type, sizeof hv->med_type, v->visit.med_type);
    copy_cut(hv->diag, sizeof hv->diag, yb__main_diag(v));
    hv->begin = v->visit.begntime == YB_DATETIME_NONE ? YB_DATE_NONE : yb_datetime_date(v->visit.begntime);
    hv->end = v->visit.endtime == YB_DATETIME_NONE ? YB_DATE_NONE : yb_datetime_date(v->visit.endtime);
    hv->stay = v->ipt_days;
    a->cur = (uint32_t)h->n_vis++;

    /* per-line kinds now; entries for the others */
    memset(a->last_line, 0, rs->n_rules * sizeof *a->last_line);
    for (size_t i = 0; i < v->n_lines; i++) {
        if (a->skip[i]) continue;
        const yb_audit_line *l = &v->lines[i];
        const ar_mem *m;
        size_t nm;
        if ((rc = code_mems(a, l->line.med_list_codg, &m, &nm))) goto fail;
        size_t first = a->n_ents;
        if (nm && (rc = visit_mems(a, i, m, nm, first))) goto fail;
        if (rs->n_names && (l->line.med_list_codg[0] == 'C' || l->line.med_list_codg[0] == 'c') && l->name) {
            if ((rc = name_mems(a, l->name, &m, &nm))) goto fail;
            if (nm && (rc = visit_mems(a, i, m, nm, first))) goto fail;
        }
    }
    if ((rc = yb__sort_ents(a, a->ents, a->n_ents, 0))) goto fail;
    for (size_t s = 0; s < a->n_ents;) {
        size_t e = s;
        while (e < a->n_ents && a->ents[e].rule == a->ents[s].rule) e++;
        if ((rc = yb__kind_group(a, &rs->rules[a->ents[s].rule], a->ents + s, e - s))) goto fail;
        s = e;
    }
    for (size_t k = 0; k < a->n_visit_rules; k++) {
        const ar_rule *r = &rs->rules[a->visit_rules[k]];
        if (r->info.kind == YB_AK_BED_DAYS) continue;
        if ((rc = yb__kind_visit(a, r))) goto fail;
    }
    if (h == &a->scratch) yb_audit_history_reset(h);
    return YB_OK;
fail:
    if (h == &a->scratch) yb_audit_history_reset(h);
    if (rc == YB_E_NOMEM) yb_err_set(err, rc, NULL, NULL, "out of memory");
    return rc;
}

/* ------------------------------------------------------------------ deny marking */

void yb_audit_mark_denied(yb_audit_line *lines, size_t n, const yb_audit_hit *hit) {
    if (!hit || hit->effect != YB_AUDIT_DENY) return;
    for (size_t i = 0; i < hit->n_refs; i++) {
        const yb_audit_ref *r = &hit->refs[i];
        if (r->item_type != 1 || r->line >= n || r->vola_qty <= 0) continue;
        yb_audit_line *l = &lines[r->line];
        if (r->vola_qty > l->denied_qty) l->denied_qty = r->vola_qty;
        if (r->vola_amt > l->denied_amt) l->denied_amt = r->vola_amt;
        if (l->denied_qty >= l->line.cnt) {
            l->denied_qty = l->line.cnt;
            l->denied_amt = l->line.sumamt;
            l->line.denied = 1;
        }
    }
}

yb_rc yb_audit_settle_lines(const yb_audit_line *lines, size_t n, yb_line *out, size_t *n_out, yb_err *err) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const yb_audit_line *l = &lines[i];
        out[k] = l->line;
        if (l->line.cnt <= 0 || l->line.denied || l->denied_qty <= 0) {
            k++;
            continue;
        }
        /* partial: the paid rest keeps the serial number, the denied part gets "-D" */
        out[k].cnt = l->line.cnt - l->denied_qty;
        out[k].sumamt = l->line.sumamt - l->denied_amt;
        k++;
        out[k] = l->line;
        size_t sl = strlen(l->line.feedetl_sn);
        if (sl + 3 > sizeof out[k].feedetl_sn)
            return yb_err_set(err, YB_E_LIMIT, "feedetl_sn", l->line.feedetl_sn,
                              "no room for the -D suffix of a denied part (at most %zu characters)",
                              sizeof out[k].feedetl_sn - 3);
        memcpy(out[k].feedetl_sn + sl, "-D", 3);
        out[k].cnt = l->denied_qty;
        out[k].sumamt = l->denied_amt;
        out[k].denied = 1;
        k++;
    }
    *n_out = k;
    return YB_OK;
}

/* ------------------------------------------------------------------ collector */

yb_rc yb_audit_hits_add(void *p, const yb_audit_hit *hit) {
    yb_audit_hits *hs = p;
    if (hs->max && hs->n >= hs->max) return YB_E_LIMIT;
    if (!yb__grow((void **)&hs->hit, &hs->cap, hs->n + 1, sizeof *hs->hit)) return YB_E_NOMEM;
    if (!yb__grow((void **)&hs->ref, &hs->capref, hs->nref + hit->n_refs + 1, sizeof *hs->ref)) return YB_E_NOMEM;
    yb_audit_hit *c = &hs->hit[hs->n++];
    *c = *hit;
    c->ref_off = hs->nref;
    c->refs = NULL;
    if (hit->n_refs) memcpy(hs->ref + hs->nref, hit->refs, hit->n_refs * sizeof *hit->refs);
    hs->nref += hit->n_refs;
    return YB_OK;
}

const yb_audit_ref *yb_audit_hits_refs(const yb_audit_hits *hs, size_t i) {
    return i < hs->n ? hs->ref + hs->hit[i].ref_off : NULL;
}

void yb_audit_hits_clear(yb_audit_hits *hs) {
    hs->n = 0;
    hs->nref = 0;
}

void yb_audit_hits_free(yb_audit_hits *hs) {
    if (!hs) return;
    free(hs->hit);
    free(hs->ref);
    hs->hit = NULL;
    hs->ref = NULL;
    hs->n = hs->cap = hs->nref = hs->capref = 0;
}
