/*
 * service.h — business actions on the store. Each is ONE transaction: it either applies
 * completely or leaves the database exactly as it was. Front ends (CLI, HTTP) call these and
 * contain no business logic.
 */
#ifndef YIBAO_SERVICE_H
#define YIBAO_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "yibao/refdata.h"
#include "yibao/store.h"
#include "yibao/visit_json.h"

typedef struct yb_load_stats {
    size_t rows;        /* rows read */
    size_t inserted;    /* new */
    size_t updated;     /* replaced an existing row with the same key */
} yb_load_stats;

/* Reference data. A file with one bad row loads nothing; the error names file, line, column, value.
 * Loading a file again updates what it names (upsert by key) and never duplicates:
 *   policy        key (admdvs, version): the same content again is "unchanged"; other content under
 *                 the same version, or a validity that overlaps another version of the area, is refused;
 *   catalog       key (med_list_codg, admdvs, begndate): the row is replaced;
 *   persons       key psn_no, and (psn_no, insutype) for the enrolment: the registry fields are
 *                 replaced, but the account balance of an existing enrolment is KEPT (settlements have
 *                 moved it since; balc in the file is the opening balance of a new enrolment only);
 *   institutions  key fixmedins_code: replaced (a secret, when the column is absent or empty, is kept). */
yb_rc yb_svc_load_policy(yb_db *db, const char *path, yb_load_stats *st, yb_err *err);
yb_rc yb_svc_load_catalog(yb_db *db, const char *path, yb_load_stats *st, yb_err *err);
/* persons CSV: psn_no, certno, psn_name, gend, brdy, insutype, psn_type, cvlserv_flag, sp_psn_type,
 * insu_admdvs, balc (one row per person and insurance type; the rows of one person agree on certno,
 * psn_name, gend, brdy, cvlserv_flag and sp_psn_type). ID numbers are validated (GB 11643) and must
 * agree with gend and brdy when those are given; errors show them masked. */
yb_rc yb_svc_load_persons(yb_db *db, const char *path, yb_load_stats *st, yb_err *err);
/* institutions CSV: fixmedins_code, fixmedins_name, hosp_lv, admdvs, begndate, enddate */
yb_rc yb_svc_load_institutions(yb_db *db, const char *path, yb_load_stats *st, yb_err *err);

/* The catalogue and every policy version, ready for settlement. */
yb_rc yb_store_load_refdata(yb_db *db, yb_refdata **out, yb_err *err);

/* Settlement ids are "S" followed by a 12-digit sequence number of this database (S000000000001,
 * S000000000002, ...), shared by settlements and reversal rows and taken inside the transaction:
 * ids follow commit order, and a transaction that fails uses no number. */
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

/* What the store holds about one person, personal data masked (yb_mask): the registry row, one
 * row per insurance type with its account balance, the accumulators of every (insutype, year),
 * and the settlements, newest last (at most YB_VIEW_MAX_SETL; n_setl_total counts them all). */
#define YB_VIEW_MAX_SETL 1000
typedef struct yb_person_insu_view {
    char insutype[8], psn_type[12], insu_admdvs[8];
    yb_fen balc;
} yb_person_insu_view;
typedef struct yb_person_acc_view {
    char insutype[8];
    int year;
    char key[YB_ACC_KEY];   /* dedc/<block>, adm/<block>, pool/<group>, base/<layer>, paid/<layer> */
    int64_t value;          /* fen, except adm/ which counts admissions */
} yb_person_acc_view;
typedef struct yb_person_setl_view {
    char setl_id[32], mdtrt_id[YB_ID_MAX], insutype[8], med_type[12], setl_time[20];
    int year;
    yb_fen medfee_sumamt, fund_pay_sumamt, psn_part_amt, acct_pay, psn_cash_pay;
    int refd_setl_flag;     /* 1 = a reversal row; init_setl_id names the settlement it reverses */
    char init_setl_id[32], reversed_by[32];
} yb_person_setl_view;
typedef struct yb_person_view {
    char psn_no[YB_ID_MAX];
    char certno[40];        /* masked; "" when not registered */
    char psn_name[160];     /* masked; "" when not registered */
    char tel[48];           /* masked; "" when not registered */
    char addr[96];          /* masked; "" when not registered */
    int gend;               /* 0 unknown */
    char brdy[12];          /* "" unknown */
    char insu_admdvs[8], psn_type[12], sp_psn_type[96];
    int cvlserv_flag;
    yb_person_insu_view *insu;
    size_t n_insu;
    yb_person_acc_view *acc;
    size_t n_acc;
    yb_person_setl_view *setl;
    size_t n_setl, n_setl_total;
} yb_person_view;
/* YB_E_NOTFOUND for an unknown psn_no. Free with yb_person_view_free (NULL is fine). */
yb_rc yb_svc_person_view(yb_db *db, const char *psn_no, yb_person_view **out, yb_err *err);
void yb_person_view_free(yb_person_view *v);
/* A person's personal data in the clear (stored sealed, see pdata.h). The read is first written
 * to the audit log (actor, action person.read_unmasked, the psn_no, why) in its own transaction:
 * when that entry cannot be written nothing is returned. */
typedef struct yb_person_pdata {
    char certno[40], psn_name[160], tel[40], addr[640];
} yb_person_pdata;
yb_rc yb_svc_person_unmasked(yb_db *db, const char *psn_no, const char *actor, const char *why, yb_person_pdata *out,
                             yb_err *err);
/* The same view as JSON (amounts in yuan with 2 decimals, adm/ counts as integers). Heap string. */
yb_rc yb_svc_show_person(yb_db *db, const char *psn_no, char **json, yb_err *err);

/* One visit as JSON (service/record_svc.c): the visit row, its fee lines ("feedetail") and the
 * settlements of it, reversals included. One settlement (or reversal row) as JSON with its fund rows
 * ("setldetail"). Amounts in yuan as the interface writes them; no personal data (persons are named
 * by psn_no). YB_E_NOTFOUND for an unknown id. Heap strings. */
yb_rc yb_svc_visit_json(yb_db *db, const char *mdtrt_id, char **json, yb_err *err);
yb_rc yb_svc_settlement_json(yb_db *db, const char *setl_id, char **json, yb_err *err);

#endif
