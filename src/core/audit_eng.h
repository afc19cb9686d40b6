/*
 * audit_eng.h — the running engine's internals shared by audit.c (driver, history, hits) and
 * audit_kinds.c (one function per rule kind). Not a public header.
 *
 * Per visit the driver computes for every line its effective quantity and amount (refunds
 * netted), its time and date, and its rule memberships; per-line kinds are judged at once,
 * other kinds get "entries" {rule, key, time, line, row, role} that are sorted so that each
 * kind handler sees, per rule, runs of equal key in time order (fee time, then feedetl_sn).
 */
#ifndef YIBAO_AUDIT_ENG_H
#define YIBAO_AUDIT_ENG_H

#include "core/audit_int.h"

/* ------------------------------------------------------------------ history */

typedef struct h_visit {
    char mdtrt_id[YB_ID_MAX];
    char fixmedins[32];
    char med_type[12];
    char diag[YB_AUDIT_DIAG_MAX];    /* main diagnosis code, "" none */
    yb_date begin, end;              /* YB_DATE_NONE when absent */
    int stay;                        /* ipt_days given by the caller, 0 unknown */
} h_visit;

typedef struct h_ev {
    int32_t prev;                    /* previous event of the slot, -1 */
    uint32_t visit;                  /* index in h->vis */
    uint32_t line;                   /* line index within that visit */
    yb_date date;
    yb_datetime t;
    yb_qty qty;                      /* paid units (negative for an unlinked refund) */
    yb_fen amt;                      /* paid amount */
    char sn[YB_ID_MAX];
} h_ev;

typedef struct h_slot {
    uint64_t k1, k2;
    int32_t last;                    /* newest event, -1 */
    int monotonic;                   /* events were appended in date order */
    yb_date last_date;
    /* course state */
    yb_date first, last_paid, last_seen;
    /* drug course state */
    int active;
    yb_date start, cov_end, nth;
    int32_t count;
} h_slot;

typedef struct h_tab {
    uint32_t gen, idx;
} h_tab;

struct yb_audit_history {
    h_slot *slot;
    size_t n_slot, cap_slot;
    h_tab *tab;
    size_t tcap;
    uint32_t gen;
    h_ev *ev;
    size_t n_ev, cap_ev;
    h_visit *vis;
    size_t n_vis, cap_vis;
};

/* The slot for (k1, k2), created empty when absent; NULL when out of memory. The pointer is
 * valid until the next call (slots may move). */
h_slot *yb__hist_slot(yb_audit_history *h, uint64_t k1, uint64_t k2);
/* Append an event to slot index si (from yb__hist_slot: index = slot - h->slot). */
yb_rc yb__hist_event(yb_audit_history *h, size_t si, uint32_t visit, uint32_t line, yb_date date,
                     yb_datetime t, yb_qty qty, yb_fen amt, const char *sn);

/* ------------------------------------------------------------------ auditor */

typedef struct au_ent {
    uint32_t rule;
    uint32_t key;
    yb_datetime t;
    uint32_t line;
    uint32_t row;
    uint8_t role;
} au_ent;

/* One cached code (or name): its memberships are mem[off, off + n). Keys of up to
 * AU_KEY_INLINE bytes live in the entry itself, so a probe touches one 64-byte line. */
#define AU_KEY_INLINE 36
typedef struct au_centry {
    uint64_t hash;
    uint32_t len;
    uint32_t off, n;
    char k[AU_KEY_INLINE];
    const char *s;                   /* arena copy of a longer key; NULL when the key is in k */
} au_centry;

typedef struct au_cache {
    au_centry *e;
    uint64_t *slot;                  /* 0 empty, else (hash >> 32) << 32 | (index + 1) */
    size_t n, cap;
    ar_mem *mem;
    size_t n_mem, cap_mem;
    yb__arena arena;
} au_cache;

typedef struct au_match {
    uint32_t line, row;
    uint32_t lo, hi;                 /* the key run in the rule's entries */
    yb_datetime tlo, thi;            /* time window of the main items, [tlo, thi) */
    uint8_t ok;
} au_match;

struct yb_auditor {
    const yb_audit_ruleset *rs;
    uint8_t *enabled;                /* per rule */
    uint32_t *visit_rules;           /* enabled rules of visit-level kinds */
    size_t n_visit_rules;
    uint32_t *last_line;             /* per rule: line + 1 last judged by a per-line kind */
    au_cache codes, names;
    /* per visit */
    size_t cap_lines;
    yb_qty *eff;
    yb_fen *effamt;
    yb_datetime *t;
    yb_date *date;
    uint8_t *skip;
    yb_qty *vq;                      /* violating units per line, set by a kind handler */
    yb_fen *va;                      /* violating amount per line */
    uint32_t *stamp;                 /* per line marker, compared with stamp_gen */
    uint32_t stamp_gen;
    uint32_t *snslot;
    size_t cap_sn;
    au_ent *ents, *tmp, *sub;
    size_t n_ents, cap_ents, cap_tmp, cap_sub;
    int64_t *q64;                    /* scratch prefix sums */
    size_t cap_q64;
    au_match *match;
    size_t n_match, cap_match;
    uint32_t *idx;                   /* scratch list of line indexes */
    size_t cap_idx;
    yb_audit_ref *refs;
    size_t n_refs, cap_refs, n_involved;
    yb_audit_hit hit;
    yb_audit_history scratch;        /* used when the caller passes no history */
    /* the run */
    const yb_audit_visit *v;
    yb_audit_history *h;
    uint32_t cur;                    /* the visit's index in h->vis */
    yb_audit_hit_fn fn;
    void *ctx;
    yb_err *err;
};

/* ------------------------------------------------------------------ shared helpers */

#define YB__INVOLVED_MAX 32          /* involved refs per hit, beyond which they are left out */

int yb__is_inpatient(const ar_rule *r, const char *med_type);
/* Length of stay in days (discharge date - admission date), or -1 when unknown. */
int yb__stay_days(const yb_audit_visit *v);
/* Main diagnosis code of the visit, "" when none. */
const char *yb__main_diag(const yb_audit_visit *v);

/* Amount of q units of line i: the effective amount when q is all of it, else round(q x pric). */
yb_rc yb__part_amt(yb_auditor *a, size_t i, yb_qty q, yb_fen *out);
/* Hit building: refs, then texts, then emit. */
void yb__hit_reset(yb_auditor *a);
yb_rc yb__ref_line(yb_auditor *a, size_t i, int type, yb_qty q, yb_fen amt);
yb_rc yb__ref_event(yb_auditor *a, const h_ev *e, int type);
__attribute__((format(printf, 2, 3))) void yb__cont(yb_auditor *a, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) void yb__evid(yb_auditor *a, const char *fmt, ...);
yb_rc yb__emit(yb_auditor *a, const ar_rule *r, int stas, int sev);
/* Format a quantity without trailing zeros ("2", "1.5"). buf >= 32. */
const char *yb__qfmt(yb_qty q, char *buf);
/* Name to show for line i under row: the row's name, else the line's, else its code. */
const char *yb__show_name(const yb_auditor *a, const ar_row *row, size_t i);
/* Period index of a date: day, ISO week (Monday first), month, year. */
int64_t yb__period(yb_date d, int period);

/* Kind handlers. Per-line kinds judge one line; group kinds get the sorted entries of one rule. */
yb_rc yb__kind_line(yb_auditor *a, const ar_rule *r, const ar_row *row, size_t i);
/* Specialty / indication: does row (one of several alternatives for the code) accept line i? */
int yb__line_satisfies(const yb_auditor *a, const ar_rule *r, const ar_row *row, size_t i);
yb_rc yb__kind_group(yb_auditor *a, const ar_rule *r, const au_ent *e, size_t n);
yb_rc yb__kind_visit(yb_auditor *a, const ar_rule *r);

/* Sort entries by (rule, key, time, feedetl_sn, line) or, with by_row, (row, time, sn, line). */
yb_rc yb__sort_ents(yb_auditor *a, au_ent *e, size_t n, int by_row);

#endif
