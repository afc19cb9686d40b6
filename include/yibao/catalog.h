/*
 * catalog.h — the three catalogues (drugs, service items, consumables) as one lookup.
 *
 * An entry says, for one national code (med_list_codg) in one area and one validity period,
 * its class (chrgitm_lv: 01 甲, 02 乙, 03 丙, 04 可报丙), its pre-self-pay share and its price cap
 * per hospital-level class. The same code may have several entries: different areas (admdvs,
 * "" = every area) and different validity periods. yb_catalog_find picks the entry valid on a
 * date in an area, preferring an area-specific entry over an all-areas one.
 */
#ifndef YIBAO_CATALOG_H
#define YIBAO_CATALOG_H

#include <stddef.h>
#include "yibao/money.h"
#include "yibao/date.h"

#define YB_CODE_MAX 64

typedef struct yb_cat_entry {
    char code[YB_CODE_MAX];  /* med_list_codg, non-empty */
    char name[192];          /* display name, may be truncated */
    char list_type[8];       /* 101 西药 102 中成药 103 饮片 201 服务项目 301 耗材 ... as given */
    char chrgitm_lv[4];      /* "01".."04" */
    yb_ratio selfpay_prop;   /* 0..10000 */
    yb_price cap[4];         /* cap[1..3] by hospital-level class; -1 = no cap; cap[0] unused */
    yb_date begndate;        /* first valid day */
    yb_date enddate;         /* last valid day, YB_DATE_MAX when open-ended */
    char admdvs[8];          /* 6-digit area, "" = all areas */
} yb_cat_entry;

typedef struct yb_catalog yb_catalog;

yb_catalog *yb_catalog_new(void);
void yb_catalog_free(yb_catalog *c);
/* Copy e into the catalogue. YB_E_DUPLICATE when an entry with the same code and area overlaps
 * it in time; YB_E_INVALID when enddate < begndate or fields are out of range. */
yb_rc yb_catalog_add(yb_catalog *c, const yb_cat_entry *e, yb_err *err);
/* Entry valid on `on` for area `admdvs`; NULL when there is none (目录外). Borrowed pointer,
 * valid until the catalogue is freed. */
const yb_cat_entry *yb_catalog_find(const yb_catalog *c, const char *code, const char *admdvs, yb_date on);
size_t yb_catalog_count(const yb_catalog *c);
/* Iterate all entries in insertion order: i from 0 to count-1. */
const yb_cat_entry *yb_catalog_at(const yb_catalog *c, size_t i);

#endif
