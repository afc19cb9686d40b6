/*
 * refdata.c — the catalogue and every policy version, shared read-only by settlements.
 *
 * Policies are kept in an array in the order they were added. At most one version of an area
 * is valid on any day, so a lookup by area and date has one answer. yb_refdata_add_policy takes
 * ownership of the policy only when it succeeds; on an error the caller still owns it.
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

/* "yyyy-MM-dd", or "open" for an open-ended end. buf >= 11 bytes. */
static const char *date_text(yb_date d, char *buf) {
    if (d == YB_DATE_MAX) return "open";
    return yb_date_fmt(d, buf);
}

yb_rc yb_refdata_add_policy(yb_refdata *r, yb_policy *p, yb_err *err) {
    if (!r || !p) return yb_err_set(err, YB_E_INTERNAL, NULL, NULL, "no reference data or no policy");
    if (!memchr(p->admdvs, '\0', sizeof p->admdvs) || !memchr(p->version, '\0', sizeof p->version))
        return yb_err_set(err, YB_E_LIMIT, "version", NULL, "area or version of the policy is not terminated");
    char b1[16], b2[16], b3[16], b4[16];
    if (p->effective_from == YB_DATE_NONE || p->effective_to == YB_DATE_NONE || p->effective_to < p->effective_from)
        return yb_err_set(err, YB_E_INVALID, "effective_to", p->version,
                          "policy of area %s: validity must have a start and end on or after it", p->admdvs);
    for (size_t i = 0; i < r->n_policies; i++) {
        const yb_policy *o = r->policies[i];
        if (strcmp(o->admdvs, p->admdvs) != 0) continue;
        if (!strcmp(o->version, p->version))
            return yb_err_set(err, YB_E_DUPLICATE, "version", p->version, "area %s already has this version", p->admdvs);
        if (o->effective_from <= p->effective_to && p->effective_from <= o->effective_to)
            return yb_err_set(err, YB_E_DUPLICATE, "effective_from", p->version,
                              "validity %s..%s overlaps version %s (%s..%s) of area %s",
                              date_text(p->effective_from, b1), date_text(p->effective_to, b2), o->version,
                              date_text(o->effective_from, b3), date_text(o->effective_to, b4), o->admdvs);
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
