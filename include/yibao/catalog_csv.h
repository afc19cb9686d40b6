/*
 * catalog_csv.h — the catalogue CSV format (io/catalog_csv.c):
 *   med_list_codg, name, list_type, chrgitm_lv, selfpay_prop, pric_uplmt_amt_lv1, pric_uplmt_amt_lv2,
 *   pric_uplmt_amt_lv3, begndate, enddate, admdvs
 * Empty cap = no cap (so is 99999999, the interface's "no cap"); empty enddate = open-ended; empty
 * admdvs = every area; empty selfpay_prop = 0. Errors name file, line, column and value.
 */
#ifndef YIBAO_CATALOG_CSV_H
#define YIBAO_CATALOG_CSV_H

#include "yibao/catalog.h"

typedef yb_rc (*yb_cat_row_fn)(void *ctx, const yb_cat_entry *e, long line, yb_err *err);

/* Read every row, calling fn for each; stops at the first error (from the file or from fn).
 * *n gets the number of rows read. */
yb_rc yb_catalog_csv_read(const char *path, yb_cat_row_fn fn, void *ctx, size_t *n, yb_err *err);
/* Read a whole file into a new catalogue (all or nothing). */
yb_rc yb_catalog_csv_load(const char *path, yb_catalog **out, yb_err *err);

#endif
