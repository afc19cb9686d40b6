/*
 * service.h — business actions on the store. Each is ONE transaction: it either applies
 * completely or leaves the database exactly as it was. Front ends (CLI, HTTP) call these and
 * contain no business logic.
 */
#ifndef YIBAO_SERVICE_H
#define YIBAO_SERVICE_H

#include <stddef.h>

#include "yibao/refdata.h"
#include "yibao/store.h"
#include "yibao/visit_json.h"

typedef struct yb_load_stats {
    size_t rows;        /* rows read */
    size_t inserted;    /* new */
    size_t updated;     /* replaced an existing row with the same key */
} yb_load_stats;

/* Reference data. A file with one bad row loads nothing; the error names file, line, column, value. */
yb_rc yb_svc_load_policy(yb_db *db, const char *path, yb_load_stats *st, yb_err *err);
yb_rc yb_svc_load_catalog(yb_db *db, const char *path, yb_load_stats *st, yb_err *err);
/* persons CSV: psn_no, certno, psn_name, gend, brdy, insutype, psn_type, cvlserv_flag, sp_psn_type,
 * insu_admdvs, balc (one row per person and insurance type). ID numbers are validated. */
yb_rc yb_svc_load_persons(yb_db *db, const char *path, yb_load_stats *st, yb_err *err);
/* institutions CSV: fixmedins_code, fixmedins_name, hosp_lv, admdvs, begndate, enddate */
yb_rc yb_svc_load_institutions(yb_db *db, const char *path, yb_load_stats *st, yb_err *err);

/* The catalogue and every policy version, ready for settlement. */
yb_rc yb_store_load_refdata(yb_db *db, yb_refdata **out, yb_err *err);

typedef struct yb_settle_result {
    char setl_id[32];     /* "" for a pre-settlement */
    int replayed;         /* 1 = same msgid seen before: the recorded answer, nothing applied */
    char *reply;          /* interface reply JSON (heap; yb_settle_result_release) */
} yb_settle_result;
void yb_settle_result_release(yb_settle_result *r);

/* Settle (pre = 0) or pre-settle (pre = 1: computes the same answer and writes nothing).
 * Accumulators of (person, insutype, year) and the account balance come from the store; a person
 * not registered gets an account row with the document's opening balance (psninfo.balc, else 0).
 * The same msgid and body again returns the recorded reply; the same msgid with another body is
 * YB_E_DUPLICATE; a visit already settled (and not reversed) is YB_E_STATE. */
yb_rc yb_svc_settle(yb_db *db, const yb_refdata *rd, const yb_visit_doc *doc, const char *body, size_t body_len,
                    int pre, yb_settle_result *res, yb_err *err);

/* Reverse a settlement: subtract exactly its recorded deltas, give back its account payment, mark it
 * reversed and write a negative settlement row. psn_no (may be NULL) must own it. Reversing twice,
 * reversing a reversal, an unknown id, or another person's settlement changes nothing. */
yb_rc yb_svc_reverse(yb_db *db, const char *setl_id, const char *psn_no, yb_settle_result *res, yb_err *err);

/* A person with balances and accumulators as JSON (personal data masked). Heap string. */
yb_rc yb_svc_show_person(yb_db *db, const char *psn_no, char **json, yb_err *err);

#endif
