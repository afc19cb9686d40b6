/*
 * audit_batch.h — the audit engine over the national extract tables (service/audit_batch.c).
 *
 * Reads mdtrt_d (visits), fee_list_d (fee lines) and optionally setl_list_diag_d (diagnoses) in
 * any order, each once. Their rows become compact records sorted by person externally
 * (io/extsort.c: memory bounded by run_bytes, spilled to temporary files when a table does not
 * fit), then merge-joined per person: the person's visits go in time order (begntime, then
 * mdtrt_id) through yb_audit_visit_run of every rule set given, with one yb_audit_history per set
 * and person. Memory is bounded by run_bytes, the rule sets and one person's rows — not by the
 * size of the files.
 *
 * Columns read (a missing required column is an error before anything is written):
 *   mdtrt_d           required mdtrt_id, psn_no, med_type, begntime; optional (unknown when the
 *                     column is absent or the cell empty) endtime, insutype, gend, brdy, hosp_lv,
 *                     fixmedins_code, ipt_days, dscg_maindiag_code, dscg_maindiag_name,
 *                     dscg_dept_name (else adm_dept_name)
 *   fee_list_d        required bkkp_sn (the line's feedetl_sn), mdtrt_id, psn_no, fee_ocur_time,
 *                     cnt, pric, det_item_fee_sumamt, and med_list_codg or hilist_code (the first
 *                     non-empty); optional hilist_name, med_chrgitm_type, prd_days,
 *                     bilg_dept_name, init_feedetl_sn
 *   setl_list_diag_d  required mdtrt_id, psn_no, diag_code; optional maindiag_flag (1 = main),
 *                     diag_name. Without rows for a visit, mdtrt_d's dscg_maindiag_code (and name)
 *                     is its main diagnosis.
 * Lines of a visit are handed to the engine in bkkp_sn order (then input order), so the output
 * does not depend on the order of the input rows. Only the lines a rule may need are sorted
 * (the line filter, yb_auditor_line_relevant and yb_auditor_wants_all_lines in audit.h); the
 * others are validated and counted per visit (for the report of lines without a visit).
 *
 * A visit with a bad row (an id that is empty, too long or has control characters, a bad time,
 * number or date, endtime before begntime, a value longer than its field), with a bad fee line or
 * diagnosis row, or whose mdtrt_id appears twice for the person, is REJECTED: it is not audited
 * and not recorded in the history; it is reported (file, line, mdtrt_id, psn_no, field, value, rc,
 * message) to rejects_path and on_rejected; the run goes on. Fee lines and diagnoses whose visit
 * is not in mdtrt_d for that person are reported the same way, once per (person, mdtrt_id). A
 * visit without fee lines is audited (visit-level rules still apply).
 *
 * Output (out_path, optional): one CSV row per hit of the first rule set, in person order (fixed
 * by a hash of psn_no) and each person's visit order:
 *   jr_id, rule_id, id, rule_name, vola_cont, vola_amt, vola_amt_stas, sev_deg, vola_evid,
 *   vola_bhvr_type, effect, mdtrt_id, psn_no, feedetl_sn, vola_lines, involved
 * jr_id = "J" + the row's number; id = the rule's manifest id (YB18.2); vola_amt in yuan with 2
 * decimals; feedetl_sn = the violating lines' feedetl_sn joined by '|'; vola_lines = each
 * violating line as feedetl_sn:units:amount joined by '|'; involved = each involved line as
 * mdtrt_id:feedetl_sn joined by '|'. With two rule sets (compare), out_path instead receives the
 * hits that differ: the same columns after a first column `change` (gained = in the second set
 * only, lost = in the first only, changed = both with a different amount; for changed the row
 * is the second set's hit). Outputs are written to temporary names and renamed at the end.
 */
#ifndef YIBAO_AUDIT_BATCH_H
#define YIBAO_AUDIT_BATCH_H

#include <stddef.h>

#include "yibao/audit.h"
#include "yibao/batch.h"

#define YB_AUDIT_BATCH_MAX_SETS 2

/* Totals of one rule over the run. visits/persons count distinct visits/persons with a hit. */
typedef struct yb_audit_rule_sum {
    size_t hits, visits, persons;
    yb_fen amount;              /* Σ vola_amt */
    /* compare (two sets): hits and amounts gained and lost against the first set. A hit is the
     * same in both sets when rule id, visit and the violating lines it names (feedetl_sn and
     * units; the involved lines when it names no violating line) agree; the same hit with another
     * amount is `changed` and its difference counts as gained or lost amount. Kept in the second
     * set's entries; the first set's entries have `lost` (and lost_amt) only for rules the second
     * set does not have. */
    size_t gained, lost, changed;
    yb_fen gained_amt, lost_amt;
    /* private */
    size_t last_visit, last_person;
} yb_audit_rule_sum;

typedef struct yb_audit_batch_opts {
    const yb_audit_ruleset *sets[YB_AUDIT_BATCH_MAX_SETS]; /* sets[0] required; sets[1]: compare */
    size_t n_sets;
    const char *rule_ids;       /* comma-separated rule ids or 3101 rule_ids to run; NULL = all */
    const char *mdtrt_path;     /* required */
    const char *fee_path;       /* required */
    const char *diag_path;      /* optional */
    const char *out_path;       /* optional */
    const char *rejects_path;   /* optional */
    const char *tmpdir;         /* default $TMPDIR or /tmp */
    size_t run_bytes;           /* memory for the sort runs of all tables; default 256 MiB */
    size_t split_min_bytes;     /* a fee file of at least this size is read in two parts on two
                                   threads (again as one when a quoted field spans the cut);
                                   default 32 MiB */
    int keep_all_lines;         /* sort every fee line, also those no rule needs (see audit.h,
                                   yb_auditor_line_relevant): the same hits, slower; for checking */
    /* called for each hit of each set (set = 0 or 1), after it is written; optional */
    yb_rc (*on_hit)(void *ctx, size_t set, const yb_audit_hit *hit);
    void (*on_rejected)(void *ctx, const yb_reject *r);
    void *ctx;
} yb_audit_batch_opts;

typedef struct yb_audit_batch_stats {
    size_t visits, lines, diags;        /* rows read */
    size_t lines_kept;                  /* fee lines some rule needs (sorted and audited) */
    size_t persons, audited, rejected;  /* audited = visits run through the rules */
    size_t orphan_lines, orphan_diags;  /* rows whose visit is not in mdtrt_d */
    size_t runs, peak_run_files;        /* external sort */
    int fee_parts;                      /* 2 when the fee file was read in two parts on two threads */
    int diags_unread;                   /* the diagnosis file was not read: no enabled rule reads
                                           diagnoses */
    size_t hits[YB_AUDIT_BATCH_MAX_SETS];
    yb_fen amount[YB_AUDIT_BATCH_MAX_SETS];
    /* per rule of each set, in manifest order: yb_audit_ruleset_count(sets[i]) entries */
    yb_audit_rule_sum *rules[YB_AUDIT_BATCH_MAX_SETS];
    size_t n_rules[YB_AUDIT_BATCH_MAX_SETS];
    double elapsed_s;
    double read_s;                      /* of which reading and sorting the tables */
} yb_audit_batch_stats;

/* Run the rules over the tables. st is filled (also on error, as far as the run got) and must be
 * released with yb_audit_batch_stats_release. Errors (the run stops, outputs are not renamed into
 * place): YB_E_USAGE (a required path or set missing), YB_E_INVALID (a missing column, a
 * malformed CSV file), YB_E_NOTFOUND (rule_ids naming no rule), YB_E_IO, YB_E_NOMEM, YB_E_LIMIT,
 * or the on_hit callback's rc. */
yb_rc yb_audit_batch_run(const yb_audit_batch_opts *o, yb_audit_batch_stats *st, yb_err *err);
void yb_audit_batch_stats_release(yb_audit_batch_stats *st);

#endif
