/*
 * catalog_csv.c — read the catalogue CSV (see include/yibao/catalog_csv.h).
 */
#include <stdio.h>
#include <string.h>

#include "yibao/catalog_csv.h"
#include "yibao/csv.h"

enum { C_CODE, C_NAME, C_TYPE, C_LV, C_SP, C_CAP1, C_CAP2, C_CAP3, C_BEGN, C_END, C_AREA, C_N };
static const char *const cols[C_N] = {"med_list_codg", "name", "list_type", "chrgitm_lv", "selfpay_prop",
                                      "pric_uplmt_amt_lv1", "pric_uplmt_amt_lv2", "pric_uplmt_amt_lv3",
                                      "begndate", "enddate", "admdvs"};

static yb_rc bad(yb_csv *c, yb_err *err, yb_rc rc, int col, const char *v, const char *msg) {
    yb_err_set(err, rc, cols[col], v, "%s", msg);
    yb_err_at(err, yb_csv_name(c), yb_csv_line(c));
    return rc;
}

static yb_rc parse_row(yb_csv *c, const int *ix, yb_cat_entry *e, yb_err *err) {
    memset(e, 0, sizeof *e);
    size_t n;
    const char *s = yb_csv_field(c, ix[C_CODE], &n);
    if (!n) return bad(c, err, YB_E_INVALID, C_CODE, s, "empty code");
    if (n >= sizeof e->code) return bad(c, err, YB_E_LIMIT, C_CODE, s, "code longer than 63 bytes");
    memcpy(e->code, s, n + 1);
    s = yb_csv_field(c, ix[C_NAME], &n);
    snprintf(e->name, sizeof e->name, "%s", s);
    s = yb_csv_field(c, ix[C_TYPE], &n);
    if (n >= sizeof e->list_type) return bad(c, err, YB_E_INVALID, C_TYPE, s, "list_type longer than 7 bytes");
    memcpy(e->list_type, s, n + 1);
    s = yb_csv_field(c, ix[C_LV], &n);
    if (n != 2 || s[0] != '0' || s[1] < '1' || s[1] > '4')
        return bad(c, err, YB_E_INVALID, C_LV, s, "chrgitm_lv must be 01 (甲), 02 (乙), 03 (丙) or 04");
    memcpy(e->chrgitm_lv, s, 3);
    s = yb_csv_field(c, ix[C_SP], &n);
    if (n) {
        yb_rc rc = yb_ratio_parse(s, n, 0, &e->selfpay_prop);
        if (rc == YB_E_PRECISION) return bad(c, err, rc, C_SP, s, "more than 4 decimals");
        if (rc) return bad(c, err, YB_E_INVALID, C_SP, s, "a share from 0 to 1 expected");
    }
    for (int k = 0; k < 3; k++) {
        s = yb_csv_field(c, ix[C_CAP1 + k], &n);
        e->cap[k + 1] = -1;
        if (!n) continue;
        yb_rc rc = yb_price_parse(s, n, 0, &e->cap[k + 1]);
        if (rc == YB_E_PRECISION) return bad(c, err, rc, C_CAP1 + k, s, "more than 6 decimals");
        if (rc) return bad(c, err, rc == YB_E_OVERFLOW ? rc : YB_E_INVALID, C_CAP1 + k, s, "not a non-negative price");
        if (e->cap[k + 1] >= YB_PRICE_NOCAP) e->cap[k + 1] = -1;
    }
    s = yb_csv_field(c, ix[C_BEGN], &n);
    if (yb_date_parse(s, n, &e->begndate)) return bad(c, err, YB_E_INVALID, C_BEGN, s, "not a date yyyy-MM-dd");
    s = yb_csv_field(c, ix[C_END], &n);
    e->enddate = YB_DATE_MAX;
    if (n && yb_date_parse(s, n, &e->enddate)) return bad(c, err, YB_E_INVALID, C_END, s, "not a date yyyy-MM-dd");
    if (e->enddate < e->begndate) return bad(c, err, YB_E_INVALID, C_END, s, "enddate before begndate");
    s = yb_csv_field(c, ix[C_AREA], &n);
    if (n && n != 6) return bad(c, err, YB_E_INVALID, C_AREA, s, "an area code has 6 digits");
    memcpy(e->admdvs, s, n + 1);
    return YB_OK;
}

yb_rc yb_catalog_csv_read(const char *path, yb_cat_row_fn fn, void *ctx, size_t *count, yb_err *err) {
    yb_csv *c = NULL;
    yb_rc rc = yb_csv_open(path, &c, err);
    if (rc) return rc;
    int ix[C_N];
    rc = yb_csv_require(c, cols, C_N, ix, err);
    size_t n = 0;
    int r = 0;
    while (!rc && (r = yb_csv_next(c, err)) == 1) {
        yb_cat_entry e;
        rc = parse_row(c, ix, &e, err);
        if (!rc) rc = fn(ctx, &e, yb_csv_line(c), err);
        if (rc) yb_err_at(err, yb_csv_name(c), yb_csv_line(c));
        n++;
    }
    if (!rc && r < 0) rc = err && err->rc ? err->rc : YB_E_INVALID;
    if (count) *count = n;
    yb_csv_close(c);
    return rc;
}

static yb_rc add_cb(void *ctx, const yb_cat_entry *e, long line, yb_err *err) {
    (void)line;
    return yb_catalog_add(ctx, e, err);
}

yb_rc yb_catalog_csv_load(const char *path, yb_catalog **out, yb_err *err) {
    yb_catalog *cat = yb_catalog_new();
    if (!cat) return yb_err_set(err, YB_E_NOMEM, NULL, NULL, "out of memory");
    yb_rc rc = yb_catalog_csv_read(path, add_cb, cat, NULL, err);
    if (rc) {
        yb_catalog_free(cat);
        return rc;
    }
    *out = cat;
    return YB_OK;
}
