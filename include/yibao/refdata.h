/*
 * refdata.h — reference data a settlement reads: the catalogue and every policy version.
 *
 * Loaded once (from the store, or from files), then shared read-only by all settlements.
 */
#ifndef YIBAO_REFDATA_H
#define YIBAO_REFDATA_H

#include <stddef.h>
#include "yibao/catalog.h"
#include "yibao/policy.h"

typedef struct yb_refdata {
    yb_catalog *catalog;      /* owned */
    yb_policy **policies;     /* owned, each from yb_policy_from_json */
    size_t n_policies;
} yb_refdata;

yb_refdata *yb_refdata_new(void);
void yb_refdata_free(yb_refdata *r);
/* Take ownership of p. YB_E_DUPLICATE when the same admdvs+version is there, or when its
 * validity overlaps another version of the same area. */
yb_rc yb_refdata_add_policy(yb_refdata *r, yb_policy *p, yb_err *err);
/* Policy of area admdvs valid on date `on`; NULL when none. */
const yb_policy *yb_refdata_policy(const yb_refdata *r, const char *admdvs, yb_date on);

#endif
