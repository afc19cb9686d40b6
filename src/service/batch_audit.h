/*
 * batch_audit.h — the audit rules inside batch settlement (service/batch_audit.c; internal to
 * src/service). Before a visit is settled, its lines go through the rule set with the person's
 * history; each `deny` hit marks the violating part of its lines (yb_audit_mark_denied) and the
 * lines are replaced by the settlement lines of yb_audit_settle_lines: a wholly denied line is
 * settled as 全自费 (denied = 1), a partly denied one as its paid rest plus a denied part
 * (feedetl_sn + "-D").
 *
 * What the batch records carry is what the rules see: the person (gend, brdy, insutype), the
 * visit (med_type, hosp_lv, fixmedins_code, begntime, endtime) and per line the code, time,
 * cnt, pric and amount. Names, departments, diagnoses, charge types, days of supply and refund
 * links are not in them, so rules that need those judge less (name-matched materials, specialty,
 * indication and readmission rules find nothing; a drug line covers one day).
 *
 * A visit is recorded in the person's history when it is audited, before it is settled: a visit
 * the calculator then rejects still counts as charged for the later visits' cross-visit rules.
 */
#ifndef YIBAO_BATCH_AUDIT_H
#define YIBAO_BATCH_AUDIT_H

#include <stddef.h>

#include "yibao/audit.h"

typedef struct yb__batch_audit yb__batch_audit;

typedef struct yb__batch_audit_stats {
    size_t hits, deny_hits, review_visits, denied_lines;
    yb_fen denied_amt;
} yb__batch_audit_stats;

/* NULL when out of memory. */
yb__batch_audit *yb__batch_audit_new(const yb_audit_ruleset *rs);
void yb__batch_audit_free(yb__batch_audit *ba);
/* A new person: forget the history. */
void yb__batch_audit_person(yb__batch_audit *ba);
/* Audit lines[0..*n) and replace them by the settlement lines (at most 2 x *n: lines must hold
 * that many); orig[j] = the input index of output line j. The visit is recorded in the history.
 * Errors: YB_E_LIMIT (a "-D" serial number does not fit), YB_E_NOMEM, YB_E_OVERFLOW. */
yb_rc yb__batch_audit_visit(yb__batch_audit *ba, const yb_person *p, const yb_visit *v, yb_line *lines, size_t *n,
                            size_t *orig, yb_err *err);
const yb__batch_audit_stats *yb__batch_audit_stats_of(const yb__batch_audit *ba);
/* Also pass every hit of the following visits to fn (NULL to stop); the online service lists them
 * in its reply. */
void yb__batch_audit_on_hit(yb__batch_audit *ba, yb_audit_hit_fn fn, void *ctx);
/* Diagnoses of the next visit only (borrowed until that call returns). */
void yb__batch_audit_diags(yb__batch_audit *ba, const yb_audit_diag *diags, size_t n);

#endif
