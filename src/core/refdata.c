/*
 * refdata.c — the catalogue and every policy version, shared read-only by settlements.
 */
#include <stdlib.h>
#include <string.h>

#include "yibao/refdata.h"

yb_refdata *yb_refdata_new(void) {
    yb_refdata *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->catalog = yb_catalog_new();
    if (!r->catalog) {
        free(r);
        return NULL;
    }
    return r;
}

void yb_refdata_free(yb_refdata *r) {
    if (!r) return;
    yb_catalog_free(r->catalog);
    for (size_t i = 0; i < r->n_policies; i++) free(r->policies[i]);
    free(r->policies);
    free(r);
}

yb_rc yb_refdata_add_policy(yb_refdata *r, yb_policy *p, yb_err *err) {
    for (size_t i = 0; i < r->n_policies; i++) {
        const yb_policy *o = r->policies[i];
        if (strcmp(o->admdvs, p->admdvs) != 0) continue;
        if (!strcmp(o->version, p->version))
            return yb_err_set(err, YB_E_DUPLICATE, "version", p->version, "area %s already has this version", p->admdvs);
        if (o->effective_from <= p->effective_to && p->effective_from <= o->effective_to)
            return yb_err_set(err, YB_E_DUPLICATE, "effective_from", p->version,
                              "validity overlaps version %s of area %s", o->version, o->admdvs);
    }
    yb_policy **nv = realloc(r->policies, (r->n_policies + 1) * sizeof *nv);
    if (!nv) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    r->policies = nv;
    r->policies[r->n_policies++] = p;
    return YB_OK;
}

const yb_policy *yb_refdata_policy(const yb_refdata *r, const char *admdvs, yb_date on) {
    if (!r || !admdvs) return NULL;
    for (size_t i = 0; i < r->n_policies; i++) {
        const yb_policy *p = r->policies[i];
        if (!strcmp(p->admdvs, admdvs) && p->effective_from <= on && on <= p->effective_to) return p;
    }
    return NULL;
}
