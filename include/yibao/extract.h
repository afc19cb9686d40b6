/*
 * extract.h — the national extract tables as settlement input and output (io/extract.c).
 *
 * Reading. The columns a settlement needs are looked up once per file (a "map"); a missing
 * required column is an error naming the file and the column before any row is read. Then each
 * row of the reader (include/yibao/csv.h) maps to
 *   mdtrt_d     -> yb_person + yb_visit  (insutype, psn_type, cvlserv_flag, sp_psn_type, insu_admdvs,
 *                  gend, brdy, hosp_lv, fix_blng_admdvs as the place of treatment, rloc_type,
 *                  med_type, begntime, endtime, fixmedins_code; the extra column acct_used_flag, 0
 *                  when the column is absent or the value empty)
 *   fee_list_d  -> yb_line  (bkkp_sn as feedetl_sn, med_list_codg or else hilist_code,
 *                  fee_ocur_time, cnt, pric, det_item_fee_sumamt) and the row's mdtrt_id, psn_no
 *   balances    -> (psn_no, insutype, balc)
 * Every error names the file, line, column and value (yb_err_set masks personal values) and
 * leaves the outputs unspecified. Text is checked exactly: money with at most 2 decimals, cnt 4,
 * pric 6, dates "yyyy-MM-dd", times "yyyy-MM-dd HH:mm:ss"; ids are non-empty, shorter than
 * YB_ID_MAX and free of control characters.
 *
 * Writing. setl_d rows with exactly the 100 national columns in their order: what the settlement
 * knows is filled from it and from the person and visit it settled (setl_id, mdtrt_id, psn_no,
 * insutype, psn_type, ..., the amounts with exactly 2 decimals, pool_prop_selfpay with 4,
 * refd_setl_flag 0, year, acct_used_flag, begndate, enddate, ...); the other columns are copied
 * from same-named columns of the source (mdtrt_d) row when it has them, and left empty otherwise.
 * setldetail rows: one per fund row of a settlement.
 */
#ifndef YIBAO_EXTRACT_H
#define YIBAO_EXTRACT_H

#include <stdio.h>

#include "yibao/csv.h"
#include "yibao/settle.h"

/* ------------------------------------------------------------------ mdtrt_d */

typedef struct yb_mdtrt_map {
    int mdtrt_id, psn_no, insutype, psn_type, cvlserv_flag, sp_psn_type, insu_admdvs, gend, brdy, hosp_lv,
        fix_blng_admdvs, rloc_type, med_type, begntime, endtime, fixmedins_code, fixmedins_name;
    int acct_used_flag;     /* -1 when the file has no such column */
} yb_mdtrt_map;

/* Find the columns in the reader's header. YB_E_INVALID "missing column 'x'" naming the file. */
yb_rc yb_mdtrt_map_init(yb_mdtrt_map *m, const yb_csv *c, yb_err *err);
/* Map the reader's current row into *p and *v. */
yb_rc yb_mdtrt_read(const yb_mdtrt_map *m, const yb_csv *c, yb_person *p, yb_visit *v, yb_err *err);

/* ------------------------------------------------------------------ fee_list_d */

typedef struct yb_fee_map {
    int bkkp_sn, mdtrt_id, psn_no, fee_ocur_time, med_list_codg, hilist_code, cnt, pric, det_item_fee_sumamt;
} yb_fee_map;

/* Columns of fee_list_d; med_list_codg or hilist_code must be there (either may be absent). */
yb_rc yb_fee_map_init(yb_fee_map *m, const yb_csv *c, yb_err *err);
/* Map the current row into *l; *mdtrt_id and *psn_no (may be NULL) point into the reader's row,
 * valid until its next record. On error they are still set when the row has them. */
yb_rc yb_fee_read(const yb_fee_map *m, const yb_csv *c, yb_line *l, const char **mdtrt_id, const char **psn_no,
                  yb_err *err);

/* ------------------------------------------------------------------ balances */

typedef struct yb_balc_map {
    int psn_no, insutype, balc;
} yb_balc_map;

yb_rc yb_balc_map_init(yb_balc_map *m, const yb_csv *c, yb_err *err);
/* A non-negative amount with at most 2 decimals; *psn_no and *insutype borrowed from the row. */
yb_rc yb_balc_read(const yb_balc_map *m, const yb_csv *c, const char **psn_no, const char **insutype, yb_fen *balc,
                   yb_err *err);

/* ------------------------------------------------------------------ setl_d */

/* The 100 setl_d column names in order. */
extern const char *const yb_setl_d_columns[];
extern const size_t yb_setl_d_ncolumns;

typedef struct yb_setl_writer yb_setl_writer;

/* A writer to fp whose pass-through columns come from a source row with the header src[0..n_src)
 * (the mdtrt_d header; n_src may be 0). NULL when out of memory. */
yb_setl_writer *yb_setl_writer_new(FILE *fp, const char *const *src, size_t n_src);
void yb_setl_writer_free(yb_setl_writer *w);
/* The source columns a row needs, in the order yb_setl_write takes them: k = 0 .. npass-1 is the
 * source column index yb_setl_writer_pass(w, k). */
size_t yb_setl_writer_npass(const yb_setl_writer *w);
int yb_setl_writer_pass(const yb_setl_writer *w, size_t k);
void yb_setl_write_header(yb_setl_writer *w);
/* One row; pass[k] is the value of source column yb_setl_writer_pass(w, k) (pass may be NULL:
 * all empty). YB_E_NOMEM or YB_E_IO (the stream refused the row) — nothing is written then. */
yb_rc yb_setl_write(yb_setl_writer *w, const char *setl_id, const yb_person *p, const yb_visit *v,
                    const yb_settlement *s, const char *const *pass);

/* ------------------------------------------------------------------ setldetail */

/* mdtrt_id, setl_id, psn_no, fund_pay_type, fund_pay_type_name, inscp_scp_amt, fund_payamt,
 * crt_payb_lmt_amt (empty when the fund has no annual cap), setl_proc_info */
void yb_setldetail_write_header(FILE *fp);
void yb_setldetail_write(FILE *fp, const char *mdtrt_id, const char *setl_id, const char *psn_no,
                         const yb_settlement *s);

#endif
