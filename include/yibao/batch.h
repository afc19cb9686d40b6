/*
 * batch.h — batch settlement of the national extract tables (service/batch.c).
 *
 * Reads mdtrt_d (visits; an extra column acct_used_flag may follow the national ones), fee_list_d
 * (fee lines) and optionally a balances file (psn_no, insutype, balc), in any order. Every header is
 * checked first: a missing required column is an error before anything is written. Each table is
 * read once; its rows become compact records (the parsed fields a settlement needs, the mdtrt_d
 * columns that pass through to setl_d) that are sorted by person externally: runs of at most a
 * share of run_bytes are sorted in memory and, when a table does not fit in one run, written to
 * temporary files in a directory made under tmpdir (removed at the end, on error too) and merged
 * k ways (64 runs of one size become one run of the next size, so each record is rewritten only
 * log_64(table / run) times and few files are open at once: stats report the peak). The sorted
 * visits, lines and
 * balances are merge-joined per person. Memory is bounded by run_bytes, the reference data and
 * one person's visits and lines — not by the size of the files.
 *
 * Each person's visits settle in order of end time (else start time), ties by mdtrt_id; a visit's
 * lines in order of bkkp_sn. Accumulators per (insutype, year) start EMPTY for every person in the
 * batch (the batch is taken to be the whole history of its year: see docs/settlement.md §8);
 * account balances come from the balances file (0 when a person has none) and carry from visit to
 * visit. The policy is the one of the person's insu_admdvs in force on the visit's date; the
 * catalogue is rd->catalog. Settlement ids are "S" + mdtrt_id.
 *
 * A visit with any error — a bad field in its mdtrt_d row or in one of its fee lines, no fee lines,
 * a mdtrt_id that appears more than once in mdtrt_d (every copy is rejected), a bad or repeated
 * balance of its insurance type, no policy for its area and date, or an error of the calculator
 * (mismatch of cnt x pric and the line amount, repeated bkkp_sn, unknown insutype or hospital
 * level, ...) — is REJECTED as a whole: nothing of it is written to setl_d or setldetail; it is
 * reported (file, line, mdtrt_id, psn_no, field, value, rc, message) to rejects_path and to
 * on_rejected, and counted; the batch goes on. Fee lines whose visit is not in mdtrt_d (for that
 * person) are reported the same way, once per (person, mdtrt_id).
 *
 * The output does not depend on the order of the input rows. setl_d rows come out grouped by
 * person (in an order fixed by a hash of psn_no), each person's in settlement order. Outputs are
 * written to temporary names beside them and renamed at the end (setl_d last), so a failed run
 * leaves no half-written file; an output path that exists and is not a regular file (/dev/stdout,
 * a pipe) is written in place instead.
 */
#ifndef YIBAO_BATCH_H
#define YIBAO_BATCH_H

#include <stddef.h>

#include "yibao/extract.h"
#include "yibao/refdata.h"
#include "yibao/settle.h"

typedef struct yb_reject {
    const char *file;
    long line;
    const char *mdtrt_id;
    const char *psn_no;
    const yb_err *err;
} yb_reject;

typedef struct yb_batch_opts {
    const char *mdtrt_path;
    const char *fee_path;
    const char *out_path;       /* setl_d.csv */
    const char *detail_path;    /* setldetail.csv, optional */
    const char *acct_path;      /* balances.csv, optional */
    const char *rejects_path;   /* rejects.csv, optional */
    const char *tmpdir;         /* default $TMPDIR or /tmp */
    size_t run_bytes;           /* memory for the in-memory sort runs of all tables; default 64 MiB */
    /* called for each settled visit / each rejected visit (optional) */
    void (*on_settled)(void *ctx, const yb_person *p, const yb_visit *v, const char *fixmedins_name,
                       const yb_settlement *s);
    void (*on_rejected)(void *ctx, const yb_reject *r);
    void *ctx;
    /* optional: audit rules run on each visit before it is settled (see service/batch_audit.h):
     * the violating part of each `deny` hit is settled as 全自费 */
    const struct yb_audit_ruleset *rules;
} yb_batch_opts;

typedef struct yb_batch_stats {
    size_t visits, lines, persons, settled, rejected, runs;
    size_t orphan_lines;        /* fee lines whose visit is not in mdtrt_d (their visits are reported) */
    size_t peak_run_files;      /* temporary run files open at the same time, at most */
    double elapsed_s;           /* wall time of yb_batch_settle (monotonic clock) */
    /* with rules: hits of every effect, deny hits, visits with a review hit, lines with a
     * denied part and the amount denied (fen) */
    size_t audit_hits, audit_deny_hits, audit_review_visits, denied_lines;
    yb_fen denied_amt;
} yb_batch_stats;

yb_rc yb_batch_settle(const yb_refdata *rd, const yb_batch_opts *o, yb_batch_stats *st, yb_err *err);

#endif
