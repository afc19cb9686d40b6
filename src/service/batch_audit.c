/*
 * batch_audit.c — the audit rules inside batch settlement (see batch_audit.h).
 */
#include <stdlib.h>
#include <string.h>

#include "service/batch_audit.h"

struct yb__batch_audit {
    yb_auditor *a;
    yb_audit_history *h;
    yb_audit_line *al;
    size_t cap;
    yb__batch_audit_stats st;
    int review;          /* the current visit has a review hit */
    yb_audit_hit_fn fn;  /* optional: every hit, as it comes */
    void *fn_ctx;
    const yb_audit_diag *diags; /* the next visit's diagnoses, then none */
    size_t n_diags;
};

void yb__batch_audit_diags(yb__batch_audit *ba, const yb_audit_diag *diags, size_t n) {
    ba->diags = diags;
    ba->n_diags = n;
}

void yb__batch_audit_on_hit(yb__batch_audit *ba, yb_audit_hit_fn fn, void *ctx) {
    ba->fn = fn;
    ba->fn_ctx = ctx;
}

yb__batch_audit *yb__batch_audit_new(const yb_audit_ruleset *rs) {
    yb__batch_audit *ba = calloc(1, sizeof *ba);
    if (!ba) return NULL;
    ba->h = yb_audit_history_new();
    if (!ba->h || yb_auditor_new(rs, &ba->a)) {
        yb__batch_audit_free(ba);
        return NULL;
    }
    return ba;
}

void yb__batch_audit_free(yb__batch_audit *ba) {
    if (!ba) return;
    yb_auditor_free(ba->a);
    yb_audit_history_free(ba->h);
    free(ba->al);
    free(ba);
}

void yb__batch_audit_person(yb__batch_audit *ba) { yb_audit_history_reset(ba->h); }

const yb__batch_audit_stats *yb__batch_audit_stats_of(const yb__batch_audit *ba) { return &ba->st; }

typedef struct deny_ctx {
    yb__batch_audit *ba;
    size_t n;
} deny_ctx;

static yb_rc on_hit(void *ctx, const yb_audit_hit *hit) {
    deny_ctx *c = ctx;
    c->ba->st.hits++;
    if (hit->effect == YB_AUDIT_DENY) {
        c->ba->st.deny_hits++;
        yb_audit_mark_denied(c->ba->al, c->n, hit);
    } else if (hit->effect == YB_AUDIT_REVIEW) {
        c->ba->review = 1;
    }
    return c->ba->fn ? c->ba->fn(c->ba->fn_ctx, hit) : YB_OK;
}

yb_rc yb__batch_audit_visit(yb__batch_audit *ba, const yb_person *p, const yb_visit *v, yb_line *lines, size_t *n,
                            size_t *orig, yb_err *err) {
    size_t nl = *n;
    if (nl > ba->cap) {
        yb_audit_line *x = realloc(ba->al, nl * sizeof *x);
        if (!x) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
        ba->al = x;
        ba->cap = nl;
    }
    for (size_t i = 0; i < nl; i++) {
        memset(&ba->al[i], 0, sizeof ba->al[i]);
        ba->al[i].line = lines[i];
    }
    yb_audit_visit av;
    memset(&av, 0, sizeof av);
    av.visit = *v;
    av.person = *p;
    av.lines = ba->al;
    av.n_lines = nl;
    av.diags = ba->diags;
    av.n_diags = ba->n_diags;
    ba->diags = NULL;
    ba->n_diags = 0;
    deny_ctx c = {ba, nl};
    ba->review = 0;
    yb_rc rc = yb_audit_visit_run(ba->a, ba->h, &av, on_hit, &c, err);
    if (rc) return rc;
    if (ba->review) ba->st.review_visits++;
    size_t k = 0;
    if ((rc = yb_audit_settle_lines(ba->al, nl, lines, &k, err))) return rc;
    /* the output keeps the input order, a denied part right after its paid rest */
    for (size_t i = 0, j = 0; i < nl; i++) {
        const yb_audit_line *l = &ba->al[i];
        orig[j++] = i;
        if (l->line.cnt > 0 && !l->line.denied && l->denied_qty > 0) orig[j++] = i;
        if (l->line.denied || l->denied_qty > 0) {
            ba->st.denied_lines++;
            ba->st.denied_amt += l->line.denied ? l->line.sumamt : l->denied_amt;
        }
    }
    *n = k;
    return YB_OK;
}
