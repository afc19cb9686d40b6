/*
 * catalog.c — catalogue lookup by code, area and date (see include/yibao/catalog.h).
 *
 * Entries live in one growing array in insertion order. A hash table (open addressing, linear
 * probing, power-of-two size) maps each distinct code to the head of a chain of its entries,
 * linked through `next`. A code has few entries (areas x periods), so walking the chain is
 * cheap; a lookup is one hash and a short walk, with no allocation.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yibao/catalog.h"

typedef struct node {
    yb_cat_entry e;
    int32_t next;  /* next entry of the same code, -1 at the end */
} node;

struct yb_catalog {
    node *v;
    size_t n, cap;
    int32_t *slots;  /* index of a code's first entry, -1 empty */
    size_t nslots;   /* power of two, kept at most half full */
    size_t ncodes;
};

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

yb_catalog *yb_catalog_new(void) {
    yb_catalog *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->nslots = 1024;
    c->slots = malloc(c->nslots * sizeof *c->slots);
    if (!c->slots) {
        free(c);
        return NULL;
    }
    memset(c->slots, 0xff, c->nslots * sizeof *c->slots);
    return c;
}

void yb_catalog_free(yb_catalog *c) {
    if (!c) return;
    free(c->v);
    free(c->slots);
    free(c);
}

static size_t find_slot(const yb_catalog *c, const char *code) {
    size_t mask = c->nslots - 1, i = (size_t)hash_str(code) & mask;
    while (c->slots[i] >= 0 && strcmp(c->v[c->slots[i]].e.code, code) != 0) i = (i + 1) & mask;
    return i;
}

static int rehash(yb_catalog *c) {
    size_t ns = c->nslots * 2;
    int32_t *s = malloc(ns * sizeof *s);
    if (!s) return -1;
    memset(s, 0xff, ns * sizeof *s);
    int32_t *old = c->slots;
    size_t oldn = c->nslots;
    c->slots = s;
    c->nslots = ns;
    for (size_t i = 0; i < oldn; i++)
        if (old[i] >= 0) c->slots[find_slot(c, c->v[old[i]].e.code)] = old[i];
    free(old);
    return 0;
}

static int same_area(const char *a, const char *b) { return strcmp(a, b) == 0; }

/* "yyyy-MM-dd", or "open" for the open-ended end date. buf >= 11 bytes. */
static const char *date_text(yb_date d, char *buf) {
    if (d == YB_DATE_MAX) return "open";
    return yb_date_fmt(d, buf);
}

/* A fixed-size text field must hold its NUL inside the array. */
#define TERMINATED(arr) (memchr((arr), '\0', sizeof(arr)) != NULL)

yb_rc yb_catalog_add(yb_catalog *c, const yb_cat_entry *e, yb_err *err) {
    if (!c || !e) return yb_err_set(err, YB_E_INTERNAL, NULL, NULL, "no catalogue or no entry");
    if (!TERMINATED(e->code))
        return yb_err_set(err, YB_E_LIMIT, "med_list_codg", NULL, "code longer than %d characters", YB_CODE_MAX - 1);
    if (!e->code[0]) return yb_err_set(err, YB_E_INVALID, "med_list_codg", "", "empty code");
    if (!TERMINATED(e->admdvs) || !TERMINATED(e->chrgitm_lv) || !TERMINATED(e->name) || !TERMINATED(e->list_type))
        return yb_err_set(err, YB_E_LIMIT, "med_list_codg", e->code, "a text field of the entry is not terminated");
    char b1[16], b2[16];
    if (e->begndate == YB_DATE_NONE || e->enddate == YB_DATE_NONE)
        return yb_err_set(err, YB_E_INVALID, "begndate", e->code, "entry without a validity period");
    if (e->enddate < e->begndate)
        return yb_err_set(err, YB_E_INVALID, "enddate", date_text(e->enddate, b2),
                          "code %s: enddate is before begndate %s", e->code, date_text(e->begndate, b1));
    if (strlen(e->chrgitm_lv) != 2 || e->chrgitm_lv[0] != '0' || e->chrgitm_lv[1] < '1' || e->chrgitm_lv[1] > '4')
        return yb_err_set(err, YB_E_INVALID, "chrgitm_lv", e->chrgitm_lv,
                          "code %s: class must be 01, 02, 03 or 04", e->code);
    if (e->selfpay_prop < 0 || e->selfpay_prop > YB_RATIO_ONE) {
        char r[32];
        return yb_err_set(err, YB_E_INVALID, "selfpay_prop", yb_ratio_fmt(e->selfpay_prop, r),
                          "code %s: share must be within 0..1", e->code);
    }
    for (int k = 1; k <= 3; k++)
        if (e->cap[k] < -1) {
            char pr[32];
            return yb_err_set(err, YB_E_INVALID, "pric_uplmt_amt", yb_price_fmt(e->cap[k], pr),
                              "code %s: negative price cap for class %d", e->code, k);
        }
    if (c->n >= INT32_MAX - 1) return yb_err_set(err, YB_E_LIMIT, NULL, NULL, "catalogue is full (%d entries)", INT32_MAX - 1);
    size_t slot = find_slot(c, e->code);
    int32_t head = c->slots[slot];
    for (int32_t i = head; i >= 0; i = c->v[i].next) {
        const yb_cat_entry *o = &c->v[i].e;
        if (same_area(o->admdvs, e->admdvs) && o->begndate <= e->enddate && e->begndate <= o->enddate) {
            char b3[16], b4[16];
            return yb_err_set(err, YB_E_DUPLICATE, "med_list_codg", e->code,
                              "validity %s..%s overlaps %s..%s of the same code in area %s",
                              date_text(e->begndate, b1), date_text(e->enddate, b2), date_text(o->begndate, b3),
                              date_text(o->enddate, b4), e->admdvs[0] ? e->admdvs : "(all)");
        }
    }
    /* grow the table before a new code goes in, so that it never fills up */
    if (head < 0 && (c->ncodes + 1) * 2 > c->nslots) {
        if (rehash(c)) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        slot = find_slot(c, e->code);
    }
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 256;
        node *nv = realloc(c->v, nc * sizeof *nv);
        if (!nv) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        c->v = nv;
        c->cap = nc;
    }
    int32_t idx = (int32_t)c->n++;
    c->v[idx].e = *e;
    c->v[idx].next = -1;
    if (head < 0) {
        c->slots[slot] = idx;
        c->ncodes++;
    } else {
        int32_t i = head;
        while (c->v[i].next >= 0) i = c->v[i].next;
        c->v[i].next = idx;
    }
    return YB_OK;
}

const yb_cat_entry *yb_catalog_find(const yb_catalog *c, const char *code, const char *admdvs, yb_date on) {
    if (!c || !code || !*code || strlen(code) >= YB_CODE_MAX) return NULL;
    int32_t i = c->slots[find_slot(c, code)];
    const yb_cat_entry *any = NULL;
    for (; i >= 0; i = c->v[i].next) {
        const yb_cat_entry *e = &c->v[i].e;
        if (on < e->begndate || on > e->enddate) continue;
        if (admdvs && e->admdvs[0] && same_area(e->admdvs, admdvs)) return e;
        if (!e->admdvs[0] && !any) any = e;
    }
    return any;
}

size_t yb_catalog_count(const yb_catalog *c) { return c ? c->n : 0; }

const yb_cat_entry *yb_catalog_at(const yb_catalog *c, size_t i) { return c && i < c->n ? &c->v[i].e : NULL; }
