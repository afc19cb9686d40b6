/*
 * visit_json.h — one visit as a JSON document in the national interface's shape (io/visit_json.c).
 *
 * The document is a 2207-style envelope whose input carries the settlement data, the fee lines
 * (2204 `feedetail`) and the person's attributes:
 *   {"infno":"2207","msgid":"...","mdtrtarea_admvs":"360100","insuplc_admdvs":"360100",
 *    "fixmedins_code":"H36010000001","fixmedins_name":"...",
 *    "input":{"data":{psn_no, mdtrt_id, med_type, insutype, acct_used_flag, begntime, endtime,
 *                     hosp_lv, rloc_type, [medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay,
 *                     preselfpay_amt, inscp_scp_amt]},
 *             "feedetail":[{feedetl_sn, med_list_codg, fee_ocur_time, cnt, pric, det_item_fee_sumamt}, ...],
 *             "psninfo":{psn_type, cvlserv_flag, sp_psn_type, gend, brdy, balc}}}
 * Unknown fields are ignored (as the interface requires); known ones are validated, and every
 * error names its JSON path ("input.feedetail[2].cnt"). docs/settle-json.md describes it.
 *
 * The reply writers (yb_reply_settlement, yb_write_settlement_output, yb_reply_error) need only
 * the fields of yb_visit_doc, so the online interface fills one from its store and reuses them.
 * Replies carry no personal data beyond psn_no (no name, ID number, birth date or identities).
 */
#ifndef YIBAO_VISIT_JSON_H
#define YIBAO_VISIT_JSON_H

#include <stddef.h>

#include "yibao/settle.h"

#define YB_VISIT_MAX_LINES 10000

typedef struct yb_visit_doc {
    char infno[8];
    char msgid[48];
    char fixmedins_code[32];
    char fixmedins_name[128];
    char insuplc_admdvs[8];
    yb_person person;
    yb_visit visit;
    yb_line *lines;          /* heap, n_lines entries */
    size_t n_lines;
    int has_decl;            /* the declared totals below were given */
    yb_fen decl_medfee, decl_fulamt, decl_overlmt, decl_preselfpay, decl_inscp;
    int has_balc;            /* psninfo.balc was given: opening balance for an unregistered person */
    yb_fen balc;
    /* which declared totals were given, one bit each (YB_DECL_*); has_decl = all five. A total
     * that was given must equal the computed one, each on its own. */
    unsigned decl_given;
    /* 1 when the lines are the visit's unsettled fee_lines rows, read in the settlement's transaction
     * together with the visit, whose person was checked (the interface's 2207/2304): the settlement
     * then updates those rows in place and asks only for the visit's settlements; 0 (a visit file)
     * replaces the visit's rows */
    int lines_stored;
    int64_t visit_rowid;     /* with lines_stored: the visits row, updated by its rowid */
    /* 1 when the caller records the request and its reply itself, in the same transaction (the
     * interface's message log, keyed by institution and msgid): the settlement row then keeps the
     * msgid but neither the body's hash nor the reply, and the msgid is not looked up here */
    int reply_recorded;
    /* 1 for an interim settlement (中途结算, mid_setl_flag 1) of a stay not yet discharged (with
     * lines_stored): the visit stays open for more lines and a later settlement of the rest */
    int mid_setl;
} yb_visit_doc;

#define YB_DECL_MEDFEE 1u
#define YB_DECL_FULAMT 2u
#define YB_DECL_OVERLMT 4u
#define YB_DECL_PRESELFPAY 8u
#define YB_DECL_INSCP 16u
#define YB_DECL_ALL 31u

/* Parse; on error nothing is allocated in *doc. */
yb_rc yb_visit_doc_parse(const char *text, size_t len, const char *fname, yb_visit_doc *doc, yb_err *err);
void yb_visit_doc_release(yb_visit_doc *doc);
/* Each declared total that was given (has_decl: all five; else the bits of decl_given) must equal
 * the computed one: YB_E_MISMATCH naming "input.data.<field>" with the declared and computed values. */
yb_rc yb_visit_doc_check_totals(const yb_visit_doc *doc, const yb_settlement *s, yb_err *err);

/* The interface reply for a settlement (2206/2207): {"infcode":0, ..., "output":{"setlinfo":{...},
 * "setldetail":[...], "result":[per-line split]}}. setl_id/setl_time NULL for pre-settlement.
 * `sign` is 1, or -1 for a reversal (every amount negated). Heap string. */
char *yb_reply_settlement(const yb_visit_doc *doc, const yb_settlement *s, const yb_line_split *splits,
                          const char *setl_id, const char *setl_time, int sign);
/* The `output` object of that reply, written into w (for the online interface's envelope). */
struct yb_jw;
void yb_write_settlement_output(struct yb_jw *w, const yb_visit_doc *doc, const yb_settlement *s,
                                const yb_line_split *splits, const char *setl_id, const char *setl_time, int sign);
/* The interface error reply: {"infcode":-1,"inf_refmsgid":msgid,"err_msg":"处理失败(<kind in Chinese>): field '...'
 * value '...': <message> (<rc>)","warn_msg":null,"output":null}. Heap string; NULL when out of memory. */
char *yb_reply_error(const yb_err *e, const char *msgid);

#endif
