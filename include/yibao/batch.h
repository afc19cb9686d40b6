/*
 * batch.h — batch settlement of the national extract tables (service/batch.c).
 *
 * Reads mdtrt_d (visits; an extra column acct_used_flag may follow the national ones) and
 * fee_list_d (fee lines) in any order, sorts them externally by person (runs of at most
 * run_bytes in memory, spilled to temporary files), and settles each person's visits in order of
 * end time (else start time), ties by mdtrt_id. Memory is bounded by the reference data, one run,
 * and one person's visits and lines — not by the size of the files.
 *
 * Accumulators start empty for every person and year in the batch (the batch is the year's
 * history); account balances come from a balances file (psn_no, insutype, balc) and carry from
 * visit to visit. A visit with any error is rejected as a whole — nothing of it is written to
 * setl_d — and reported with file, line, field and value; the batch goes on. Outputs are written
 * to temporary names and renamed at the end, so a failed run leaves no half-written file.
 */
#ifndef YIBAO_BATCH_H
#define YIBAO_BATCH_H

#include <stddef.h>

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
    size_t run_bytes;           /* in-memory sort run; default 64 MiB */
    /* called for each settled visit / each rejected visit (optional) */
    void (*on_settled)(void *ctx, const yb_person *p, const yb_visit *v, const char *fixmedins_name,
                       const yb_settlement *s);
    void (*on_rejected)(void *ctx, const yb_reject *r);
    void *ctx;
} yb_batch_opts;

typedef struct yb_batch_stats {
    size_t visits, lines, persons, settled, rejected, runs;
    size_t orphan_lines;        /* fee lines whose visit is not in mdtrt_d (their visits are reported) */
} yb_batch_stats;

yb_rc yb_batch_settle(const yb_refdata *rd, const yb_batch_opts *o, yb_batch_stats *st, yb_err *err);

/* The 100 setl_d column names in order. */
extern const char *const yb_setl_d_columns[];
extern const size_t yb_setl_d_ncolumns;

#endif
